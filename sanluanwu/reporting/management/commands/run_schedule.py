"""`python manage.py run_schedule`: the scheduled work of the system, in one long-running process beside the web
server (bin/serve keeps it alive): every SCHEDULE_INTERVAL seconds, the reporting reminders due; once a day (the
first round of each day), the purge of expired sessions (accounts.sessions.purge_expired_sessions: each one a user
never came back to is audited as timed out, then deleted, like clearsessions). Never a request. `--once` runs one
round, the purge included, and ends (for a cron timer instead)."""

from __future__ import annotations

import logging
import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from sanluanwu.accounts.sessions import purge_expired_sessions
from sanluanwu.core import clock
from sanluanwu.reporting import services

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "定时任务进程：按时发送报送提醒；每天清理过期登录会话（超时结束的记入审计日志）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="只运行一轮")

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        purged_on = None
        while True:
            close_old_connections()
            if purged_on != clock.today():
                purged_on = self.purge_sessions()
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

    def purge_sessions(self) -> Any:
        """The day's purge of expired sessions; the day it ran (None after a failure: the next round tries again)."""
        try:
            done = purge_expired_sessions()
        except Exception:
            logger.exception("scheduled session purge failed")
            return None
        if done["deleted"]:
            self.stdout.write(f"清理过期登录会话 {done['deleted']} 个，其中超时结束记入审计 {done['timed_out']} 个")
        return clock.today()
