"""A unit's half-monthly report through its cycle: submitted (on time or late), returned and resubmitted, accepted
and locked, reopened only on a granted request; a moved due date; who may do each step; a report frozen as sent."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from openpyxl import load_workbook

from conftest import held_elsewhere, make_case, walk_case
from sanluanwu.audit.models import AuditEvent
from sanluanwu.core.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from sanluanwu.notices.models import Notice
from sanluanwu.reporting import queries, services
from sanluanwu.reporting.choices import ReportState, SlotState
from sanluanwu.reporting.models import DueDateChange, Period, ReopenRequest, Report
from sanluanwu.reporting.tests.steps import case_in, fresh, new_campaign, slot_of, submit

D = dt.date
JULY_1, JULY_16 = D(2020, 7, 1), D(2020, 7, 16)


@pytest.fixture
def hutang_first(summer, district):
    """湖塘's slot in 2020年7月上半月 (due 07-15)."""
    return slot_of(summer, JULY_1, district["hutang"])


# ---- on time and late ----------------------------------------------------------------------------------------------


def test_a_report_submitted_on_its_due_date_is_on_time(hutang_first, alice, travel):
    travel(D(2020, 7, 15), 23, 59)
    report = submit(alice, hutang_first)
    slot = fresh(hutang_first)
    assert report.number == 1 and report.state == ReportState.SUBMITTED and report.late is False
    assert slot.state == SlotState.SUBMITTED and slot.on_time is True and slot.versions == 1
    assert slot.first_submitted_at == report.submitted_at
    assert report.submitted_by == alice and (report.filler, report.reviewer) == ("张填表", "李审核")


def test_a_report_submitted_after_its_due_date_is_marked_late(hutang_first, alice, travel):
    travel(D(2020, 7, 16), 0, 5)  # five past midnight in 武进 is still the 15th in UTC
    report = submit(alice, hutang_first)
    assert report.late is True
    assert fresh(hutang_first).on_time is False
    assert AuditEvent.objects.get(action="reporting.report.submitted", object_id=str(report.pk)).changes["late"] == [
        None, True]  # fmt: skip


def test_februarys_second_half_report_is_on_time_on_the_29th_in_2024_and_late_on_march_1st(district, alice, bob,
                                                                                           travel):  # fmt: skip
    travel(D(2024, 2, 1))
    c = new_campaign("2024年春季行动", D(2024, 2, 1), D(2024, 3, 31), [district["hutang"], district["niutang"]],
                     today=D(2024, 2, 1))  # fmt: skip
    travel(D(2024, 2, 29), 23, 30)
    on_time = submit(alice, slot_of(c, D(2024, 2, 16), district["hutang"]))
    travel(D(2024, 3, 1), 8)
    late = submit(bob, slot_of(c, D(2024, 2, 16), district["niutang"]))
    assert on_time.slot.period.due_on == D(2024, 2, 29)
    assert (on_time.late, late.late) == (False, True)
    assert on_time.as_of == D(2024, 2, 29) and late.as_of == D(2024, 2, 29)  # the period's last day
    rates = queries.period_rates([on_time.slot.period])[on_time.slot.period_id]
    assert (rates.completeness, rates.timeliness) == ("100.0%", "50.0%")


def test_a_report_cannot_be_submitted_before_its_period_begins(summer, district, alice):
    later = slot_of(summer, JULY_16, district["hutang"])  # today is 07-01
    with pytest.raises(TransitionNotAllowed) as exc:
        submit(alice, later)
    assert "尚未开始" in str(exc.value)
    assert not Report.objects.exists()


def test_a_periods_page_offers_no_submission_before_it_begins(summer, district, alice, client):
    later = slot_of(summer, JULY_16, district["hutang"])  # today is 07-01
    client.force_login(alice)
    html = client.get(f"/reporting/slots/{later.pk}/").content.decode()
    assert "本期尚未开始，2020年7月16日起可以核对和报送" in html and 'value="submit"' not in html
    html = client.get(f"/reporting/slots/{slot_of(summer, JULY_1, district['hutang']).pk}/").content.decode()
    assert "尚未开始" not in html and 'value="submit"' in html


def test_a_report_needs_its_filler_reviewer_and_phone(hutang_first, alice):
    for field in ("filler", "reviewer", "phone"):
        with pytest.raises(ValidationFailed) as exc:
            submit(alice, hutang_first, **{field: "  "})
        assert list(exc.value.errors) == [field]
    assert not Report.objects.exists()
    assert fresh(hutang_first).state == SlotState.MISSING


def test_a_report_shows_the_records_as_of_the_period_end_once_it_is_over(hutang_first, alice, travel):
    travel(D(2020, 7, 10))
    assert submit(alice, hutang_first).as_of == D(2020, 7, 10)  # while it runs: today
    travel(D(2020, 7, 20))
    assert submit(alice, hutang_first).as_of == D(2020, 7, 15)  # afterwards: its last day


# ---- a moved due date ----------------------------------------------------------------------------------------------


def test_a_moved_due_date_is_recorded_with_its_reason_and_turns_a_late_report_on_time(hutang_first, alice, office,
                                                                                     travel):  # fmt: skip
    travel(D(2020, 7, 17), 9)
    late = submit(alice, hutang_first)
    assert late.late and fresh(hutang_first).on_time is False
    period = hutang_first.period
    travel(D(2020, 7, 18), 9)
    services.move_due_date(
        actor=office, period=period, due_on=D(2020, 7, 17), reason="防汛抢险，报送日期顺延两天", confirm_past=True
    )

    period.refresh_from_db()
    assert (period.due_on, period.default_due_on, period.due_reason) == (D(2020, 7, 17), D(2020, 7, 15),
                                                                          "防汛抢险，报送日期顺延两天")  # fmt: skip
    assert period.due_moved
    change = DueDateChange.objects.get(period=period)
    assert (change.from_date, change.to_date, change.reason, change.changed_by) == (
        D(2020, 7, 15), D(2020, 7, 17), "防汛抢险，报送日期顺延两天", office)  # fmt: skip
    event = AuditEvent.objects.get(action="reporting.period.due_moved", object_id=str(period.pk))
    assert event.object_type == "reporting.period" and event.actor == office
    assert event.changes == {"due_on": ["2020-07-15", "2020-07-17"]} and event.note == "防汛抢险，报送日期顺延两天"
    late.refresh_from_db()
    assert late.late is False
    assert fresh(hutang_first).on_time is True
    notice = Notice.objects.get(recipient=alice, kind="reporting.due_moved")
    # The town's manager is sent to the town's own report: the period's page is the office's (403 for a town).
    assert notice.url == f"/reporting/slots/{hutang_first.pk}/"
    from django.test import Client

    town = Client()
    town.force_login(alice)
    assert town.get(notice.url).status_code == 200


def test_a_due_date_moved_earlier_makes_a_report_after_it_late(hutang_first, alice, office, travel):
    travel(D(2020, 7, 14))
    report = submit(alice, hutang_first)
    services.move_due_date(actor=office, period=hutang_first.period, due_on=D(2020, 7, 13), reason="提前汇总上报市里")
    report.refresh_from_db()
    assert report.late is True and fresh(hutang_first).on_time is False


def test_a_due_date_moves_only_with_a_reason_and_within_bounds(hutang_first, office):
    period = hutang_first.period
    with pytest.raises(ValidationFailed):
        services.move_due_date(actor=office, period=period, due_on=D(2020, 7, 17), reason="   ")
    with pytest.raises(ValidationFailed):
        services.move_due_date(actor=office, period=period, due_on=D(2020, 6, 30), reason="早于本期开始")
    with pytest.raises(ValidationFailed, match="不能早于 2020-07-08"):  # more than a week before its due date
        services.move_due_date(actor=office, period=period, due_on=D(2020, 7, 7), reason="提前太多")
    with pytest.raises(ValidationFailed):
        services.move_due_date(actor=office, period=period, due_on=D(2020, 9, 14), reason="本期结束后61天")
    with pytest.raises(ValidationFailed):
        services.move_due_date(actor=office, period=period, due_on=D(2020, 7, 15), reason="日期未变")
    services.move_due_date(actor=office, period=period, due_on=D(2020, 9, 13), reason="本期结束后60天")
    assert DueDateChange.objects.filter(period=period).count() == 1
    assert AuditEvent.objects.filter(action="reporting.period.due_moved").count() == 1


def test_a_town_manager_cannot_move_a_due_date(hutang_first, alice, leo):
    for actor in (alice, leo):
        with pytest.raises(PermissionDenied):
            services.move_due_date(actor=actor, period=hutang_first.period, due_on=D(2020, 7, 20), reason="想晚点报")
    assert Period.objects.get(pk=hutang_first.period_id).due_on == D(2020, 7, 15)
    assert not DueDateChange.objects.exists()


# ---- returned and resubmitted --------------------------------------------------------------------------------------


def test_a_returned_report_is_resubmitted_as_a_new_version_with_what_changed(summer, hutang_first, alice, office,
                                                                            district, travel):  # fmt: skip
    first_case = make_case(alice, district["hutang"], case=case_in(summer))
    travel(D(2020, 7, 5))
    v1 = submit(alice, hutang_first)
    with pytest.raises(ValidationFailed):
        services.return_report(actor=office, slot=hutang_first, comment="  ")  # a return says what to correct
    services.return_report(actor=office, slot=hutang_first, comment="漏报了新发现的作坊，请补充")
    v1.refresh_from_db()
    assert v1.state == ReportState.RETURNED and v1.review_comment == "漏报了新发现的作坊，请补充"
    assert v1.reviewed_by == office and fresh(hutang_first).state == SlotState.RETURNED
    assert Notice.objects.filter(recipient=alice, kind="reporting.returned").exists()

    travel(D(2020, 7, 6))
    walk_case(first_case, "stopped")  # one row changes
    make_case(alice, district["hutang"], case=case_in(summer, lookback_category=4, remediation_type="rectification"),
              name="李四五金加工作坊", legal_person="李四", industry="五金加工", phone="13900002222",
              address="湖塘镇城西村工业路8号")  # one row added  # fmt: skip
    v2 = submit(alice, hutang_first)

    v1.refresh_from_db()
    assert v2.number == 2 and v2.state == ReportState.SUBMITTED
    assert v1.state == ReportState.RETURNED  # the returned version stays readable as it was
    assert len(v1.rows) == 1 and len(v2.rows) == 2
    # category 1 (stopped), category 4 (listed), shutdown (stopped), rectification (listed), total (listed, stopped)
    assert v2.diff == {"against": 1, "added": 1, "removed": 0, "changed": 1, "figures": 6}
    slot = fresh(hutang_first)
    assert slot.state == SlotState.SUBMITTED and slot.versions == 2
    assert queries.current_report(slot) == v2


def test_a_correction_after_the_due_date_keeps_the_first_submission_on_time(hutang_first, alice, office, travel):
    travel(D(2020, 7, 14))
    v1 = submit(alice, hutang_first)
    first_at = fresh(hutang_first).first_submitted_at
    travel(D(2020, 7, 16))
    services.return_report(actor=office, slot=hutang_first, comment="请核对停产时间")
    travel(D(2020, 7, 18))
    v2 = submit(alice, hutang_first)
    slot = fresh(hutang_first)
    assert v1.late is False and v2.late is True  # the correction itself came after the due date...
    assert slot.on_time is True and slot.first_submitted_at == first_at  # ...the unit still reported on time


def test_a_second_submission_before_review_supersedes_the_first(hutang_first, alice, travel):
    travel(D(2020, 7, 10))
    v1 = submit(alice, hutang_first)
    v2 = submit(alice, hutang_first, remark="更正联系电话")
    v1.refresh_from_db()
    assert v1.state == ReportState.SUPERSEDED and v2.state == ReportState.SUBMITTED and v2.number == 2
    assert v2.diff is None  # nothing was returned
    assert v2.filename.endswith("第2版.xlsx")


# ---- accepted, locked, reopened ------------------------------------------------------------------------------------


def test_an_accepted_report_cannot_be_resubmitted_until_a_reopen_request_is_granted(
    hutang_first, alice, office, travel
):
    travel(D(2020, 7, 10))
    v1 = submit(alice, hutang_first)
    services.accept_report(actor=office, slot=hutang_first, comment="数据完整")
    v1.refresh_from_db()
    assert v1.state == ReportState.ACCEPTED and v1.reviewed_by == office and v1.review_comment == "数据完整"
    assert fresh(hutang_first).state == SlotState.ACCEPTED

    with pytest.raises(TransitionNotAllowed):
        submit(alice, hutang_first)
    with pytest.raises(ValidationFailed):
        services.request_reopen(actor=alice, slot=hutang_first, reason="")
    request = services.request_reopen(actor=alice, slot=hutang_first, reason="一户停产时间填错，需更正")
    assert fresh(hutang_first).state == SlotState.REOPEN_REQUESTED
    assert Notice.objects.filter(recipient=office, kind="reporting.reopen_requested").exists()
    with pytest.raises(TransitionNotAllowed):
        submit(alice, hutang_first)  # asked, not yet granted

    services.decide_reopen(actor=office, slot=hutang_first, granted=True)
    request.refresh_from_db()
    assert request.granted is True and request.decided_by == office
    assert fresh(hutang_first).state == SlotState.REOPENED
    v2 = submit(alice, hutang_first)
    v1.refresh_from_db()
    assert v2.number == 2 and v1.state == ReportState.SUPERSEDED
    assert fresh(hutang_first).state == SlotState.SUBMITTED
    actions = list(AuditEvent.objects.filter(action__startswith="reporting.report.").order_by("id")
                   .values_list("action", flat=True))  # fmt: skip
    assert actions == ["reporting.report.submitted", "reporting.report.accepted", "reporting.report.reopen_requested",
                       "reporting.report.reopen_granted", "reporting.report.submitted"]  # fmt: skip


def test_refusing_a_reopen_request_needs_a_comment_and_keeps_the_report_locked(hutang_first, alice, office, travel):
    travel(D(2020, 7, 10))
    submit(alice, hutang_first)
    services.accept_report(actor=office, slot=hutang_first)
    services.request_reopen(actor=alice, slot=hutang_first, reason="想补充一户")
    with pytest.raises(ValidationFailed):
        services.decide_reopen(actor=office, slot=hutang_first, granted=False, comment=" ")
    assert fresh(hutang_first).state == SlotState.REOPEN_REQUESTED
    services.decide_reopen(actor=office, slot=hutang_first, granted=False, comment="新发现的作坊请在下期报送")
    request = ReopenRequest.objects.get(slot=hutang_first)
    assert request.granted is False and request.comment == "新发现的作坊请在下期报送"
    assert fresh(hutang_first).state == SlotState.ACCEPTED
    assert AuditEvent.objects.filter(action="reporting.report.reopen_refused", note="新发现的作坊请在下期报送").exists()
    with pytest.raises(TransitionNotAllowed):
        submit(alice, hutang_first)
    # It may be asked again.
    services.request_reopen(actor=alice, slot=hutang_first, reason="确有错误，再次申请")
    assert ReopenRequest.objects.filter(slot=hutang_first).count() == 2


def test_only_a_submitted_report_is_reviewed_and_only_an_accepted_one_reopened(hutang_first, alice, office, travel):
    travel(D(2020, 7, 10))
    with pytest.raises(TransitionNotAllowed):
        services.accept_report(actor=office, slot=hutang_first)  # nothing submitted
    with pytest.raises(TransitionNotAllowed):
        services.request_reopen(actor=alice, slot=hutang_first, reason="尚未报送")
    submit(alice, hutang_first)
    with pytest.raises(TransitionNotAllowed):
        services.request_reopen(actor=alice, slot=hutang_first, reason="尚未审核")
    with pytest.raises(TransitionNotAllowed):
        services.decide_reopen(actor=office, slot=hutang_first, granted=True)
    services.accept_report(actor=office, slot=hutang_first)
    with pytest.raises(TransitionNotAllowed):
        services.accept_report(actor=office, slot=hutang_first)
    with pytest.raises(TransitionNotAllowed):
        services.return_report(actor=office, slot=hutang_first, comment="已通过的不能退回")


def test_a_version_resubmitted_after_a_reopening_is_not_compared_with_an_older_returned_version(
    hutang_first, alice, office, travel
):
    travel(D(2020, 7, 10))
    submit(alice, hutang_first)
    services.return_report(actor=office, slot=hutang_first, comment="请补充")
    submit(alice, hutang_first)  # version 2, compared with the returned version 1
    services.accept_report(actor=office, slot=hutang_first)
    services.request_reopen(actor=alice, slot=hutang_first, reason="更正")
    services.decide_reopen(actor=office, slot=hutang_first, granted=True)
    v3 = submit(alice, hutang_first)
    # Version 3 replaces the accepted version 2: a diff "against the returned version" must not reach back to 1.
    assert v3.diff is None or v3.diff["against"] == 2


# ---- who may do it -------------------------------------------------------------------------------------------------


def test_only_the_towns_own_manager_submits_its_report(summer, district, alice, ada, bob, office, leo, dora, travel):
    travel(D(2020, 7, 10))
    niutang = slot_of(summer, JULY_1, district["niutang"])
    hutang = slot_of(summer, JULY_1, district["hutang"])
    with pytest.raises(PermissionDenied):
        submit(alice, niutang)  # another town
    for actor in (ada, office, leo, dora):  # the inspector, the office, the leader, a department
        with pytest.raises(PermissionDenied):
            submit(actor, hutang)
    assert not Report.objects.exists()
    assert submit(bob, niutang).slot == niutang


def test_only_the_office_accepts_or_returns_a_report(hutang_first, alice, ada, bob, leo, office, travel):
    travel(D(2020, 7, 10))
    submit(alice, hutang_first)
    for actor in (alice, ada, bob, leo):
        with pytest.raises(PermissionDenied):
            services.accept_report(actor=actor, slot=hutang_first)
        with pytest.raises(PermissionDenied):
            services.return_report(actor=actor, slot=hutang_first, comment="不行")
    assert fresh(hutang_first).state == SlotState.SUBMITTED
    services.accept_report(actor=office, slot=hutang_first)
    with pytest.raises(PermissionDenied):
        services.request_reopen(actor=bob, slot=hutang_first, reason="别的镇")
    with pytest.raises(PermissionDenied):
        services.request_reopen(actor=ada, slot=hutang_first, reason="排查员")
    services.request_reopen(actor=alice, slot=hutang_first, reason="更正")
    with pytest.raises(PermissionDenied):
        services.decide_reopen(actor=alice, slot=hutang_first, granted=True)
    assert fresh(hutang_first).state == SlotState.REOPEN_REQUESTED


# ---- frozen as sent ------------------------------------------------------------------------------------------------


def test_a_submitted_report_does_not_change_when_its_cases_change_later(summer, hutang_first, alice, district, travel):
    case = make_case(alice, district["hutang"], case=case_in(summer))
    travel(D(2020, 7, 8))
    report = submit(alice, hutang_first)
    rows, figures, sha, content = report.rows, report.figures, report.sha256, bytes(report.file)
    assert sha == hashlib.sha256(content).hexdigest() and report.size == len(content)
    assert figures["total"]["listed"] == 1 and figures["total"]["stopped"] == 0

    travel(D(2020, 7, 10))
    walk_case(case, "confirmed")
    make_case(alice, district["hutang"], case=case_in(summer), name="赵六印刷作坊", legal_person="赵六", industry="印刷",
              phone="13900003333", address="湖塘镇东村8号")  # fmt: skip
    draft = queries.draft_report(fresh(hutang_first))
    assert draft.figures["total"]["listed"] == 2 and draft.figures["total"]["remediating"] == 1  # the records moved on

    stored = Report.objects.get(pk=report.pk)
    assert stored.rows == rows and stored.figures == figures and stored.sha256 == sha
    assert bytes(stored.file) == content and hashlib.sha256(bytes(stored.file)).hexdigest() == sha
    sheet = load_workbook(io.BytesIO(bytes(stored.file)), read_only=True).worksheets[0]
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert any("张三塑料造粒作坊" in c for c in cells) and not any("赵六印刷作坊" in c for c in cells)


def test_a_report_compares_itself_with_the_units_last_report_of_an_earlier_period(summer, hutang_first, alice,
                                                                                 district, travel):  # fmt: skip
    make_case(alice, district["hutang"], case=case_in(summer))
    travel(D(2020, 7, 10))
    submit(alice, hutang_first)
    travel(D(2020, 7, 14))
    corrected = submit(alice, hutang_first)  # version 2 supersedes version 1
    travel(D(2020, 7, 20))
    later = submit(alice, slot_of(summer, JULY_16, district["hutang"]))
    assert later.previous_figures == corrected.figures and later.previous_label == "2020年7月上半月"
    assert submit(alice, hutang_first).previous_figures is None  # the first period has nothing before it


def test_a_version_the_office_sent_back_is_no_baseline_for_the_next_periods_change(summer, hutang_first, alice,
                                                                                   office, district, travel):  # fmt: skip
    make_case(alice, district["hutang"], case=case_in(summer))
    travel(D(2020, 7, 10))
    submit(alice, hutang_first)
    services.return_report(actor=office, slot=fresh(hutang_first), comment="数字有误，请核对")  # never corrected
    travel(D(2020, 7, 20))
    later = submit(alice, slot_of(summer, JULY_16, district["hutang"]))
    assert later.previous_figures is None
    assert queries.draft_report(fresh(slot_of(summer, JULY_16, district["hutang"]))).previous is None


def test_a_reports_file_shows_its_figures_and_their_change_since_the_last_report(summer, hutang_first, alice,
                                                                                 district, travel):  # fmt: skip
    case = make_case(alice, district["hutang"], case=case_in(summer))
    travel(D(2020, 7, 10))
    submit(alice, hutang_first)
    travel(D(2020, 7, 17))
    walk_case(case, "stopped")
    report = submit(alice, slot_of(summer, JULY_16, district["hutang"]))
    ws = load_workbook(io.BytesIO(bytes(report.file)))["汇总"]
    total = next(row for row in ws.iter_rows(values_only=True) if row[0] == "合计")
    keys = ["listed", "stopped", "remediating", "awaiting_review", "closed", "overdue", "relapsed"]
    assert {k: total[1 + 2 * i] for i, k in enumerate(keys)} == report.figures["total"]
    assert (total[2], total[4], total[6]) == ("0", "+1", "0")  # listed, stopped, remediating since 7月上半月
    assert any("2020年7月上半月" in str(c) for row in ws.iter_rows(values_only=True) for c in row if c)


def test_the_office_is_told_of_a_submission_and_the_town_of_the_outcome(hutang_first, alice, ada, office, travel):
    travel(D(2020, 7, 10))
    submit(alice, hutang_first)
    assert Notice.objects.filter(recipient=office, kind="reporting.submitted").count() == 1
    assert not Notice.objects.filter(recipient=alice, kind="reporting.submitted").exists()
    services.accept_report(actor=office, slot=hutang_first)
    assert Notice.objects.filter(recipient=alice, kind="reporting.accepted").count() == 1
    assert not Notice.objects.filter(recipient=ada, kind="reporting.accepted").exists()  # managers only


def test_moving_the_due_date_of_a_period_already_due_needs_a_confirmation(hutang_first, alice, office, travel):
    travel(D(2020, 7, 14))
    submit(alice, hutang_first)
    travel(D(2020, 7, 20))
    with pytest.raises(ValidationFailed, match="现按时 1 家"):
        services.move_due_date(actor=office, period=hutang_first.period, due_on=D(2020, 7, 13), reason="补记")
    assert fresh(hutang_first).on_time is True
    services.move_due_date(actor=office, period=hutang_first.period, due_on=D(2020, 7, 13), reason="补记",
                           confirm_past=True)  # fmt: skip
    assert fresh(hutang_first).on_time is False


def test_a_second_click_or_a_second_tab_adds_no_version(hutang_first, alice, travel):
    from sanluanwu.core.errors import Conflict

    travel(D(2020, 7, 10))
    read_at = fresh(hutang_first).version  # the form was read at this version (both tabs)
    services.submit_report(actor=alice, slot=hutang_first, filler="张填表", reviewer="李审核", phone="0519-86310000",
                           expected_version=read_at)  # fmt: skip
    with pytest.raises(Conflict, match="请刷新页面"):
        services.submit_report(actor=alice, slot=hutang_first, filler="张填表", reviewer="李审核",
                               phone="0519-86310000", expected_version=read_at)  # fmt: skip
    with pytest.raises(ValidationFailed, match="完全相同"):  # the same again, from a fresh page: nothing new to send
        submit(alice, hutang_first)
    assert submit(alice, hutang_first, remark="补充：新发现一家").number == 2


def test_the_same_report_again_is_refused_before_its_workbook_is_rendered(hutang_first, alice, travel, monkeypatch):
    from sanluanwu.reporting import exports

    travel(D(2020, 7, 10))
    submit(alice, hutang_first)
    rendered: list[int] = []
    real = exports.report_xlsx
    monkeypatch.setattr(exports, "report_xlsx", lambda *a, **k: rendered.append(1) or real(*a, **k))
    with pytest.raises(ValidationFailed, match="完全相同"):
        submit(alice, hutang_first)
    assert rendered == []  # a repeated click costs a comparison, not a workbook
    assert submit(alice, hutang_first, remark="补充").number == 2
    assert rendered == [1]


def test_the_same_report_again_is_refused_before_the_towns_rows_are_read_until_the_town_writes(
    hutang_first, summer, district, alice, bob, travel, monkeypatch
):
    from conftest import NIUTANG_POINT, case_input, enterprise_input
    from sanluanwu.registry import services as registry

    travel(D(2020, 7, 10))
    make_case(alice, district["hutang"], case=case_in(summer))
    elsewhere = make_case(bob, district["niutang"], case=case_in(summer), name="王五木材加工作坊", legal_person="王五")
    submit(alice, hutang_first)
    drafts: list[int] = []
    real = queries.draft_report
    monkeypatch.setattr(queries, "draft_report", lambda slot: drafts.append(1) or real(slot))
    with pytest.raises(ValidationFailed, match="完全相同"):
        submit(alice, hutang_first)
    assert drafts == []  # nothing of 湖塘镇 written since: its rows are not read again to be found the same
    registry.update_case(
        actor=bob,
        case=elsewhere,
        case_data=case_input(responsible_person="王科长"),
        enterprise_data=enterprise_input(
            district["niutang"], name="王五木材加工作坊", legal_person="王五", coordinates=NIUTANG_POINT
        ),
        acknowledge_warnings=True,
    )
    with pytest.raises(ValidationFailed, match="完全相同"):
        submit(alice, hutang_first)
    assert drafts == []  # another town's case written (its event names its town)
    make_case(
        alice, district["hutang"], case=case_in(summer), name="赵六家具作坊", legal_person="赵六"
    )  # the town's own
    report = submit(alice, hutang_first)
    assert drafts == [1] and report.number == 2 and len(report.rows) == 2
    with pytest.raises(ValidationFailed, match="完全相同"):
        submit(alice, hutang_first)
    assert drafts == [1]
    travel(D(2020, 7, 11))  # another day: the report is as of another day, read again
    assert submit(alice, hutang_first).number == 3 and drafts == [1, 1]


def test_a_telephone_number_must_look_like_one(hutang_first, alice, travel):
    travel(D(2020, 7, 10))
    with pytest.raises(ValidationFailed, match="不像电话号码"):
        submit(alice, hutang_first, phone="abc<>")
    assert submit(alice, hutang_first, phone="0519-8631 0000 转 8012").phone == "0519-8631 0000 转 8012"


@pytest.mark.django_db(transaction=True)
def test_a_second_submission_while_the_first_is_being_frozen_is_told_at_once(
    summer, district, alice, travel, purge_audit_after
):
    """PostgreSQL: the slot is locked while a report is frozen; a second user of the town gets 409 at once instead
    of a server thread waiting (at a deadline, dozens did, for as long as a 10,000-row report took)."""
    import time

    from django.db import connection

    from sanluanwu.core.errors import Conflict
    from sanluanwu.reporting.models import Slot

    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite serialises every write transaction)")
    slot = slot_of(summer, JULY_1, district["hutang"])
    with held_elsewhere(lambda: Slot.objects.select_for_update().get(pk=slot.pk)):  # the first submission, freezing
        started = time.monotonic()
        with pytest.raises(Conflict) as exc:
            submit(alice, slot)
        assert time.monotonic() - started < 2 and "正在由他人报送" in str(exc.value)
    assert submit(alice, slot).number == 1  # once the other is done, it goes through


@pytest.mark.parametrize("said", ["x", ".", "\u3164\u3164", "\uffa0\uffa0", "\u200b", "ーー", "々々", "ǃǃ", "ꓸꓸ",
                                  "ʼʼ", "ㆍㆍ", "\u0640\u0640", "ʔʔ", "ᐧᐧ", "ㅣㅣ",
                                  "\U0002FA20\U0002FA21", "\uFADA\uFADB"])  # fmt: skip
def test_a_reason_or_comment_the_reporting_record_keeps_must_say_something(hutang_first, alice, office, travel, said):
    """ "x" had moved a due date, returned a report and asked for a reopening; so had invisible Hangul fillers."""
    travel(D(2020, 7, 14))
    with pytest.raises(ValidationFailed, match="至少2个字"):
        services.move_due_date(actor=office, period=hutang_first.period, due_on=D(2020, 7, 17), reason=said)
    submit(alice, hutang_first)
    with pytest.raises(ValidationFailed, match="至少2个字"):
        services.return_report(actor=office, slot=fresh(hutang_first), comment=said)
    services.accept_report(actor=office, slot=fresh(hutang_first))
    with pytest.raises(ValidationFailed, match="至少2个字"):
        services.request_reopen(actor=alice, slot=fresh(hutang_first), reason=said)
    services.request_reopen(actor=alice, slot=fresh(hutang_first), reason="漏报两家")
    with pytest.raises(ValidationFailed, match="至少2个字"):
        services.decide_reopen(actor=office, slot=fresh(hutang_first), granted=False, comment=said)


def test_the_filler_and_reviewer_are_names_without_numbers(hutang_first, alice, travel):
    travel(D(2020, 7, 14))
    for field in ("filler", "reviewer"):
        with pytest.raises(ValidationFailed) as refused:
            submit(alice, hutang_first, **{field: "陈科长 13912345678"})
        assert "只填姓名" in refused.value.errors[field][0]
    assert submit(alice, hutang_first, filler="陈科长").filler == "陈科长"
