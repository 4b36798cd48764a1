"""The scheduler's daily work beside the reminders: the purge of expired sessions (accounts.sessions)."""

from __future__ import annotations

import datetime as dt

from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client

from sanluanwu.audit.models import AuditEvent

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def test_the_scheduler_purges_expired_sessions_auditing_the_timed_out_ones(alice, time_machine, monkeypatch):
    from sanluanwu.reporting.management.commands import run_schedule

    # Each round starts by dropping stale connections (CONN_MAX_AGE): not the test's own, inside its transaction.
    monkeypatch.setattr(run_schedule, "close_old_connections", lambda: None)
    time_machine.move_to(T0, tick=False)
    Client().force_login(alice)
    time_machine.move_to(T0 + dt.timedelta(days=1), tick=False)
    call_command("run_schedule", "--once")
    assert Session.objects.count() == 0
    assert AuditEvent.objects.filter(action="accounts.session.timeout", actor_username="alice").count() == 1
