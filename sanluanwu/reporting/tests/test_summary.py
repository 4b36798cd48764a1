"""The campaign summary (总结考评): per town and for the district, counted from the records as of a day, with each
town's reporting timeliness and completeness over the periods already due."""

from __future__ import annotations

import datetime as dt

from conftest import make_case, walk_case
from sanluanwu.reporting import summary
from sanluanwu.reporting.tests.steps import case_in, slot_of, submit

D = dt.date


def test_the_summary_counts_each_towns_cases_and_reporting_as_of_a_day(summer, district, alice, bob, travel):
    closed = make_case(alice, district["hutang"], case=case_in(summer))
    make_case(alice, district["hutang"], case=case_in(summer, lookback_category=4, remediation_type="rectification"),
              name="李四五金加工作坊", legal_person="李四", industry="五金加工", phone="13900002222",
              address="湖塘镇城西村工业路8号", coordinates="119.9700, 31.7300")  # fmt: skip
    stopped = make_case(bob, district["niutang"], case=case_in(summer, lookback_category=3), name="王五木材加工作坊",
                        legal_person="王五", industry="木材加工", phone="13900001111")  # fmt: skip
    travel(D(2020, 7, 3))
    walk_case(closed, "closed")
    walk_case(stopped, "stopped")
    travel(D(2020, 7, 14))
    submit(alice, slot_of(summer, D(2020, 7, 1), district["hutang"]))
    travel(D(2020, 7, 16))
    submit(bob, slot_of(summer, D(2020, 7, 1), district["niutang"]))
    travel(D(2020, 7, 20))

    s = summary.campaign_summary(summer, D(2020, 7, 20))
    units = {u.name: u for u in s.units}
    assert list(units) == ["湖塘镇", "牛塘镇"]
    hutang, niutang = units["湖塘镇"], units["牛塘镇"]
    assert (hutang.cell("found"), hutang.cell("cat1"), hutang.cell("cat4")) == (2, 1, 1)
    assert (hutang.cell("closed"), hutang.cell("open"), hutang.cell("stopped")) == (1, 1, 1)
    assert (hutang.cell("shutdown"), hutang.cell("rectification"), hutang.cell("rectified")) == (1, 1, 0)
    assert hutang.cell("shutdown_done") == 1  # 两断三清 all done before its closure
    assert [niutang.cell(key) for key in ("found", "stopped", "closed", "open")] == [1, 1, 0, 1]
    # Only 7月上半月 (due 07-15) is due by 07-20: 湖塘 on time, 牛塘 late.
    assert hutang.cell("completeness") == "100.0% / 100.0%"
    assert niutang.cell("completeness") == "0.0% / 100.0%"
    assert (s.district.cell("found"), s.district.cell("closed"), s.district.cell("open")) == (3, 1, 2)
    assert (s.rates.expected, s.rates.submitted, s.rates.on_time) == (2, 2, 1)

    before = {u.name: u for u in summary.campaign_summary(summer, D(2020, 7, 2)).units}
    assert before["湖塘镇"].cell("closed") == 0 and before["湖塘镇"].cell("stopped") == 0
    assert before["湖塘镇"].cell("completeness") == "—"  # nothing due yet
    header, rows = summary.table(s)
    assert header[0] == "单位" and rows[-1][0] == "全区" and len(rows) == 3
