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
