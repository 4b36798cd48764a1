"""Each event may name the one town whose records it changed (AuditEvent.town_id), and an expression index on the
event's topic, that town and id makes the newest event of a topic naming a town (or naming none) one index probe
(audit.memo.town_heads_sql): a town's remembered case list is kept while other towns' cases change. Both databases;
the expression is audit.memo.topic_sql's, which the queries use word for word."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

_EXPRESSION = {
    "postgresql": "split_part(action, '.', 1)",
    "sqlite": "substr(action, 1, instr(action, '.') - 1)",
}


def _up(apps: Any, schema_editor: Any) -> None:
    expression = _EXPRESSION[schema_editor.connection.vendor]
    schema_editor.execute(f"CREATE INDEX audit_event_town_head ON audit_auditevent (({expression}), town_id, id)")


def _down(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute("DROP INDEX IF EXISTS audit_event_town_head")


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_topic_heads")]
    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="town_id",
            field=models.BigIntegerField(blank=True, editable=False, null=True, verbose_name="所属镇（街道）编号"),
        ),
        migrations.RunPython(_up, _down),
    ]
