"""An event that records a reading (an export, a downloaded original, a revealed number: audit.memo.is_reading) gets
the topic "reading" in the heads' expression indexes, instead of its app's: it changes no row, and no remembered read
is made of it. The expression is audit.memo.topic_sql's, which the queries use word for word (a test compares them)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

_FIRST = {
    "postgresql": "split_part(action, '.', 1)",
    "sqlite": "substr(action, 1, instr(action, '.') - 1)",
}
_EXPRESSION = {
    "postgresql": "(CASE WHEN strpos(action, '.export.') > 0 OR right(action, 11) = '.downloaded' OR right(action, 9) = "
    "'.revealed' THEN 'reading' ELSE split_part(action, '.', 1) END)",
    "sqlite": "(CASE WHEN instr(action, '.export.') > 0 OR substr(action, -11) = '.downloaded' OR substr(action, -9) = "
    "'.revealed' THEN 'reading' ELSE substr(action, 1, instr(action, '.') - 1) END)",
}


def _indexes(schema_editor: Any, expression: str) -> None:
    schema_editor.execute("DROP INDEX IF EXISTS audit_event_topic_head")
    schema_editor.execute("DROP INDEX IF EXISTS audit_event_town_head")
    schema_editor.execute(f"CREATE INDEX audit_event_topic_head ON audit_auditevent (({expression}), id)")
    schema_editor.execute(f"CREATE INDEX audit_event_town_head ON audit_auditevent (({expression}), town_id, id)")


def _up(apps: Any, schema_editor: Any) -> None:
    _indexes(schema_editor, _EXPRESSION[schema_editor.connection.vendor])


def _down(apps: Any, schema_editor: Any) -> None:
    _indexes(schema_editor, _FIRST[schema_editor.connection.vendor])


class Migration(migrations.Migration):
    dependencies = [("audit", "0010_unqueried_columns_without_statistics")]
    operations = [migrations.RunPython(_up, _down)]
