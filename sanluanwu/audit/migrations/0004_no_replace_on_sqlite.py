"""On SQLite, `INSERT OR REPLACE` with an existing id rewrote an audit event despite the UPDATE and DELETE triggers:
REPLACE deletes the old row without firing delete triggers (unless recursive_triggers is on). A BEFORE INSERT trigger
runs before the conflict is resolved, so it refuses any insert that names an id already there, whatever the
connection's settings. PostgreSQL has no REPLACE (its ON CONFLICT DO UPDATE fires the UPDATE trigger, which refuses).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

SQLITE_UP = (
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_replace BEFORE INSERT ON audit_auditevent "
    "WHEN EXISTS (SELECT 1 FROM audit_auditevent WHERE id = NEW.id) "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only'); END;"
)
SQLITE_DOWN = "DROP TRIGGER IF EXISTS audit_event_no_replace;"


def _run(statement: str) -> Any:
    def apply(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_plain_indexes")]
    operations = [migrations.RunPython(_run(SQLITE_UP), _run(SQLITE_DOWN))]
