"""How sessions end, on the record: an idle or absolute timeout is audited once (by the request that finds it, or by
the daily purge when the user never came back) without a write on ordinary requests; "log out everywhere", a
password change and a new second factor delete the user's other session rows instead of leaving them behind."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.sessions.models import Session
from django.test import Client

from sanluanwu.accounts import security, services, sessions
from sanluanwu.audit.models import AuditEvent

PASSWORD = "Secret#2020"
T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def _at(time_machine: Any, minutes: float) -> None:
    time_machine.move_to(T0 + dt.timedelta(minutes=minutes), tick=False)


def _timeouts() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="accounts.session.timeout").order_by("id"))


def _rows_of(user: Any) -> list[str]:
    return [s.session_key for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)]


def test_an_idle_timeout_is_audited_once_with_its_limit(client, alice, time_machine):
    _at(time_machine, 0)
    client.force_login(alice)
    assert client.get("/cases/").status_code == 200
    _at(time_machine, 31)
    assert client.post("/cases/export/").status_code == 302  # a POST ends it too: no "logout by the person" then
    assert client.get("/cases/").status_code == 302  # the next request has no session: nothing more to record
    (event,) = _timeouts()
    assert (event.actor_username, event.object_id, event.changes) == ("alice", str(alice.pk),
                                                                      {"limit": [None, "idle"]})  # fmt: skip
    assert "30 分钟未操作" in event.note
    assert not AuditEvent.objects.filter(action="accounts.session.logged_out").exists()


def test_an_absolute_timeout_is_audited_with_its_limit(client, alice, time_machine):
    _at(time_machine, 0)
    client.force_login(alice)
    for minutes in range(25, 12 * 60, 25):
        _at(time_machine, minutes)
        client.get("/cases/")
    _at(time_machine, 12 * 60)
    assert client.get("/api/v1/cases/").status_code == 401
    (event,) = _timeouts()
    assert event.changes == {"limit": [None, "absolute"]} and "超过 12 小时" in event.note


def test_of_two_requests_racing_on_one_ended_session_only_the_one_deleting_its_row_records_it(alice, rf):
    from django.contrib.sessions.backends.db import SessionStore

    client = Client()
    client.force_login(alice)
    racing = []
    for _ in range(2):  # both read the session before either ended it
        request = rf.get("/cases/")
        request.session, request.user = SessionStore(session_key=client.session.session_key), alice
        request.session.load()
        racing.append(request)
    assert [security.record_session_timeout(r, limit=security.IDLE) for r in racing] == [True, False]
    assert len(_timeouts()) == 1


def test_the_daily_purge_audits_sessions_their_users_never_came_back_to_and_deletes_expired_rows(alice, bob,
                                                                                                 time_machine):  # fmt: skip
    _at(time_machine, 0)
    gone, active = Client(), Client()
    gone.force_login(alice)
    gone.get("/cases/")
    anonymous = Client()
    anonymous.get("/login/")
    session = anonymous.session
    session["note"] = "an anonymous session"
    session.save()
    _at(time_machine, 60)
    active.force_login(bob)
    done = sessions.purge_expired_sessions()
    assert done == {"deleted": 2, "timed_out": 1}
    (event,) = _timeouts()
    assert (event.actor_username, event.changes) == ("alice", {"limit": [None, "idle"]})
    assert "由定时清理记录" in event.note and "2026-03-02" in event.note
    assert _rows_of(alice) == [] and len(_rows_of(bob)) == 1
    assert sessions.purge_expired_sessions() == {"deleted": 0, "timed_out": 0}


def test_log_out_everywhere_deletes_every_session_row_of_the_user(alice, bob):
    laptop, phone, bobs = Client(), Client(), Client()
    laptop.force_login(alice)
    phone.force_login(alice)
    bobs.force_login(bob)
    assert laptop.post("/account/sessions/").status_code == 302
    assert _rows_of(alice) == [] and len(_rows_of(bob)) == 1
    assert "已结束全部登录会话 2 个" in AuditEvent.objects.get(action="accounts.user.logged_out_everywhere").note


def test_a_password_change_deletes_the_users_other_session_rows_and_keeps_this_one(alice):
    laptop, phone = Client(), Client()
    laptop.force_login(alice)
    phone.force_login(alice)
    done = laptop.post("/account/password/", {"current": PASSWORD, "new": "Mq5#Spring8Lp", "repeated":
                                               "Mq5#Spring8Lp"})  # fmt: skip
    assert done.status_code == 302
    assert _rows_of(alice) == [laptop.session.session_key]
    assert laptop.get("/cases/").status_code == 200 and phone.get("/cases/").status_code == 302
    assert "结束其他登录会话 1 个" in AuditEvent.objects.get(action="accounts.user.password_changed").note


def test_a_password_reset_by_an_admin_deletes_all_the_users_session_rows(alice, sysadmin):
    Client().force_login(alice)
    alice.set_password("Reset#Wujin2026")
    alice.save()
    services.record_password_change(actor=sysadmin, user=alice)
    assert _rows_of(alice) == []


def test_ending_sessions_also_deletes_expired_rows_of_the_user(alice, time_machine):
    _at(time_machine, 0)
    Client().force_login(alice)
    _at(time_machine, 24 * 60)
    assert security.end_all_sessions(alice) == 1 and _rows_of(alice) == []


def test_a_page_opened_with_the_cookie_of_a_session_that_has_ended_says_why_at_the_login(client, alice, time_machine):
    # helper-46: past the session row's own expiry (idle 30 minutes + 5) the login page said nothing.
    _at(time_machine, 0)
    client.force_login(alice)
    assert client.get("/cases/").status_code == 200
    _at(time_machine, 50)
    answer = client.get("/cases/")
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")
    assert "您的登录已结束" in client.get(answer["Location"]).content.decode()
    fresh = type(client)()
    assert "您的登录已结束" not in fresh.get("/login/?next=/cases/").content.decode()  # no cookie: nothing to say
    assert "您的登录已结束" not in fresh.get(fresh.get("/cases/")["Location"]).content.decode()
