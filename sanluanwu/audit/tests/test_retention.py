"""Audit rows are kept: no code path updates, deletes or purges them (security events ≥ 180 days, business
history for the life of its record), and the rows refuse it themselves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from sanluanwu.audit.models import AuditEvent
from sanluanwu.audit.services import record_event

REWRITES = re.compile(
    r"(AuditEvent\b.*\.(update|delete|bulk_update|raw)\()|((UPDATE|DELETE\s+FROM|TRUNCATE)\s+(TABLE\s+)?\"?audit_auditevent)",
    re.IGNORECASE,
)


def test_no_code_path_updates_deletes_or_purges_audit_rows():
    offenders = []
    for top in ("sanluanwu", "config"):
        for path in (Path(settings.BASE_DIR) / top).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if REWRITES.search(line):
                    offenders.append(f"{path.relative_to(settings.BASE_DIR)}:{number}: {line.strip()}")
    assert not offenders


def test_the_model_and_the_database_refuse_to_change_or_remove_an_event(alice):
    with transaction.atomic():
        event = record_event(actor=alice, action="accounts.login.succeeded", obj=alice)
    with pytest.raises(RuntimeError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(RuntimeError):
        AuditEvent.objects.filter(pk=event.pk).update(note="x")
    for statement in ("UPDATE audit_auditevent SET note = 'x'", "DELETE FROM audit_auditevent"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.get(pk=event.pk).note == ""
