"""`manage.py restore <backup> --yes`: check the backup against its manifest, then replace data and files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from sanluanwu.audit import backups


class Command(BaseCommand):
    help = "从备份恢复数据库与文件：先按清单校验整个备份，确认（--yes）后才替换，恢复后校验审计链"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", help="备份目录（manage.py backup 的输出）")
        parser.add_argument("--yes", action="store_true", help="确认用备份替换当前数据")
        parser.add_argument("--check", action="store_true", help="只校验备份，不恢复")

    def handle(self, *args: Any, **options: Any) -> None:
        backup = Path(options["backup"])
        if options["check"]:
            checked = backups.check(backup)
            if checked.problems:
                raise CommandError("备份已损坏：\n" + "\n".join(checked.problems))
            vendor = checked.manifest["vendor"]
            if vendor != connection.vendor:  # whole, but not for this database (helper-50: --check said nothing)
                raise CommandError(
                    f"备份完好，与清单一致，但它来自 {vendor} 数据库，当前为 {connection.vendor}，不能恢复到这里"
                )
            self.stdout.write("备份完好，与清单一致")
            return
        try:
            verdict = backups.restore(backup, confirmed=options["yes"])
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"恢复完成，审计链完整，共 {verdict.count} 条")
