"""A report's frozen rows are kept as compressed JSON (models.Report.rows_packed); migration 0004 moved the stored
ones there and back without changing a cell."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from sanluanwu.core import clock
from sanluanwu.reporting.models import Report, pack_rows
from sanluanwu.reporting.tests.steps import slot_of, submit

ROWS = [
    [7, ["张三塑料造粒作坊", {"d": "2026-11-30"}, None, "联系人138****5678", ""]],
    [9, ["李四", "", "“引号”\n换行"]],
]


def test_a_submitted_reports_rows_read_back_as_frozen_and_take_a_fraction_of_the_bytes(summer, district, alice,
                                                                                      travel):  # fmt: skip
    slot = slot_of(summer, dt.date(2020, 7, 1), district["hutang"])
    travel(dt.date(2020, 7, 10))
    report = submit(alice, slot)
    stored = Report.objects.get(pk=report.pk)
    assert stored.rows == report.rows and isinstance(stored.rows, list)
    big = ROWS * 500
    assert len(pack_rows(big)) < len(json.dumps(big, ensure_ascii=False).encode()) / 5
    stored.rows = big
    stored.save(update_fields=["rows_packed"])
    assert Report.objects.get(pk=report.pk).rows == big


@pytest.mark.django_db(transaction=True)
def test_migration_0004_packs_the_stored_rows_and_unpacks_them_back(summer, district):
    slot = slot_of(summer, dt.date(2020, 7, 1), district["hutang"])
    executor = MigrationExecutor(connection)
    executor.migrate([("reporting", "0003_report_data_version")])
    try:
        old = MigrationExecutor(connection).loader.project_state([("reporting", "0003_report_data_version")]).apps
        OldReport = old.get_model("reporting", "Report")
        pk = OldReport.objects.create(
            slot_id=slot.pk, number=1, as_of=dt.date(2020, 7, 10), rows=ROWS, figures={}, file=b"x", filename="a.xlsx",
            sha256="0" * 64, size=1, filler="张", reviewer="李", phone="0519-86310000", submitted_by_name="张",
            submitted_at=clock.now(),
        ).pk  # fmt: skip
        MigrationExecutor(connection).migrate([("reporting", "0004_report_rows_packed")])
        new = MigrationExecutor(connection).loader.project_state([("reporting", "0004_report_rows_packed")]).apps
        packed = new.get_model("reporting", "Report").objects.get(pk=pk).rows_packed
        assert Report(rows_packed=packed).rows == ROWS
        MigrationExecutor(connection).migrate([("reporting", "0003_report_data_version")])
        assert OldReport.objects.get(pk=pk).rows == ROWS
    finally:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
