"""Make the admin roles' Django groups match accounts.admin_groups (run after migrate on a deployment)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sanluanwu.accounts.admin_groups import sync_admin_groups


class Command(BaseCommand):
    help = "按三员分立设置系统管理员、安全管理员、审计管理员在管理后台的权限组"

    def handle(self, *args: Any, **options: Any) -> None:
        for role, group in sync_admin_groups().items():
            self.stdout.write(f"{group.name}（{role}）：{group.permissions.count()} 项权限")
