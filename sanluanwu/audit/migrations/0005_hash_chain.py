"""The hash chain (audit/chain.py): two columns, and the links of the events already there computed in id order.

The append-only triggers are lifted for the one rewrite this table ever gets (PostgreSQL: disabled and enabled
again by the owner running the migration; SQLite: the column's table rebuild drops them, all three are made again).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

from sanluanwu.audit import chain

_SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only'); END;",
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only'); END;",
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_replace BEFORE INSERT ON audit_auditevent "
    "WHEN EXISTS (SELECT 1 FROM audit_auditevent WHERE id = NEW.id) "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only'); END;",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_event_no_update;",
    "DROP TRIGGER IF EXISTS audit_event_no_delete;",
    "DROP TRIGGER IF EXISTS audit_event_no_replace;",
]


def _chain_existing(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    columns = chain.select_columns()
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update")
        else:
            for statement in _SQLITE_DROP:
                cursor.execute(statement)
        prev, last_id = chain.GENESIS, 0
        while True:
            cursor.execute(
                f"SELECT id, {columns} FROM audit_auditevent WHERE id > %s ORDER BY id LIMIT 5000", [last_id]
            )
            rows = cursor.fetchall()
            if not rows:
                break
            links = []
            for row in rows:
                new = chain.digest(prev, chain.read_back(row[1:]))
                links.append((prev, new, row[0]))
                prev = new
            cursor.executemany("UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s", links)
            last_id = rows[-1][0]
        if vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_update")
        else:
            for statement in _SQLITE_TRIGGERS:
                cursor.execute(statement)


def _sqlite_triggers(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for statement in _SQLITE_TRIGGERS:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_no_replace_on_sqlite")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name="前序哈希"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="哈希"),
            preserve_default=False,
        ),
        migrations.RunPython(_chain_existing, _sqlite_triggers),
    ]
