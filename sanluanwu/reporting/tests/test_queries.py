"""The reads of the reporting work: scoped (the office every unit, a town its own; 404 out of scope), the draft a
town manager reviews before submitting, the current period and the next due date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from conftest import make_case, walk_case
from sanluanwu.reporting import queries, services
from sanluanwu.reporting.models import Slot
from sanluanwu.reporting.tests.steps import case_in, period_of, slot_of, submit

D = dt.date
JULY_1, JULY_16 = D(2020, 7, 1), D(2020, 7, 16)


def test_a_town_sees_its_own_slots_and_the_office_and_leader_see_every_one(summer, alice, ada, office, leo, dora, uma):
    assert set(queries.slots_visible_to(alice).values_list("unit__code", flat=True)) == {"hutang"}
    assert set(queries.slots_visible_to(ada).values_list("unit__code", flat=True)) == {"hutang"}
    every = Slot.objects.filter(period__campaign=summer).count()
    assert queries.slots_visible_to(office).count() == every == 8
    assert queries.slots_visible_to(leo).count() == every
    assert not queries.slots_visible_to(dora).exists() and not queries.slots_visible_to(uma).exists()


def test_another_towns_slot_and_report_answer_404(summer, district, alice, bob, office, travel):
    travel(D(2020, 7, 10))
    theirs = slot_of(summer, JULY_1, district["niutang"])
    report = submit(bob, theirs)
    with pytest.raises(Http404):
        queries.access_slot(alice, theirs.pk)
    with pytest.raises(Http404):
        queries.access_report(alice, report.pk)
    with pytest.raises(Http404):
        queries.access_slot(office, "not-a-number")
    assert queries.access_slot(bob, theirs.pk) == theirs
    assert queries.access_report(office, str(report.pk)) == report


def test_a_department_cannot_open_a_period(summer, dora, office):
    period = period_of(summer, JULY_1)
    with pytest.raises(Http404):
        queries.access_period(dora, period.pk)
    assert queries.access_period(office, period.pk) == period


def test_the_draft_shows_the_towns_own_cases_as_of_today_while_the_period_runs(summer, district, alice, bob, travel):
    mine = make_case(alice, district["hutang"], case=case_in(summer))
    make_case(bob, district["niutang"], case=case_in(summer), name="王五木材加工作坊", legal_person="王五",
              industry="木材加工", phone="13900001111")  # fmt: skip
    travel(D(2020, 7, 4))
    walk_case(mine, "stopped")
    draft = queries.draft_report(slot_of(summer, JULY_1, district["hutang"]))
    assert draft.as_of == D(2020, 7, 4) and draft.previous is None
    assert [r.case_id for r in draft.rows] == [mine.pk]
    assert draft.figures["total"]["listed"] == 1 and draft.figures["total"]["stopped"] == 1
    assert draft.lines[-1].label == "合计" and draft.lines[-1].changes["listed"] == "—"  # nothing to compare with


def test_the_reports_page_counts_the_drafts_rows_and_shows_its_lines_without_building_them(
    summer, district, alice, client, travel
):
    slot = slot_of(summer, JULY_16, district["hutang"])
    early = make_case(alice, district["hutang"], case=case_in(summer))
    travel(D(2020, 7, 10))
    walk_case(early, "stopped")
    travel(D(2020, 7, 20))
    make_case(alice, district["hutang"], case=case_in(summer), name="王五木材加工作坊", legal_person="王五",
              industry="木材加工", phone="13900001111")  # fmt: skip
    first = slot_of(summer, JULY_1, district["hutang"])
    submit(alice, first)
    summary, draft = queries.draft_summary(slot), queries.draft_report(slot)
    assert (
        (summary.as_of, summary.count, summary.lines)
        == (draft.as_of, len(draft.rows), draft.lines)
        == (D(2020, 7, 20), 2, draft.lines)
    )
    assert summary.previous_label == draft.previous.slot.period.label == "2020年7月上半月"  # type: ignore[union-attr]
    client.force_login(alice)
    html = client.get(f"/reporting/slots/{slot.pk}/").content.decode()
    assert "共 2 家" in html and "2020年7月上半月" in html
    make_case(alice, district["hutang"], case=case_in(summer), name="赵六废品回收作坊", legal_person="赵六",
              industry="废品回收", phone="13900002222")  # fmt: skip
    assert "共 3 家" in client.get(f"/reporting/slots/{slot.pk}/").content.decode()  # a new case: read again


def test_the_current_period_and_the_next_due_date_follow_the_calendar_and_a_moved_date(summer, office):
    assert queries.current_period(summer, D(2020, 7, 15)) == period_of(summer, JULY_1)
    assert queries.current_period(summer, D(2020, 7, 16)) == period_of(summer, JULY_16)
    assert queries.current_period(summer, D(2020, 9, 1)) is None
    assert queries.next_due(summer, D(2020, 7, 15)).due_on == D(2020, 7, 15)
    assert queries.next_due(summer, D(2020, 7, 16)).due_on == D(2020, 7, 30)
    services.move_due_date(actor=office, period=period_of(summer, JULY_1), due_on=D(2020, 7, 17), reason="假期顺延")
    assert queries.next_due(summer, D(2020, 7, 16)) == period_of(summer, JULY_1)
    assert queries.next_due(summer, D(2020, 8, 31)) is None


def test_the_latest_report_of_each_slot_is_its_highest_version(summer, district, alice, bob, travel):
    travel(D(2020, 7, 10))
    hutang, niutang = slot_of(summer, JULY_1, district["hutang"]), slot_of(summer, JULY_1, district["niutang"])
    submit(alice, hutang)
    second = submit(alice, hutang, remark="更正：补充一家")
    theirs = submit(bob, niutang)
    latest = {r.slot_id: r.number for r in queries.latest_reports([hutang, niutang])}
    assert latest == {hutang.pk: 2, niutang.pk: 1}
    assert queries.current_report(hutang) == second and queries.current_report(niutang) == theirs


def test_the_next_report_is_prefilled_with_the_units_last_signature(summer, district, alice, travel):
    travel(D(2020, 7, 10))
    submit(alice, slot_of(summer, JULY_1, district["hutang"]), filler="王芳", reviewer="陈刚", phone="13800001234")
    travel(D(2020, 7, 12))
    submit(alice, slot_of(summer, JULY_1, district["hutang"]), filler="王芳", reviewer="周强", phone="13800001234")
    last = queries.last_signature(slot_of(summer, JULY_16, district["hutang"]))
    assert last is not None and (last.filler, last.reviewer, last.phone) == ("王芳", "周强", "13800001234")
    assert queries.last_signature(slot_of(summer, JULY_16, district["niutang"])) is None  # never another town's
