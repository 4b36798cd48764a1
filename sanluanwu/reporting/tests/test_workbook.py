"""The figures of the reports and the district workbook: counted from the case records as of a day (the status
history, never today's status for a past day), per look-back category, remediation type and in total; the workbook's
summary sheet agrees with those records as of the period's end."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from conftest import make_case, walk_case
from sanluanwu.registry import services as registry
from sanluanwu.reporting import builders, queries
from sanluanwu.reporting import figures as fig
from sanluanwu.reporting.choices import FIGURE_KEYS
from sanluanwu.reporting.tests.steps import case_in, period_of, slot_of, submit

D = dt.date
JULY_1, JULY_16 = D(2020, 7, 1), D(2020, 7, 16)


def summary_sheet(period) -> tuple[dict[tuple[str, str], dict[str, Any]], list[str]]:
    """The workbook's 汇总 sheet as {(unit, line): {"status", figure key: value, figure key + "_change": text}}."""
    buffer = io.BytesIO()
    builders.district_workbook(period, buffer)
    wb = load_workbook(io.BytesIO(buffer.getvalue()))
    ws = wb["汇总"]
    lines: dict[tuple[str, str], dict[str, Any]] = {}
    for row in ws.iter_rows(min_row=4, values_only=True):
        if not row[0]:
            continue
        values: dict[str, Any] = {"status": row[2]}
        for i, key in enumerate(FIGURE_KEYS):
            values[key], values[f"{key}_change"] = row[3 + 2 * i], row[4 + 2 * i]
        lines[(row[0], row[1])] = values
    return lines, wb.sheetnames


def names_in_sheet(ws) -> set[str]:
    return {str(c) for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)}


@pytest.fixture
def july(summer, district, alice, bob, travel):
    """Cases of July: 湖塘 A (cat 1, stopped 07-03) and B (cat 4, a confirmed rectification on 07-05), 牛塘 C (cat 3,
    planned by 07-10, still listed on 07-15: overdue). After the period: A's type confirmed, C stopped, 牛塘 D listed."""
    hutang, niutang = district["hutang"], district["niutang"]
    a = make_case(alice, hutang, case=case_in(summer, lookback_category=1))
    travel(D(2020, 7, 2))
    b = make_case(alice, hutang, case=case_in(summer, lookback_category=4, remediation_type="rectification"),
                  name="李四五金加工作坊", legal_person="李四", industry="五金加工", phone="13900002222",
                  address="湖塘镇城西村工业路8号", coordinates="119.9700, 31.7300")  # fmt: skip
    c = make_case(bob, niutang, case=case_in(summer, lookback_category=3, planned_completion=D(2020, 7, 10)),
                  name="王五木材加工作坊", legal_person="王五", industry="木材加工", phone="13900001111")  # fmt: skip
    travel(D(2020, 7, 3))
    walk_case(a, "stopped")
    travel(D(2020, 7, 5))
    walk_case(b, "confirmed", rtype="rectification")
    travel(D(2020, 7, 18))
    walk_case(a, "confirmed")
    walk_case(c, "stopped")
    d = make_case(bob, niutang, case=case_in(summer, lookback_category=2), name="钱七橡胶作坊", legal_person="钱七",
                  industry="橡胶", phone="13900004444", address="牛塘镇南村2号", coordinates="119.9000, 31.7400")  # fmt: skip
    return {"a": a, "b": b, "c": c, "d": d}


# ---- the figures ---------------------------------------------------------------------------------------------------


def test_a_past_day_is_counted_from_the_status_history_not_from_todays_status(summer, district, july, travel):
    travel(D(2020, 7, 20))
    towns = [district["hutang"].pk, district["niutang"].pk]
    states = {s.case_id: s for s in fig.case_states(summer, D(2020, 7, 15), towns)}
    assert set(states) == {july["a"].pk, july["b"].pk, july["c"].pk}  # D was listed after the period
    assert states[july["a"].pk].status == "stopped"  # its type confirmed only on 07-18
    assert states[july["b"].pk].status == "remediating"
    assert states[july["c"].pk].status == "listed" and states[july["c"].pk].overdue
    early = {s.case_id: s.status for s in fig.case_states(summer, D(2020, 7, 2), towns)}
    assert early == {july["a"].pk: "listed", july["b"].pk: "listed", july["c"].pk: "listed"}


def test_the_figures_count_per_category_type_and_in_total(summer, district, july, travel):
    travel(D(2020, 7, 20))
    f = fig.tally(fig.case_states(summer, D(2020, 7, 15), [district["hutang"].pk, district["niutang"].pk]))
    assert f["total"] == {"listed": 3, "stopped": 2, "remediating": 1, "awaiting_review": 0, "closed": 0,
                          "overdue": 1, "relapsed": 0}  # fmt: skip
    assert f["category"]["1"]["stopped"] == 1 and f["category"]["4"]["remediating"] == 1
    assert f["category"]["3"] == {**fig.empty(), "listed": 1, "overdue": 1}
    assert f["category"]["2"] == fig.empty()  # every category has its line, even an empty one
    assert f["type"]["shutdown"]["listed"] == 2 and f["type"]["rectification"]["remediating"] == 1
    for group in ("category", "type"):
        for key in FIGURE_KEYS:
            assert sum(counts[key] for counts in f[group].values()) == f["total"][key]


def test_a_closed_case_reopened_counts_as_relapsed_from_the_day_it_was_reopened(summer, district, alice, office,
                                                                                travel):  # fmt: skip
    case = make_case(alice, district["hutang"], case=case_in(summer))
    travel(D(2020, 7, 3))
    walk_case(case, "closed")
    travel(D(2020, 7, 8))
    registry.transition_case(actor=office, case=case, action="reopen", note="现场复查发现复产")
    travel(D(2020, 7, 10))
    town = [district["hutang"].pk]
    before = fig.tally(fig.case_states(summer, D(2020, 7, 5), town))["total"]
    after = fig.tally(fig.case_states(summer, D(2020, 7, 9), town))["total"]
    assert (before["closed"], before["relapsed"]) == (1, 0)
    assert (after["closed"], after["relapsed"], after["remediating"], after["stopped"]) == (0, 1, 1, 1)


def test_todays_figures_counted_by_the_database_are_those_of_the_history_case_by_case(summer, district, july, alice,
                                                                                       office, travel):  # fmt: skip
    """state_groups() counts in one query when nothing changed after the day; the figures are those case_states()
    gives case by case, with a relapse, a withdrawn case, an overdue one and an unconfirmed type among them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    relapsed = make_case(alice, district["hutang"], case=case_in(summer, lookback_category=2), name="赵六塑料造粒作坊",
                         legal_person="赵六", industry="塑料造粒", phone="13900005555", address="湖塘镇东村5号",
                         coordinates="119.9500, 31.7100")  # fmt: skip
    walk_case(relapsed, "closed")
    travel(D(2020, 7, 19))
    registry.transition_case(actor=office, case=relapsed, action="reopen", note="现场复查发现复产")
    listed_in_error = make_case(alice, district["hutang"], case=case_in(summer), name="孙八废品回收作坊",
                                legal_person="孙八", industry="废品回收", phone="13900006666", address="湖塘镇北村6号",
                                coordinates="119.9600, 31.7200")  # fmt: skip
    registry.transition_case(actor=office, case=listed_in_error, action="withdraw", note="误列：已查实不属于散乱污")
    travel(D(2020, 7, 20))
    towns = [district["hutang"].pk, district["niutang"].pk]
    for as_of, town_ids in ((D(2020, 7, 20), towns), (D(2020, 7, 20), None), (D(2020, 7, 25), [towns[0]])):
        with CaptureQueriesContext(connection) as counted:
            groups = fig.state_groups(summer, as_of, town_ids)
        assert len(counted) == 2  # whether anything changed since, then the groups
        assert all(g.case_id == 0 for g in groups)
        assert sum(g.n for g in groups) == len(fig.case_states(summer, as_of, town_ids))
        assert fig.tally(groups) == fig.tally(fig.case_states(summer, as_of, town_ids))
        assert fig.tally_by_town(groups) == fig.tally_by_town(fig.case_states(summer, as_of, town_ids))
    totals = fig.tally(fig.state_groups(summer, D(2020, 7, 20), towns))["total"]
    assert (totals["listed"], totals["relapsed"], totals["overdue"]) == (5, 1, 1)  # 王五 stopped, not done by 07-10
    # A day with changes after it: from the history, case by case, counted alike.
    past = fig.state_groups(summer, D(2020, 7, 15), towns)
    assert fig.tally(past) == fig.tally(fig.case_states(summer, D(2020, 7, 15), towns))
    assert fig.tally(past)["total"]["overdue"] == 1


def test_row_and_figure_differences_are_counted_cell_by_cell():
    old = [[1, ["甲", "已停产"]], [2, ["乙", "已列入名单"]], [3, ["丙", "已销号"]]]
    new = [[1, ["甲", "整治中"]], [3, ["丙", "已销号"]], [4, ["丁", "已列入名单"]]]
    assert queries.row_diff(old, new) == {"added": 1, "removed": 1, "changed": 1}
    assert queries.row_diff(new, new) == {"added": 0, "removed": 0, "changed": 0}
    a = fig.tally([])
    b = fig.tally([fig.CaseState(1, 1, 2, "shutdown", "stopped", False, False)])
    # category 2: listed, stopped; shutdown: listed, stopped; total: listed, stopped
    assert queries.figure_diff(a, b) == 6
    assert queries.figure_diff(b, b) == 0
    assert queries.figure_diff({}, b) == 6  # a report stored without a group compares with zeros


# ---- the district workbook -----------------------------------------------------------------------------------------


def test_the_district_workbook_summary_equals_the_case_records_as_of_the_period_end(summer, district, alice, july,
                                                                                    travel):  # fmt: skip
    period = period_of(summer, JULY_1)
    travel(D(2020, 7, 16))
    submit(alice, slot_of(summer, JULY_1, district["hutang"]))  # 湖塘 reported (late); 牛塘 did not
    travel(D(2020, 7, 20))
    lines, sheets = summary_sheet(period)
    records = fig.tally(fig.case_states(summer, period.ends_on, [district["hutang"].pk, district["niutang"].pk]))

    district_total = lines[("全区", "合计")]
    assert {k: district_total[k] for k in FIGURE_KEYS} == records["total"]
    assert {k: district_total[k] for k in FIGURE_KEYS} == {"listed": 3, "stopped": 2, "remediating": 1,
                                                           "awaiting_review": 0, "closed": 0, "overdue": 1,
                                                           "relapsed": 0}  # fmt: skip
    for key, short, _label in fig.CATEGORY_ROWS:
        assert {k: lines[("全区", short)][k] for k in FIGURE_KEYS} == records["category"][key]
    for code, name in (("hutang", "湖塘镇"), ("niutang", "牛塘镇")):
        own = fig.tally(fig.case_states(summer, period.ends_on, [district[code].pk]))["total"]
        assert {k: lines[(name, "小计")][k] for k in FIGURE_KEYS} == own
    status = lines[("湖塘镇", "小计")]["status"]
    assert status.startswith("第1版，") and "待审核" in status and status.endswith("，逾期")
    assert lines[("牛塘镇", "小计")]["status"] == "未报送（按记录生成）"
    assert sheets[0] == "汇总" and set(sheets[1:]) == {"湖塘镇", "牛塘镇"}


def test_the_district_workbooks_unit_sheets_hold_the_rows_as_of_the_period_end(summer, district, alice, july, travel):
    period = period_of(summer, JULY_1)
    travel(D(2020, 7, 20))
    buffer = io.BytesIO()
    builders.district_workbook(period, buffer)
    wb = load_workbook(io.BytesIO(buffer.getvalue()))
    niutang = names_in_sheet(wb["牛塘镇"])
    assert "王五木材加工作坊" in niutang and "钱七橡胶作坊" not in niutang  # D was listed after the period
    hutang = names_in_sheet(wb["湖塘镇"])
    assert {"张三塑料造粒作坊", "李四五金加工作坊"} <= hutang


def test_the_district_workbook_compares_each_line_with_the_period_before(summer, district, alice, bob, july, travel):
    second = period_of(summer, JULY_16)
    travel(D(2020, 7, 20))
    lines, _sheets = summary_sheet(second)
    records = fig.tally(fig.case_states(summer, D(2020, 7, 20), [district["hutang"].pk, district["niutang"].pk]))
    total = lines[("全区", "合计")]
    assert {k: total[k] for k in FIGURE_KEYS} == records["total"]
    assert total["listed"] == 4 and total["listed_change"] == "+1"  # D, listed on 07-18
    assert total["stopped"] == 3 and total["stopped_change"] == "+1"  # C, stopped on 07-18
    assert lines[("牛塘镇", "小计")]["listed_change"] == "+1" and lines[("湖塘镇", "小计")]["listed_change"] == "0"


def test_a_units_frozen_report_stands_in_the_workbook_for_its_figures(summer, district, alice, july, travel):
    period = period_of(summer, JULY_16)
    travel(D(2020, 7, 19))
    report = submit(alice, slot_of(summer, JULY_16, district["hutang"]))
    travel(D(2020, 7, 25))
    walk_case(july["b"], "awaiting_review", rtype="rectification")
    lines, _sheets = summary_sheet(period)
    live = fig.tally(fig.case_states(summer, D(2020, 7, 25), [district["hutang"].pk]))["total"]
    assert live["awaiting_review"] == 1 and report.figures["total"]["awaiting_review"] == 0
    assert {k: lines[("湖塘镇", "小计")][k] for k in FIGURE_KEYS} == report.figures["total"]
    status = lines[("湖塘镇", "小计")]["status"]
    assert status.startswith("第1版，") and "待审核" in status and "逾期" not in status


# ---- the draft brief -----------------------------------------------------------------------------------------------


def brief_text(unit, period) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(io.BytesIO(builders.brief_draft(unit, period))).paragraphs)


def test_a_draft_brief_carries_the_towns_figures_as_of_the_period(summer, district, july, travel):
    travel(D(2020, 7, 20))
    text = brief_text(district["hutang"], period_of(summer, JULY_1))
    assert "湖塘镇" in text and "截至7月15日" in text and "2020年7月上半月" in text
    assert "全镇动态管理名单共" in text


def test_a_streets_draft_brief_speaks_of_the_whole_street(summer, district, july, travel):
    travel(D(2020, 7, 20))
    text = brief_text(district["nanxiashu"], period_of(summer, JULY_1))
    assert "全街道动态管理名单共" in text  # 南夏墅街道: not "全道"


def test_a_departments_draft_brief_counts_and_names_the_whole_district(summer, district, july, travel):
    travel(D(2020, 7, 20))
    text = brief_text(district["sthjj"], period_of(summer, JULY_1))
    assert "列入名单3家" in text  # 湖塘 and 牛塘 together
    assert "全区动态管理名单共" in text  # the district's cases: not "全局" (the bureau)


def test_a_draft_briefs_category_lines_do_not_repeat_a_word(summer, district, july, travel):
    travel(D(2020, 7, 20))
    text = brief_text(district["hutang"], period_of(summer, JULY_1))
    assert "第一类（关停取缔后复产经营）：" in text
    assert "列入列入" not in text
