"""Rows written by the bulk path (COPY on PostgreSQL) read back exactly as the ORM would have stored them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sanluanwu.audit.models import AuditEvent
from sanluanwu.core.bulk import insert_many
from sanluanwu.registry.choices import CaseStatus


@pytest.mark.django_db
def test_text_with_tabs_line_breaks_backslashes_and_nulls_survives_the_bulk_insert():
    now = dt.datetime(2026, 11, 28, 8, 30, tzinfo=dt.UTC)
    tricky = ["tab\there", "line\nbreak\r\nend", "back\\slash \\N \\.", '=HYPERLINK("x")', "", "张三\u3000作坊"]
    rows = [
        {
            "occurred_at": now, "actor_username": "bench", "action": "imports.case.created",
            "object_type": "registry.case", "object_id": str(i), "object_repr": text, "result": "success",
            "note": text, "request_id": "", "ip": "", "actor_id": None,
            "changes": {"status": [None, CaseStatus.STOPPED], "planned_completion": [None, dt.date(2026, 12, 31)],
                        "longitude": [None, Decimal("119.935000")], "name": [text, f"{text}\\"],
                        "lookback_category": [None, 1]},
        }
        for i, text in enumerate(tricky)
    ]  # fmt: skip
    ids = insert_many(AuditEvent, rows)
    assert len(ids) == len(tricky)
    stored = {e.pk: e for e in AuditEvent.objects.filter(pk__in=ids)}
    for new_id, text in zip(ids, tricky, strict=True):
        event = stored[new_id]
        assert (event.object_repr, event.note, event.actor_id, event.occurred_at) == (text, text, None, now)
        assert event.changes == {
            "status": [None, "stopped"], "planned_completion": [None, "2026-12-31"],
            "longitude": [None, "119.935000"], "name": [text, f"{text}\\"], "lookback_category": [None, 1],
        }  # fmt: skip


@pytest.mark.django_db
def test_a_bulk_insert_of_a_thousand_rows_has_its_tables_statistics_taken_again_once_it_commits(
    django_capture_on_commit_callbacks,
):
    """After an import the planner must know the new rows: with the statistics of a few hundred audit events it
    walked back through an import's 20,000 to find a town's newest (PostgreSQL; where autovacuum is off, forever)."""
    from django.db import connection, transaction

    from sanluanwu.core import bulk

    now = dt.datetime(2026, 11, 28, 8, 30, tzinfo=dt.UTC)

    def rows(n: int) -> list[dict[str, object]]:
        return [{"occurred_at": now, "actor_username": "bench", "action": "imports.case.created", "result": "success",
                 "object_type": "registry.case", "object_id": str(i), "object_repr": "作坊", "note": "",
                 "request_id": "", "ip": "", "actor_id": None, "changes": {}} for i in range(n)]  # fmt: skip

    def tuples_known() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'audit_auditevent'")
            return float(cursor.fetchone()[0])

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        insert_many(AuditEvent, rows(bulk.ANALYZE_AFTER - 1))
    assert callbacks == []  # a small insert leaves it to autovacuum
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        insert_many(AuditEvent, rows(bulk.ANALYZE_AFTER))
    if connection.vendor != "postgresql":
        assert callbacks == []  # SQLite keeps no statistics unless asked to, and plans without them
        return
    assert len(callbacks) == 1 and tuples_known() == AuditEvent.objects.count()


@pytest.mark.django_db
def test_the_audit_tables_unqueried_columns_keep_no_statistics_so_its_analyze_stays_light():
    """An import's ANALYZE of the audit table skips the JSON, notes and hashes (0.5 s → 0.15 s of PostgreSQL after a
    10,000-row import), and still analyses what the planner reads: the queried columns and the head indexes."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's (SQLite keeps none unless asked)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT attname, attstattarget FROM pg_attribute WHERE attrelid = 'audit_auditevent'::regclass "
                       "AND attnum > 0 AND NOT attisdropped")  # fmt: skip
        targets = dict(cursor.fetchall())
    assert all(targets[c] == 0 for c in ("changes", "note", "hash", "prev_hash", "object_repr"))
    assert all(targets[c] in (-1, None) for c in ("id", "action", "object_type", "object_id", "town_id", "occurred_at"))
