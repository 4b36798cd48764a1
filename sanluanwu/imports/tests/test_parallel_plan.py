"""A large sheet is planned by two processes; the plan must be exactly what one process makes."""

from __future__ import annotations

import pytest

from sanluanwu.imports import importer
from sanluanwu.imports.services import _plan, upload_import
from sanluanwu.imports.tests.sheets import messy_xlsx
from sanluanwu.imports.tests.test_import_list import _row


def _sheet_rows():
    rows = []
    for i in range(1, 41):
        rows.append(_row(i, f"王{i}塑料造粒作坊", f"王{i}"))
    rows[3] = _row(4, "王2塑料造粒作坊", "王2")  # repeats row 2 within the first half
    rows[25] = _row(26, "王5塑料造粒作坊", "王5")  # the second half repeats the first half …
    rows[31] = _row(32, "王5塑料造粒作坊", "王5")  # … twice
    rows[28] = _row(29, "王28塑料造粒作坊", "王28")  # repeats within the second half
    rows[33] = _row(34, "王29塑料造粒作坊", "", category="第九类")  # errors of its own
    rows[20] = [None] * 15  # a blank line in the middle
    return rows


@pytest.mark.skipif(not importer._can_fork(), reason="planning in two processes needs fork() and two cores")
def test_two_processes_plan_exactly_what_one_process_plans(alice, campaign, district, monkeypatch):
    batch = upload_import(actor=alice, data=messy_xlsx(_sheet_rows()), filename="湖塘镇.xlsx", kind="list",
                          unit=district["hutang"])  # fmt: skip
    monkeypatch.setattr(importer, "PARALLEL_MIN_ROWS", 10**9)
    one = _plan(batch, alice)
    forks = []
    real_fork = importer.os.fork

    def counting_fork():
        forks.append(1)
        return real_fork()

    monkeypatch.setattr(importer, "PARALLEL_MIN_ROWS", 2)
    monkeypatch.setattr(importer.os, "fork", counting_fork)
    two = _plan(batch, alice)
    assert forks == [1]
    assert one.counts() == two.counts()
    assert one.counts()["error"] == 5, [r.errors for r in one.rows if r.errors]
    assert [r.public() for r in one.rows] == [r.public() for r in two.rows]
    assert [(r.enterprise_values, r.case_values, r.town_id) for r in one.rows] == [
        (r.enterprise_values, r.case_values, r.town_id) for r in two.rows
    ]
    messages = [e["message"] for r in two.rows for e in r.errors if "同一企业" in e["message"]]
    assert sorted(messages) == sorted(["与第 7 行是同一企业（同一镇内名称相同），请合并为一行"] * 1
                                      + ["与第 10 行是同一企业（同一镇内名称相同），请合并为一行"] * 2
                                      + ["与第 33 行是同一企业（同一镇内名称相同），请合并为一行"])  # fmt: skip
