"""`manage.py verify_audit`: walk the audit hash chain; exit 1 at the first broken link."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sanluanwu.audit import chain
from sanluanwu.audit.backups import MANIFEST

_HASH = re.compile(r"[0-9a-f]{64}")


def _anchor(text: str) -> tuple[int, str]:
    count, _, head = text.strip().partition(":")
    if not count.isdigit() or int(count) < 1 or not _HASH.fullmatch(head):
        raise CommandError(f"锚点“{text[:80]}”格式应为 条数:哈希（如 1234:后接 64 位十六进制哈希）")
    return int(count), head


def _from_manifest(path: str) -> tuple[int, str]:
    """A backup's manifest, or the backup's directory."""
    if os.path.isdir(path):
        path = os.path.join(path, MANIFEST)
    try:
        with open(path, encoding="utf-8") as f:
            audit = json.load(f)["audit"]
        count, head = int(audit["count"]), str(audit["head"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CommandError(f"无法读取备份清单 {path}：{exc}") from None
    if count == 0:
        return 0, head  # a backup of an empty log anchors nothing
    return _anchor(f"{count}:{head}")


class Command(BaseCommand):
    help = "校验审计记录的哈希链：完整则退出码 0，否则报告第一处断裂并以退出码 1 结束"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--anchor", action="append", default=[], metavar="条数:哈希",
                            help="之前记下的链尾（本命令打印的条数和链尾哈希），可多次给出：链中须仍有这一条，链尾被删除也能查出")  # fmt: skip
        parser.add_argument("--manifest", action="append", default=[], metavar="备份目录或 manifest.json",
                            help="备份清单（manage.py backup 写下），以其中记下的审计链尾为锚点")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        anchors = [_anchor(text) for text in options["anchor"]] + [_from_manifest(p) for p in options["manifest"]]
        started = time.perf_counter()
        verdict = chain.verify(anchors=anchors)
        seconds = time.perf_counter() - started
        if verdict.broken is not None:
            self.stderr.write(verdict.broken.message)
            self.stderr.write(f"（此前 {verdict.count} 条完好）")
            sys.exit(1)
        self.stdout.write(f"审计链完整，共 {verdict.count} 条" + (f"，与 {len(anchors)} 个锚点相符" if anchors else ""))
        if options["verbosity"] >= 1:
            self.stdout.write(f"链尾哈希 {verdict.head or '（空）'}，用时 {seconds:.1f} 秒")
