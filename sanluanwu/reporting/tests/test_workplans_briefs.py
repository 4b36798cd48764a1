"""Work plans (实施步骤（一）: each town's 工作方案, every version kept; a document known by its first bytes, not its
name) and briefs (工作简讯: a town's or a department's, a draft until submitted, then fixed)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from PIL import Image

from sanluanwu.audit.models import AuditEvent
from sanluanwu.core.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from sanluanwu.notices.models import Notice
from sanluanwu.reporting import queries, services
from sanluanwu.reporting.choices import BriefState
from sanluanwu.reporting.models import Brief, BriefPhoto, WorkPlan

D = dt.date


def _docx() -> bytes:
    """A real (tiny) Word document: the upload's package is read, so a fake one would be refused."""
    import io

    from docx import Document

    buffer = io.BytesIO()
    Document().save(buffer)
    return buffer.getvalue()


DOCX = _docx()
PDF = b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 10


def jpeg(seed: int = 0) -> bytes:
    img = Image.new("RGB", (64, 48), (seed * 37 % 256, 120, 200))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


# ---- work plans ----------------------------------------------------------------------------------------------------


def test_a_town_uploads_its_work_plan_and_every_upload_is_a_new_version(summer, district, alice, office):
    hutang = district["hutang"]
    first = services.upload_workplan(actor=alice, campaign=summer, unit=hutang, title="湖塘镇“回头看”工作方案",
                                     filename="湖塘镇工作方案.docx", content=DOCX)  # fmt: skip
    second = services.upload_workplan(actor=alice, campaign=summer, unit=hutang, title="湖塘镇工作方案（修改稿）",
                                      filename="方案.PDF", content=PDF)  # fmt: skip
    assert (first.number, second.number) == (1, 2)
    assert first.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert second.content_type == "application/pdf"
    assert second.sha256 == hashlib.sha256(PDF).hexdigest() and second.size == len(PDF)
    assert bytes(WorkPlan.objects.get(pk=first.pk).content) == DOCX  # the first version stays
    assert AuditEvent.objects.filter(action="reporting.workplan.uploaded").count() == 2
    assert Notice.objects.filter(recipient=office, kind="reporting.workplan").count() == 2


@pytest.mark.parametrize(
    ("filename", "content", "words"),
    [
        ("方案.docx", PDF, "不是DOCX文件"),  # a PDF renamed
        ("方案.pdf", DOCX, "不是PDF文件"),  # a Word file renamed
        ("方案.pdf", b"MZ\x90\x00" + b"\x00" * 100, "不是PDF文件"),  # a program renamed
        ("方案.exe", b"MZ\x90\x00", "应为 Word"),
        ("方案", DOCX, "应为 Word"),
        ("方案.docx", b"", "空文件"),
    ],
)
def test_a_work_plan_is_known_by_its_first_bytes_not_its_name(summer, district, alice, filename, content, words):
    with pytest.raises(ValidationFailed) as exc:
        services.upload_workplan(actor=alice, campaign=summer, unit=district["hutang"], title="工作方案",
                                 filename=filename, content=content)  # fmt: skip
    assert words in exc.value.text
    assert not WorkPlan.objects.exists()


def test_a_work_plan_larger_than_the_limit_is_refused(summer, district, alice, settings):
    settings.WORKPLAN_MAX_BYTES = 1024 * 1024
    with pytest.raises(ValidationFailed) as exc:
        services.upload_workplan(actor=alice, campaign=summer, unit=district["hutang"], title="工作方案",
                                 filename="方案.pdf", content=PDF + b"0" * (1024 * 1024))  # fmt: skip
    assert "不能超过 1 MB" in exc.value.text


def test_a_work_plan_is_uploaded_by_the_towns_own_manager_only(summer, district, alice, ada, bob, office):
    for actor in (bob, ada, office):
        with pytest.raises(PermissionDenied):
            services.upload_workplan(actor=actor, campaign=summer, unit=district["hutang"], title="工作方案",
                                     filename="方案.pdf", content=PDF)  # fmt: skip
    assert not WorkPlan.objects.exists()


def test_a_town_sees_its_own_work_plans_and_the_office_sees_all(summer, district, alice, bob, office, dora):
    for actor, unit in ((alice, district["hutang"]), (bob, district["niutang"])):
        services.upload_workplan(actor=actor, campaign=summer, unit=unit, title="方案", filename="a.pdf", content=PDF)
    assert set(queries.workplans_visible_to(alice).values_list("unit__code", flat=True)) == {"hutang"}
    assert queries.workplans_visible_to(office).count() == 2
    assert not queries.workplans_visible_to(dora).exists()


# ---- briefs --------------------------------------------------------------------------------------------------------


def test_a_brief_is_a_draft_until_submitted_and_then_no_longer_changes(summer, district, alice, office):
    hutang = district["hutang"]
    draft = services.save_brief(actor=alice, campaign=summer, unit=hutang, month=D(2020, 7, 18), title="湖塘镇简讯",
                                text="本周关停取缔3家。", photos_in=[services.PhotoUpload("现场.jpg", jpeg(1), "拆除设备")])  # fmt: skip
    assert draft.state == BriefState.DRAFT and draft.month == D(2020, 7, 1) and draft.version == 1
    assert not queries.briefs_visible_to(office).filter(pk=draft.pk).exists()  # the office does not read drafts
    sent = services.save_brief(actor=alice, campaign=summer, unit=hutang, month=D(2020, 7, 1), title="湖塘镇简讯（第1期）",
                               text="本周关停取缔3家，断电2家。", brief=draft, submit=True)  # fmt: skip
    assert sent.pk == draft.pk and sent.state == BriefState.SUBMITTED and sent.version == 2
    assert sent.submitted_at is not None
    assert BriefPhoto.objects.filter(brief=sent).count() == 1
    assert queries.briefs_visible_to(office).filter(pk=sent.pk).exists()
    assert Notice.objects.filter(recipient=office, kind="reporting.brief").count() == 1
    with pytest.raises(TransitionNotAllowed):
        services.save_brief(actor=alice, campaign=summer, unit=hutang, month=D(2020, 7, 1), title="改", text="改",
                            brief=sent)  # fmt: skip
    assert Brief.objects.get(pk=sent.pk).title == "湖塘镇简讯（第1期）"


def test_a_department_writes_its_own_brief_and_no_one_elses(summer, district, dora, alice, office):
    brief = services.save_brief(actor=dora, campaign=summer, unit=district["sthjj"], month=D(2020, 7, 1),
                                title="生态环境局简讯", text="开展联合执法。", submit=True)  # fmt: skip
    assert brief.state == BriefState.SUBMITTED
    for actor, unit in ((dora, district["hutang"]), (dora, district["gxj"]), (alice, district["niutang"]),
                        (alice, district["sthjj"]), (office, district["hutang"])):  # fmt: skip
        with pytest.raises(PermissionDenied):
            services.save_brief(actor=actor, campaign=summer, unit=unit, month=D(2020, 7, 1), title="简讯", text="正文")


def test_a_town_cannot_rewrite_another_towns_draft_by_naming_its_own_unit(summer, district, alice, bob):
    theirs = services.save_brief(actor=bob, campaign=summer, unit=district["niutang"], month=D(2020, 7, 1),
                                 title="牛塘镇简讯", text="草稿")  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.save_brief(actor=alice, campaign=summer, unit=district["hutang"], month=D(2020, 7, 1),
                            title="被改写", text="被改写", brief=theirs, submit=True)  # fmt: skip
    theirs.refresh_from_db()
    assert (theirs.title, theirs.state) == ("牛塘镇简讯", BriefState.DRAFT)


def test_a_brief_is_for_a_month_of_the_campaign_with_at_most_nine_photos(summer, district, alice):
    hutang = district["hutang"]
    with pytest.raises(ValidationFailed) as exc:
        services.save_brief(actor=alice, campaign=summer, unit=hutang, month=D(2020, 9, 1), title="简讯", text="正文")
    assert "month" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        services.save_brief(actor=alice, campaign=summer, unit=hutang, month=D(2020, 6, 30), title="简讯", text="正文")
    assert "month" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        services.save_brief(actor=alice, campaign=summer, unit=hutang, month=D(2020, 7, 1), title="简讯", text="正文",
                            photos_in=[services.PhotoUpload(f"{i}.jpg", jpeg(i)) for i in range(10)])  # fmt: skip
    assert "photos" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        services.save_brief(actor=alice, campaign=summer, unit=hutang, month=D(2020, 7, 1), title="简讯", text="正文",
                            photos_in=[services.PhotoUpload("假照片.jpg", b"%PDF-1.4 not a photo")])  # fmt: skip
    assert "photos" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        services.save_brief(actor=alice, campaign=summer, unit=hutang, month=D(2020, 7, 1), title=" ", text="正文")
    assert "title" in exc.value.errors
    assert not Brief.objects.exists()


def test_a_zip_bomb_named_docx_is_refused_before_anyone_downloads_it(alice, campaign):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/document.xml", b"\0" * (60 * 1024 * 1024))
    with pytest.raises(ValidationFailed, match="解压后异常巨大"):
        services.upload_workplan(actor=alice, campaign=campaign, unit=alice.memberships.get().org_unit, title="方案",
                                 filename="bomb.docx", content=buffer.getvalue())  # fmt: skip
