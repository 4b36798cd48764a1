"""`manage.py migrate` as the migration role (MIGRATION_DATABASE_URL), then the application role's grants again.

Also makes the data files private (core.files) after migrating: the SQLite file, photos, import plans, backups.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS, connections

from sanluanwu.audit import dbroles
from sanluanwu.core import files


class Command(migrate.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        alias = options.get("database") or DEFAULT_DB_ALIAS
        with dbroles.as_migration_role(alias) as app:
            super().handle(*args, **options)
            connection = connections[alias]
            if connection.vendor == "postgresql" and connection.settings_dict["USER"] != app["USER"]:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app["USER"]])
                    if cursor.fetchone():
                        dbroles.grant_application_role(cursor, app["USER"])
                    else:
                        self.stderr.write(f"应用角色 {app['USER']} 尚不存在：请运行 manage.py setup_db_roles")
        files.make_private()
