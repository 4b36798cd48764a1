"""An expression index on each event's topic (its action's first segment, the app that wrote it) and id: the newest
event of a topic is one index probe (audit.memo: reads of rows that change seldom are remembered under their topics'
heads). Both databases; the expression is audit.memo.topic_sql's, which the queries use word for word."""

from __future__ import annotations

from typing import Any

from django.db import migrations

_EXPRESSION = {
    "postgresql": "split_part(action, '.', 1)",
    "sqlite": "substr(action, 1, instr(action, '.') - 1)",
}


def _up(apps: Any, schema_editor: Any) -> None:
    expression = _EXPRESSION[schema_editor.connection.vendor]
    schema_editor.execute(f"CREATE INDEX audit_event_topic_head ON audit_auditevent (({expression}), id)")


def _down(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute("DROP INDEX IF EXISTS audit_event_topic_head")


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_no_truncate")]
    operations = [migrations.RunPython(_up, _down)]
