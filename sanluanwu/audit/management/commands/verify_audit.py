"""`manage.py verify_audit`: walk the audit hash chain; exit 1 at the first broken link."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand

from sanluanwu.audit import chain


class Command(BaseCommand):
    help = "校验审计记录的哈希链：完整则退出码 0，否则报告第一处断裂并以退出码 1 结束"

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        verdict = chain.verify()
        seconds = time.perf_counter() - started
        if verdict.broken is not None:
            self.stderr.write(verdict.broken.message)
            self.stderr.write(f"（此前 {verdict.count} 条完好）")
            sys.exit(1)
        self.stdout.write(f"审计链完整，共 {verdict.count} 条")
        if options["verbosity"] >= 1:
            self.stdout.write(f"链尾哈希 {verdict.head or '（空）'}，用时 {seconds:.1f} 秒")
