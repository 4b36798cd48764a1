"""`python manage.py run_schedule`: the scheduled work of the system, in one long-running process beside the web
server (bin/serve keeps it alive): every SCHEDULE_INTERVAL seconds, the reporting reminders due. Never a request.
`--once` runs one round and ends (for a cron timer instead)."""

from __future__ import annotations

import logging
import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from sanluanwu.reporting import services

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "定时任务进程：按时发送报送提醒"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="只运行一轮")

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while True:
            close_old_connections()
            try:
                sent = services.send_reminders()
                if sent["before"] or sent["missing"]:
                    self.stdout.write(f"报送前提醒 {sent['before']} 条，逾期未报告知 {sent['missing']} 条")
            except Exception:  # one failed round is logged; the next round tries again
                logger.exception("scheduled reminders failed")
            if options["once"]:
                return
            waited = 0
            while waited < settings.SCHEDULE_INTERVAL and not stopping:
                time.sleep(1)
                waited += 1
            if stopping:
                return
