"""`python manage.py send_reminders`: the reporting reminders due today (a timer or `run_schedule` runs it).

Safe to run as often as wanted: each reminder is sent once (reporting.models.ReminderSent).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sanluanwu.reporting import services


class Command(BaseCommand):
    help = "发送半月报表的报送提醒（截止前提醒镇街，逾期告知办公室）"

    def handle(self, *args: Any, **options: Any) -> None:
        sent = services.send_reminders()
        self.stdout.write(f"报送前提醒 {sent['before']} 条，逾期未报告知 {sent['missing']} 条")
