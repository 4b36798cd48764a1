"""`manage.py backup`: the database, photos, import plans and a manifest of their hashes (audit/backups.py)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sanluanwu.audit import backups


class Command(BaseCommand):
    help = "备份数据库、照片与上传文件，附带清单（每个文件的 SHA-256 与审计链链尾）"

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            target = backups.create()
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = json.loads((target / backups.MANIFEST).read_text(encoding="utf-8"))
        self.stdout.write(
            f"备份完成：{target}\n数据库 {manifest['database']['path']}，文件 {len(manifest['files'])} 个，"
            f"审计记录 {manifest['audit']['count']} 条"
        )
