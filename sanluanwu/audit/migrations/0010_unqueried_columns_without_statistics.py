"""PostgreSQL: the audit table's columns no query filters, joins or orders by keep no planner statistics.

After a bulk import, core.bulk ANALYZEs the tables it wrote: the audit table's took 0.5 s of PostgreSQL at a full core
after a 10,000-row import, most of it the statistics of the JSON changes, the notes and the two hashes of 30,000
sampled rows, which the planner never reads. Without them: 0.15 s, with the row count, the queried columns and the
topic and town head expression indexes (audit.memo) still analysed. SQLite keeps no statistics unless asked.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

_COLUMNS = ("changes", "note", "hash", "prev_hash", "object_repr", "request_id", "actor_name", "org_unit_name", "ip")


def _statistics(target: int) -> Any:
    def apply(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            columns = ", ".join(f"ALTER COLUMN {schema_editor.quote_name(c)} SET STATISTICS {target}" for c in _COLUMNS)
            schema_editor.execute(f"ALTER TABLE audit_auditevent {columns}")

    return apply


class Migration(migrations.Migration):
    dependencies = [("audit", "0009_unit_heads")]
    operations = [migrations.RunPython(_statistics(0), _statistics(-1))]
