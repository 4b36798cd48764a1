"""The reporting pages as their users meet them: the banner on every page, a town checking and submitting its report,
the office reviewing it, the downloads, a campaign set up in pages, work plans and briefs."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.test import Client

from conftest import make_case
from sanluanwu.audit.models import AuditEvent
from sanluanwu.campaigns.models import Campaign
from sanluanwu.lookback.tests.test_photos import jpeg_with_exif
from sanluanwu.reporting.models import Brief, Period, Report, Slot, WorkPlan
from sanluanwu.reporting.tests.steps import slot_of


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _content(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_every_page_shows_the_campaign_its_phase_and_the_days_to_the_next_deadline(alice, campaign):
    html = _client(alice).get("/cases/").content.decode()
    assert "campaign-banner" in html and campaign.name in html and "综合整治" in html
    due = Period.objects.filter(campaign=campaign, due_on__gte=campaign.phases.get(kind="remediation").starts_on)
    assert "报表截止" in html and any(f"{p.due_on.month}月{p.due_on.day}日" in html for p in due)


def test_a_town_manager_checks_the_generated_report_and_submits_it(alice, office, summer, district, travel):
    case = make_case(alice, district["hutang"], case={"planned_completion": dt.date(2020, 7, 30)})
    travel(dt.date(2020, 7, 15), 9)
    slot = slot_of(summer, dt.date(2020, 7, 15), district["hutang"])
    client = _client(alice)
    page = client.get(f"/reporting/slots/{slot.pk}/").content.decode()
    assert "核对将要报送的报表" in page and "共 1 家" in page and "填表人" in page
    preview = client.get(f"/reporting/slots/{slot.pk}/preview.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(_content(preview)))["附件2"]
    assert sheet["A1"].value == "附件2" and case.enterprise.name in [c.value for c in sheet[5]]
    assert not Report.objects.exists()  # a preview records nothing

    refused = client.post(f"/reporting/slots/{slot.pk}/", {"action": "submit", "filler": "陈科长", "phone": ""})
    assert refused.status_code == 400 and "请填写审核人" in refused.content.decode()
    assert 'value="陈科长"' in refused.content.decode()  # what was typed stays
    done = client.post(f"/reporting/slots/{slot.pk}/", {"action": "submit", "filler": "陈科长", "reviewer": "刘镇长",
                                                         "phone": "0519-86310000", "remark": "本期无新增，有事找13812345678"})  # fmt: skip
    assert done.status_code == 302
    report = Report.objects.get(slot=slot)
    sheet = openpyxl.load_workbook(io.BytesIO(bytes(report.file)))["附件2"]
    texts = [c.value for row in sheet.iter_rows() for c in row if c.value]
    # The telephone reads masked in the file as on the page (the office reveals it there, audited); the record keeps it.
    assert any("填表人：陈科长" in str(t) and "审核人：刘镇长" in str(t) and "0519-****0000" in str(t) for t in texts)
    assert not any("0519-86310000" in str(t) for t in texts) and report.phone == "0519-86310000"
    summary = [str(c.value) for row in openpyxl.load_workbook(io.BytesIO(bytes(report.file)))["汇总"].iter_rows()
               for c in row if c.value]  # fmt: skip
    assert any("备注：本期无新增，有事找138****5678" in t for t in summary)
    download = client.get(f"/reporting/reports/{report.pk}/file/")
    assert download["X-Content-SHA256"] == report.sha256

    office_page = _client(office).get(f"/reporting/slots/{slot.pk}/").content.decode()
    assert "审核第1版" in office_page
    assert _client(office).post(f"/reporting/slots/{slot.pk}/", {"action": "return", "comment": ""}).status_code == 400
    assert _client(office).post(f"/reporting/slots/{slot.pk}/", {"action": "accept"}).status_code == 302
    assert Slot.objects.get(pk=slot.pk).state == "accepted"
    # Locked: the town sees no submit form, only the request to reopen.
    locked = client.get(f"/reporting/slots/{slot.pk}/").content.decode()
    assert "核对将要报送的报表" not in locked and "申请重新报送" in locked


def test_the_office_sees_who_reported_and_downloads_the_district_workbook(alice, office, leo, summer, district,
                                                                          travel):  # fmt: skip
    make_case(alice, district["hutang"])
    travel(dt.date(2020, 7, 14), 16)
    slot = slot_of(summer, dt.date(2020, 7, 14), district["hutang"])
    _client(alice).post(f"/reporting/slots/{slot.pk}/", {"action": "submit", "filler": "a", "reviewer": "b",
                                                         "phone": "0519-86310000"})  # fmt: skip
    travel(dt.date(2020, 7, 16), 9)
    page = _client(office).get(f"/reporting/periods/{slot.period_id}/").content.decode()
    assert "湖塘镇" in page and "牛塘镇" in page and "未报" in page and "50.0%" in page
    overview = _client(leo).get("/reporting/").content.decode()
    assert "完整率" in overview and "2020年7月上半月" in overview
    workbook = openpyxl.load_workbook(io.BytesIO(_content(_client(leo).get(
        f"/reporting/periods/{slot.period_id}/workbook.xlsx"))))  # fmt: skip
    assert workbook.sheetnames[0] == "汇总" and {"湖塘镇", "牛塘镇"} <= set(workbook.sheetnames)
    assert _client(alice).get(f"/reporting/periods/{slot.period_id}/").status_code == 403


def test_the_overview_follows_a_submission_and_a_review_at_once(alice, office, leo, summer, district, travel):
    # The overview is remembered between writes of reports (audit.memo): each write shows on the next view.
    make_case(alice, district["hutang"])
    travel(dt.date(2020, 7, 14), 16)
    slot = slot_of(summer, dt.date(2020, 7, 14), district["hutang"])
    town, leader = _client(alice), _client(leo)

    def tables(client):  # the page below its header (the header holds a fresh CSRF token each time)
        page = client.get("/reporting/").content.decode()
        return page[page.index("<h1>") :]

    assert "已报送，待审核" not in tables(town)
    first = tables(leader)
    assert tables(leader) == first
    town.post(f"/reporting/slots/{slot.pk}/", {"action": "submit", "filler": "a", "reviewer": "b",
                                               "phone": "0519-86310000"})  # fmt: skip
    assert "已报送，待审核" in tables(town)
    assert tables(leader) != first  # 已报 counted
    assert _client(office).post(f"/reporting/slots/{slot.pk}/", {"action": "accept"}).status_code == 302
    assert "已审核通过" in tables(town)


def test_a_towns_report_pages_outlive_another_towns_submission_but_follow_their_own(
    alice, bob, summer, district, travel, monkeypatch
):
    from sanluanwu.audit import memo
    from sanluanwu.reporting import queries, services, views

    make_case(alice, district["hutang"])
    make_case(bob, district["niutang"])
    travel(dt.date(2020, 7, 14), 16)
    hutang, niutang = (slot_of(summer, dt.date(2020, 7, 14), district[code]) for code in ("hutang", "niutang"))
    reads: list[str] = []
    overview, draft = views._overview_data, queries.draft_summary
    monkeypatch.setattr(views, "_overview_data", lambda *a: reads.append("overview") or overview(*a))
    monkeypatch.setattr(queries, "draft_summary", lambda *a: reads.append("draft") or draft(*a))

    def by_another_process(actor: Any, slot: Slot) -> None:  # only the audit chain tells this process of it
        before = dict(memo._writes)
        services.submit_report(actor=actor, slot=slot, filler="a", reviewer="b", phone="0519-86310000")
        memo._writes.clear()
        memo._writes.update(before)

    town = _client(alice)

    def pages() -> str:
        town.get("/reporting/")
        return town.get(f"/reporting/slots/{hutang.pk}/").content.decode()

    pages()
    assert reads == ["overview", "draft"]
    by_another_process(bob, niutang)  # 牛塘镇 reports: nothing 湖塘镇's pages show changed
    pages()
    assert reads == ["overview", "draft"]
    by_another_process(alice, hutang)  # 湖塘镇's own report (from another server process): both read again
    assert "第1版" in pages()
    assert reads == ["overview", "draft"] * 2


def test_the_office_moves_a_due_date_in_the_page_with_a_reason(office, summer, travel):
    period = Period.objects.filter(campaign=summer).order_by("starts_on").first()
    client = _client(office)
    refused = client.post(f"/reporting/periods/{period.pk}/due/", {"due_on": "2020-07-17", "reason": ""})
    assert refused.status_code == 400 and "请填写调整理由" in refused.content.decode()
    assert 'value="2020-07-17"' in refused.content.decode()  # what was typed stays
    assert Period.objects.get(pk=period.pk).due_on == dt.date(2020, 7, 15)  # no reason, no move
    wrong = client.post(f"/reporting/periods/{period.pk}/due/", {"due_on": "2020-02-30", "reason": "x"})
    assert wrong.status_code == 400 and "不存在" in wrong.content.decode()
    client.post(f"/reporting/periods/{period.pk}/due/", {"due_on": "2020-07-17", "reason": "端午假期顺延"})
    period.refresh_from_db()
    assert period.due_on == dt.date(2020, 7, 17) and period.default_due_on == dt.date(2020, 7, 15)
    page = client.get(f"/reporting/periods/{period.pk}/").content.decode()
    assert "端午假期顺延" in page and "原定 7月15日" in page


def test_the_office_sets_up_a_new_campaign_in_pages_without_touching_the_old_ones(office, alice, campaign, district):
    old_periods = list(Period.objects.filter(campaign=campaign).values_list("pk", "starts_on", "due_on"))
    slot = Slot.objects.filter(period__campaign=campaign, period__starts_on__lte=campaign.phases.get(
        kind="remediation").starts_on, unit=district["hutang"]).order_by("-period__starts_on").first()  # fmt: skip
    from sanluanwu.reporting import services

    services.submit_report(actor=alice, slot=slot, filler="a", reviewer="b", phone="0519-86310000")
    client = _client(office)
    assert client.get("/campaigns/new/").status_code == 200
    data = {"name": "2027年“散乱污”整治“回头看”", "starts_on": "2027-06-01", "ends_on": "2027-09-10",
            "baseline_label": "2018-2020年集中整治", "is_active": "on", "first_due_day": "15", "second_due_day": "30",
            "reminder_days": "3,1", "briefs_min": "1", "briefs_max": "2",
            "mobilisation_start": "2027-06-01", "mobilisation_end": "2027-06-12", "mobilisation_text": "动员部署",
            "survey_start": "2027-06-10", "survey_end": "2027-07-05",
            "participants": [str(district["hutang"].pk), str(district["niutang"].pk)]}  # fmt: skip
    overlapping = client.post("/campaigns/new/", data)
    assert overlapping.status_code == 400 and "日期重叠" in overlapping.content.decode()
    assert "2027年“散乱污”整治“回头看”" in overlapping.content.decode()  # what was typed stays
    data["survey_start"] = "2027-06-13"
    assert client.post("/campaigns/new/", data).status_code == 302
    new = Campaign.objects.get(name="2027年“散乱污”整治“回头看”")
    assert [p.kind for p in new.phases.order_by("starts_on")] == ["mobilisation", "survey"]
    assert Period.objects.filter(campaign=new).count() == 7  # June-August and the first half of September
    assert set(Slot.objects.filter(period__campaign=new).values_list("unit__code", flat=True)) == {"hutang", "niutang"}
    assert list(Period.objects.filter(campaign=campaign).values_list("pk", "starts_on", "due_on")) == old_periods
    assert Report.objects.filter(slot__period__campaign=campaign).count() == 1
    assert AuditEvent.objects.filter(action="campaigns.campaign.created", object_id=str(new.pk)).exists()
    assert AuditEvent.objects.filter(action="campaigns.phase.created").count() >= 2
    assert _client(alice).get("/campaigns/new/").status_code == 403


def test_a_town_uploads_its_work_plan_and_the_office_sees_who_has(alice, office, campaign):
    client = _client(alice)
    renamed = client.post("/reporting/workplans/", {"title": "湖塘镇工作方案",
                                                    "file": _file("方案.docx", b"MZ\x90\x00 not a document")})  # fmt: skip
    assert renamed.status_code == 400 and "可能改过扩展名" in renamed.content.decode()
    assert client.post("/reporting/workplans/", {"title": "湖塘镇工作方案",
                                                 "file": _file("方案.pdf", b"%PDF-1.4 plan")}).status_code == 302  # fmt: skip
    plan = WorkPlan.objects.get()
    page = _client(office).get("/reporting/workplans/").content.decode()
    assert "湖塘镇工作方案" in page and "未上传" in page and "已上传 <b>1</b>" in page
    assert _content(_client(office).get(f"/reporting/workplans/{plan.pk}/file/")) == b"%PDF-1.4 plan"


def test_briefs_are_written_sent_and_counted_per_month(alice, office, dora, campaign):
    client = _client(alice)
    assert client.post("/reporting/briefs/new/", {"month": "2099-01", "title": "x", "text": "y"}).status_code == 400
    month = campaign.starts_on.strftime("%Y-%m")
    saved = client.post("/reporting/briefs/new/", {"month": month, "title": "湖塘镇全面推进", "text": "正文\n第二段",
                                                   "action": "save", "photos": _file("a.jpg", jpeg_with_exif())})  # fmt: skip
    brief = Brief.objects.get()
    assert saved.status_code == 302 and brief.state == "draft" and brief.photos.count() == 1
    assert "湖塘镇全面推进" not in _client(office).get("/reporting/briefs/").content.decode()  # a draft is its own
    client.post(f"/reporting/briefs/{brief.pk}/", {"month": month, "title": "湖塘镇全面推进", "text": "正文",
                                                   "action": "submit"})  # fmt: skip
    page = _client(office).get(f"/reporting/briefs/?month={month}").content.decode()
    assert "湖塘镇全面推进" in page and "湖塘镇" in page
    assert _client(dora).get(f"/reporting/briefs/{brief.pk}/").status_code == 404
    draft = _client(alice).get("/reporting/briefs/draft.docx")
    assert draft.status_code == 200 and _content(draft)[:2] == b"PK"


@pytest.mark.parametrize("path", ["/reporting/summary/", "/reporting/summary.docx", "/reporting/summary.xlsx"])
def test_the_summary_is_read_and_downloaded_by_the_office_and_the_leader(path, office, leo, alice, hutang_case):
    assert _client(leo).get(path).status_code == 200
    assert _client(office).get(path).status_code == 200
    assert _client(alice).get(path).status_code == 403


def _file(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_a_campaign_needs_known_participants_and_at_least_one(office, campaign):
    client = _client(office)
    data = {"name": campaign.name, "starts_on": campaign.starts_on.isoformat(), "ends_on": campaign.ends_on.isoformat(),
            "baseline_label": campaign.baseline_label, "is_active": "on", "first_due_day": "15", "second_due_day": "30",
            "reminder_days": "3,1", "briefs_min": "1", "briefs_max": "2"}  # fmt: skip
    for kind in campaign.phases.all():
        data |= {f"{kind.kind}_start": kind.starts_on.isoformat(), f"{kind.kind}_end": kind.ends_on.isoformat()}
    before = set(campaign.participants.values_list("pk", flat=True))
    unknown = client.post(f"/campaigns/{campaign.pk}/edit/", data | {"participants": ["99999"]})
    assert unknown.status_code == 400 and "不存在或已停用" in unknown.content.decode()
    empty = client.post(f"/campaigns/{campaign.pk}/edit/", data)
    assert empty.status_code == 400 and "至少选择一个参加单位" in empty.content.decode()
    assert set(campaign.participants.values_list("pk", flat=True)) == before


@pytest.mark.parametrize("written", ["²", "①", "abc", "-1", "", "12345678901"])
def test_a_submission_whose_version_is_no_number_is_answered_as_a_stale_page_never_taken(alice, summer, district,
                                                                                         travel, written):  # fmt: skip
    """ "²" passes str.isdigit() but not int() (a 500 found from outside); any version that is no number the page
    wrote is refused as stale (409), never taken as "no version given"."""
    make_case(alice, district["hutang"])
    travel(dt.date(2020, 7, 15), 9)
    slot = slot_of(summer, dt.date(2020, 7, 15), district["hutang"])
    answer = _client(alice).post(f"/reporting/slots/{slot.pk}/", {"action": "submit", "filler": "陈科长",
                                 "reviewer": "刘镇长", "phone": "0519-86310000", "version": written})  # fmt: skip
    assert answer.status_code == 409 and "请刷新页面后再操作" in answer.content.decode()
    assert not Report.objects.exists()


@pytest.mark.parametrize("written", ["²", "①", "٣"])
def test_digits_of_other_scripts_in_a_chosen_id_are_refused_or_ignored_never_a_server_error(client, office, alice,
                                                                                            summer, written):  # fmt: skip
    client.force_login(office)
    for url in ("/reporting/summary/", "/reporting/summary.xlsx", "/reporting/", "/reporting/workplans/"):
        assert client.get(url, {"campaign": written}).status_code in (200, 400, 404), url
    assert client.post(f"/campaigns/{summer.pk}/edit/", {"participants": written}).status_code in (200, 302, 400)
    assert client.post("/notices/", {"id": written}).status_code in (200, 302, 400)


def test_the_summary_sheet_holds_fines_as_numbers_the_office_can_sum(office, hutang_case):
    sheet = openpyxl.load_workbook(io.BytesIO(_content(_client(office).get("/reporting/summary.xlsx"))))["各单位情况"]
    header = [c.value for c in sheet[2]]
    column = next(i for i, v in enumerate(header) if v == "罚款（元）")
    fines = [row[column] for row in sheet.iter_rows(min_row=3, values_only=True) if row[0]]
    assert fines and all(isinstance(v, int | float) for v in fines)


def test_a_phone_typed_in_full_width_digits_is_kept_as_the_digits_it_reads(alice, summer, district, travel):
    make_case(alice, district["hutang"])
    travel(dt.date(2020, 7, 15), 9)
    slot = slot_of(summer, dt.date(2020, 7, 15), district["hutang"])
    done = _client(alice).post(f"/reporting/slots/{slot.pk}/", {"action": "submit", "filler": "陈科长",
                               "reviewer": "刘镇长", "phone": "０５１９－８６３１００００"})  # fmt: skip
    assert done.status_code == 302 and Report.objects.get(slot=slot).phone == "0519-86310000"


def test_the_town_overview_offers_submitting_to_its_manager_and_only_a_look_to_its_inspector(alice, ada, summer,
                                                                                            district, travel):  # fmt: skip
    travel(dt.date(2020, 7, 15), 9)
    slot = slot_of(summer, dt.date(2020, 7, 15), district["hutang"])
    link = f'href="/reporting/slots/{slot.pk}/">'
    assert link + "核对并报送" in _client(alice).get("/reporting/").content.decode()
    inspector = _client(ada).get("/reporting/").content.decode()
    assert link + "查看" in inspector and "核对并报送" not in inspector


def test_a_phone_number_written_into_a_brief_is_shown_masked_and_a_draft_saved_as_shown_keeps_it(
    alice, office, campaign
):  # fmt: skip
    client, month = _client(alice), campaign.starts_on.strftime("%Y-%m")
    client.post("/reporting/briefs/new/", {"month": month, "title": "湖塘镇简讯（联系13812345678）",
                                           "text": "联系人张科长，电话13812345678。\n关停3家。", "action": "save",
                                           "photos": _file("a.jpg", jpeg_with_exif())})  # fmt: skip
    brief = Brief.objects.get()
    brief.photos.update(caption="现场负责人13812345678")
    form = client.get(f"/reporting/briefs/{brief.pk}/").content.decode()
    assert "13812345678" not in form and "138****5678" in form
    # Sent back as shown (masked) with a line added: the stored digits stay, the added line is kept.
    client.post(f"/reporting/briefs/{brief.pk}/", {"month": month, "title": "湖塘镇简讯（联系138****5678）",
                                                   "text": "联系人张科长，电话138****5678。\n关停3家，断电2家。",
                                                   "action": "submit"})  # fmt: skip
    brief.refresh_from_db()
    assert brief.state == "submitted" and brief.title == "湖塘镇简讯（联系13812345678）"
    assert brief.text == "联系人张科长，电话13812345678。\n关停3家，断电2家。"
    for page in (
        _client(office).get(f"/reporting/briefs/?month={month}"),
        _client(office).get(f"/reporting/briefs/{brief.pk}/"),
    ):
        body = page.content.decode()
        assert page.status_code == 200 and "13812345678" not in body and "138****5678" in body


def test_the_reporting_tabs_offer_only_what_the_role_may_open(client, dora, campaign):
    # helper-50: a department user on 工作简讯 saw a 半月报送 tab that answered 403.
    client.force_login(dora)
    page = client.get("/reporting/briefs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/reporting/"' not in html
    assert client.get("/reporting/").status_code == 403
