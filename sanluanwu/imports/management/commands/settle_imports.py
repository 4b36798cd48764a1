"""`python manage.py settle_imports [--worker-start]`: mark imports whose background job died as 处理中断.

A timer may run it; bin/serve runs it with --worker-start before each (re)start of the job worker, when every job
that was running has died with the worker that ran it.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sanluanwu.imports import jobs


class Command(BaseCommand):
    help = "将后台任务已中断的导入批次标记为“处理中断，可重试”"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--worker-start", action="store_true", help="作业进程即将启动：正在处理中的批次都已中断")

    def handle(self, *args: Any, **options: Any) -> None:
        count = jobs.settle_all(worker_start=options["worker_start"])
        self.stdout.write(f"已标记 {count} 个中断的导入批次" if count else "没有中断的导入批次")
