"""Each event's topic as a column the database computes (audit.memo.topic_of), and the heads' indexes on it.

The topic is the action's first segment ("registry.case.updated": "registry"), except for an event that records a
reading, which changes no row: a file exported or its export refused ("<app>.export.<what>"), an original sheet
downloaded ("….downloaded"), a number revealed ("….revealed"). Its topic is "reading", which no remembered read
names: a town's download of its 附件2 no longer makes every town's remembered case list be read again.

A generated column, not the expression indexes of migrations 0007 and 0008: PostgreSQL plans a query on an expression
index by matching the query's expression against the index's, in every subquery of the heads query on every request
(0.2-0.3 ms each with the long CASE: 2.64 → 3.23 ms of PostgreSQL per request at 200 users, measured and reverted in
4de1eb4). A plain column is matched by name. PostgreSQL stores it (ADD COLUMN rewrites the table once; no row trigger
fires, the rows' content and hashes are untouched); SQLite can only add a VIRTUAL one, computed when read, which its
indexes store. The model does not declare the column: no INSERT names it, and the audit chain's content
(audit.chain.select_columns) does not include it. A test compares the column with topic_of() for every action the
code writes."""

from __future__ import annotations

from typing import Any

from django.db import migrations

_TOPIC = {
    "postgresql": "CASE WHEN strpos(action, '.export.') > 0 OR right(action, 11) = '.downloaded' "
    "OR right(action, 9) = '.revealed' THEN 'reading' ELSE split_part(action, '.', 1) END",
    "sqlite": "CASE WHEN instr(action, '.export.') > 0 OR substr(action, -11) = '.downloaded' "
    "OR substr(action, -9) = '.revealed' THEN 'reading' ELSE substr(action, 1, instr(action, '.') - 1) END",
}
_FIRST_SEGMENT = {  # migrations 0007 and 0008's expression
    "postgresql": "split_part(action, '.', 1)",
    "sqlite": "substr(action, 1, instr(action, '.') - 1)",
}
_STORED = {"postgresql": "STORED", "sqlite": "VIRTUAL"}


def _drop_indexes(schema_editor: Any) -> None:
    schema_editor.execute("DROP INDEX IF EXISTS audit_event_topic_head")
    schema_editor.execute("DROP INDEX IF EXISTS audit_event_town_head")


def _up(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    _drop_indexes(schema_editor)
    schema_editor.execute(
        f"ALTER TABLE audit_auditevent ADD COLUMN topic text GENERATED ALWAYS AS ({_TOPIC[vendor]}) {_STORED[vendor]}"
    )
    schema_editor.execute("CREATE INDEX audit_event_topic_head ON audit_auditevent (topic, id)")
    schema_editor.execute("CREATE INDEX audit_event_town_head ON audit_auditevent (topic, town_id, id)")


def _down(apps: Any, schema_editor: Any) -> None:
    expression = _FIRST_SEGMENT[schema_editor.connection.vendor]
    _drop_indexes(schema_editor)
    schema_editor.execute("ALTER TABLE audit_auditevent DROP COLUMN topic")
    schema_editor.execute(f"CREATE INDEX audit_event_topic_head ON audit_auditevent (({expression}), id)")
    schema_editor.execute(f"CREATE INDEX audit_event_town_head ON audit_auditevent (({expression}), town_id, id)")


class Migration(migrations.Migration):
    dependencies = [("audit", "0010_unqueried_columns_without_statistics")]
    operations = [migrations.RunPython(_up, _down)]
