"""Shared body of import_list and import_baseline: exit 0 all valid, 1 some rows wrong, 2 unreadable file."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sanluanwu.accounts.choices import OrgUnitKind
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.scope import OperatorActor
from sanluanwu.core.errors import DomainError
from sanluanwu.imports.choices import BatchStatus
from sanluanwu.imports.services import confirm_import, has_valid_rows, preview_import, upload_import


class ImportCommand(BaseCommand):
    kind = "list"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--unit", help="镇（街道）名称；不填则按表中“所属镇（街道）”列")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出统计和错误")
        parser.add_argument("--all-or-nothing", action="store_true", help="有任何错误行则全部不导入")
        parser.add_argument("--datum", choices=["wgs84", "gcj02"], default="wgs84", help="表中经纬度的坐标系")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        unit = None
        if options["unit"] and options["unit"] != "all":
            unit = OrgUnit.objects.filter(kind=OrgUnitKind.TOWN, name=options["unit"]).first()
            if unit is None:
                raise CommandError(f"找不到镇（街道）：{options['unit']}")
        if not path.is_file():
            self._finish({"status": "rejected", "message": f"找不到文件：{path}"}, options, code=2)
        actor = OperatorActor()
        try:
            batch = upload_import(actor=actor, data=path.read_bytes(), filename=path.name, kind=self.kind, unit=unit,
                                  coord_datum=options["datum"], all_or_nothing=options["all_or_nothing"])  # fmt: skip
            batch = preview_import(actor=actor, batch=batch)
            if batch.status == BatchStatus.PREVIEWED and has_valid_rows(batch) and not options["dry_run"]:
                batch = confirm_import(actor=actor, batch=batch)
        except DomainError as exc:
            self._finish({"status": "rejected", "message": str(exc)}, options, code=2)
            return
        summary = {
            "batch": batch.pk, "status": batch.status, "sha256": batch.sha256, "dry_run": options["dry_run"],
            "counts": batch.counts, "message": batch.message,
            "errors": (batch.result or batch.preview).get("errors", []),
            "interpreted": [{"sheet": r["sheet"], "row": r["row"], **i} for r in (batch.result or batch.preview).get("rows", [])
                            for i in r.get("interpreted", [])],
        }  # fmt: skip
        unread = [info for info in (batch.preview or {}).get("sheets", {}).values() if info.get("incomplete")]
        if batch.status == BatchStatus.REJECTED or (unread and not has_valid_rows(batch)):
            code = 2  # unreadable, or no sheet's header was recognised well enough to read its rows
        else:
            code = 1 if batch.counts.get("error") else 0
        self._finish(summary, options, code=code)

    def _finish(self, summary: dict[str, Any], options: dict[str, Any], *, code: int) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        else:
            counts = summary.get("counts") or {}
            if summary.get("message"):
                self.stdout.write(summary["message"])
            if counts:
                self.stdout.write(
                    f"新增 {counts.get('new', 0)} 行，变更 {counts.get('changed', 0)} 行，未变 {counts.get('unchanged', 0)} 行，"
                    f"错误 {counts.get('error', 0)} 行，跳过说明行 {counts.get('skipped', 0)} 行"
                    + ("（试运行，未写入）" if summary.get("dry_run") else "")
                )
            for e in summary.get("errors", []):
                self.stdout.write(f"  [{e['sheet']}] 第 {e['row']} 行 「{e['column']}」：{e['message']}")
        sys.exit(code)
