"""Only the indexes queries use (no LIKE-only twins, none by actor or request), and the append-only triggers again on SQLite.

SQLite alters a column by rebuilding the table, which drops its triggers: they are re-created at the end.
"""

from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

_SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only'); END;",
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only'); END;",
]


def _sqlite_triggers(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for statement in _SQLITE_TRIGGERS:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_triggers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(
            _sqlite_triggers, _sqlite_triggers
        ),  # (reversing ends here: triggers back after the rebuild)
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(max_length=80, verbose_name="操作"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="request_id",
            field=models.CharField(blank=True, max_length=64, verbose_name="请求编号"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["action"], name="audit_action_idx"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="操作人",
            ),
        ),
        migrations.RunPython(_sqlite_triggers, _sqlite_triggers),
    ]
