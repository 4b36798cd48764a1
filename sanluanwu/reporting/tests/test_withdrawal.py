"""Briefs and work plans sent by mistake are withdrawn with a reason by their unit (or the office) and restored by the
office admin (core.withdrawal): never deleted; off the counts, the latest version and the summary's figures."""

from __future__ import annotations

import datetime as dt

import pytest

from sanluanwu.audit.models import AuditEvent
from sanluanwu.core.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from sanluanwu.lookback import services as lookback
from sanluanwu.reporting import queries, services, summary
from sanluanwu.reporting.tests.test_workplans_briefs import PDF

D = dt.date


def _brief(actor, campaign, unit, title="湖塘镇简讯", submit=True):
    return services.save_brief(actor=actor, campaign=campaign, unit=unit, month=D(2020, 7, 1), title=title,
                               text="正文", submit=submit)  # fmt: skip


def test_a_withdrawn_brief_leaves_the_months_count_and_is_shown_apart_marked(client, summer, district, alice, office):
    hutang = district["hutang"]
    kept = _brief(alice, summer, hutang, "湖塘镇简讯（第1期）")
    twice = _brief(alice, summer, hutang, "湖塘镇简讯（第1期，重复）")
    services.withdraw_brief(actor=alice, brief=twice, reason="重复报送")
    assert list(queries.briefs_visible_to(office).filter(campaign=summer)) == [kept]
    client.force_login(office)
    html = client.get("/reporting/briefs/?month=2020-07").content.decode()
    assert "已撤回（不计入篇数）" in html and "重复报送" in html
    page = client.get(f"/reporting/briefs/{twice.pk}/").content.decode()
    assert "已撤回" in page and "恢复理由" in page
    [event] = AuditEvent.objects.filter(action="reporting.brief.withdrawn", object_id=str(twice.pk))
    assert event.note == "重复报送"
    assert client.post(f"/reporting/briefs/{twice.pk}/restore/", {"reason": "并非重复"}).status_code == 302
    assert queries.briefs_visible_to(office).filter(campaign=summer).count() == 2


def test_a_brief_is_withdrawn_by_its_own_unit_or_the_office_with_a_reason(client, summer, district, alice, bob, dora,
                                                                          office):  # fmt: skip
    brief = _brief(alice, summer, district["hutang"])
    theirs = services.save_brief(actor=dora, campaign=summer, unit=district["sthjj"], month=D(2020, 7, 1),
                                 title="生态环境局简讯", text="正文", submit=True)  # fmt: skip
    for who, record in ((bob, brief), (dora, brief), (alice, theirs)):
        with pytest.raises(PermissionDenied):
            services.withdraw_brief(actor=who, brief=record, reason="误报")
    with pytest.raises(ValidationFailed) as exc:
        services.withdraw_brief(actor=alice, brief=brief, reason="")
    assert exc.value.errors == {"reason": ["请填写撤回理由"]}
    services.withdraw_brief(actor=dora, brief=theirs, reason="发错单位")
    services.withdraw_brief(actor=office, brief=brief, reason="内容有误")
    with pytest.raises(PermissionDenied):
        services.restore_brief(actor=alice, brief=brief, reason="恢复")
    with pytest.raises(TransitionNotAllowed):
        services.save_brief(actor=alice, campaign=summer, unit=district["hutang"], month=D(2020, 7, 1), title="改",
                            text="改", brief=brief)  # fmt: skip
    client.force_login(bob)
    assert client.post(f"/reporting/briefs/{brief.pk}/withdraw/", {"reason": "x"}).status_code == 404
    client.force_login(alice)
    assert client.post(f"/reporting/briefs/{brief.pk}/restore/", {"reason": "x"}).status_code == 403


def test_a_draft_brief_is_withdrawn_from_its_form_page(client, summer, district, alice):
    draft = _brief(alice, summer, district["hutang"], submit=False)
    client.force_login(alice)
    assert "撤回简讯草稿" in client.get(f"/reporting/briefs/{draft.pk}/").content.decode()
    assert client.post(f"/reporting/briefs/{draft.pk}/withdraw/", {"reason": "不再报送"}).status_code == 302
    draft.refresh_from_db()
    assert draft.withdrawal_reason == "不再报送"
    assert client.post(f"/reporting/briefs/{draft.pk}/", {"title": "改", "text": "改"}).status_code == 409


def test_a_withdrawn_work_plan_version_gives_way_to_the_previous_one(client, summer, district, alice, bob, office):
    hutang = district["hutang"]
    first = services.upload_workplan(actor=alice, campaign=summer, unit=hutang, title="湖塘镇工作方案",
                                     filename="方案.pdf", content=PDF)  # fmt: skip
    wrong = services.upload_workplan(actor=alice, campaign=summer, unit=hutang, title="别的文件",
                                     filename="别的.pdf", content=PDF + b"x")  # fmt: skip
    client.force_login(alice)
    assert client.post(f"/reporting/workplans/{wrong.pk}/withdraw/", {"reason": ""}).status_code == 302
    wrong.refresh_from_db()
    assert wrong.withdrawn_at is None
    assert client.post(f"/reporting/workplans/{wrong.pk}/withdraw/", {"reason": "传错文件"}).status_code == 302
    html = client.get("/reporting/workplans/").content.decode()
    assert "《湖塘镇工作方案》第1版" in html and "传错文件" in html and "已撤回" in html
    assert list(queries.workplans_visible_to(office)) == [first]
    assert client.get(f"/reporting/workplans/{wrong.pk}/file/").status_code == 200  # kept, downloadable
    assert client.post(f"/reporting/workplans/{wrong.pk}/restore/", {"reason": "x"}).status_code == 403
    client.force_login(bob)
    assert client.post(f"/reporting/workplans/{first.pk}/withdraw/", {"reason": "x"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.withdraw_workplan(actor=bob, workplan=first, reason="误传")
    services.restore_workplan(actor=office, workplan=wrong, reason="核实无误")
    assert [e.action for e in AuditEvent.objects.filter(object_id=str(wrong.pk), object_type="reporting.workplan")
            .order_by("id")] == ["reporting.workplan.uploaded", "reporting.workplan.withdrawn",
                                 "reporting.workplan.restored"]  # fmt: skip


def test_the_summary_leaves_withdrawn_places_and_inspections_out(summer, district, alice, office):
    hutang = district["hutang"]
    place = lookback.add_place(actor=alice, campaign=summer, town=hutang, kind="rental", name="出租房甲",
                               address="湖塘镇某路1号")  # fmt: skip
    twice = lookback.add_place(actor=alice, campaign=summer, town=hutang, kind="rental", name="出租房甲（重复）",
                               address="湖塘镇某路1号")  # fmt: skip
    answers = {i.code: ("yes" if i.problem_if == "no" else "no") for i in lookback.applicable_items(place)}
    inspection = lookback.submit_inspection(actor=alice, inspection=lookback.start_inspection(actor=alice, target=place),
                                            data=lookback.InspectionInput(answers=answers, inspectors="李"))  # fmt: skip

    def values():
        data = summary.campaign_summary(summer, D(2020, 7, 1))
        return next(u.values for u in data.units if u.name == "湖塘镇")

    assert (values()["targets"], values()["inspected"]) == (2, 1)
    lookback.withdraw_target(actor=alice, target=twice, reason="重复添加")
    lookback.withdraw_inspection(actor=alice, inspection=inspection, reason="录错")
    assert (values()["targets"], values()["inspected"]) == (1, 0)
