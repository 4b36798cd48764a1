"""`manage.py setup_db_roles`: create the application's PostgreSQL role and grant it what it may do (as the owner)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from sanluanwu.audit import dbroles


class Command(BaseCommand):
    help = "PostgreSQL：以迁移角色创建/授权应用角色（全部表可增删改查，审计表只可查询、追加）"

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("数据库角色分离只适用于 PostgreSQL；SQLite 由文件权限（仅服务用户可读写）保护")
        with dbroles.as_migration_role() as app:
            role = app["USER"]
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_user")
                (owner,) = cursor.fetchone()
                if owner == role:
                    raise CommandError(
                        f"应用角色 {role} 与迁移角色相同：请在 MIGRATION_DATABASE_URL 中配置表的所有者（迁移角色），"
                        "在 DATABASE_URL 中配置另一个应用角色"
                    )
                created = dbroles.create_application_role(cursor, role, app.get("PASSWORD"))
                dbroles.grant_application_role(cursor, role, database=app["NAME"])
        self.stdout.write(f"应用角色 {role}{'已创建并' if created else '已'}授权：审计表只可查询、追加")
