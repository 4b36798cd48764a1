"""Session rules (等保 2.0 level 2): idle 30 minutes, absolute 12 hours, a new key at login, logout ends it, and
no session write on an ordinary request (accounts.middleware.SessionTimeoutMiddleware)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sanluanwu.accounts import security

OLD = "Secret#2020"  # conftest.make_user's password
T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def _at(time_machine, minutes: float) -> None:
    time_machine.move_to(T0 + dt.timedelta(minutes=minutes), tick=False)


def test_a_login_gets_a_new_session_key_and_the_old_one_is_worthless(client, alice):
    session = client.session
    session["before_login"] = True
    session.save()
    before = session.session_key
    assert client.post("/login/", {"username": "alice", "password": OLD}).status_code == 302
    after = client.session.session_key
    assert after != before and not Session.objects.filter(session_key=before).exists()
    planted = Client()
    planted.cookies["sessionid"] = before  # a key an attacker planted before the login
    assert planted.get("/cases/").status_code == 302


def test_logout_ends_the_session_on_the_server(client, alice):
    client.post("/login/", {"username": "alice", "password": OLD})
    key = client.session.session_key
    stolen = Client()
    stolen.cookies["sessionid"] = key
    assert stolen.get("/cases/").status_code == 200
    client.post("/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert stolen.get("/cases/").status_code == 302


def test_opening_the_logout_address_asks_with_a_button_and_logs_out_only_when_it_is_pressed(client, alice):
    client.post("/login/", {"username": "alice", "password": OLD})
    key = client.session.session_key
    page = client.get("/logout/")
    html = page.content.decode()
    assert page.status_code == 200 and 'method="post" action="/logout/"' in html and "退出登录" in html
    assert Session.objects.filter(session_key=key).exists()  # a GET (a planted link) logs nobody out
    assert client.post("/logout/").status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/logout/")["Location"].startswith("/login/")  # logged out: the login page


def test_a_session_idle_for_thirty_minutes_ends_with_a_message(client, alice, time_machine):
    _at(time_machine, 0)
    client.force_login(alice)
    key = client.session.session_key
    for minutes in (29, 58, 87):  # active every 29 minutes: kept
        _at(time_machine, minutes)
        assert client.get("/cases/").status_code == 200
    _at(time_machine, 87 + 30)
    ended = client.get("/cases/")
    assert ended.status_code == 302 and ended["Location"].startswith("/login/")
    assert not Session.objects.filter(session_key=key).exists()
    page = client.get(ended["Location"])
    assert "30 分钟未操作" in page.content.decode()


def test_a_session_ends_twelve_hours_after_its_login_however_active(client, alice, time_machine):
    _at(time_machine, 0)
    client.force_login(alice)
    for minutes in range(20, 12 * 60, 20):
        _at(time_machine, minutes)
        assert client.get("/cases/").status_code == 200
    _at(time_machine, 12 * 60)
    ended = client.get("/cases/")
    assert ended.status_code == 302
    assert "超过 12 小时" in client.get(ended["Location"]).content.decode()


def test_the_api_answers_an_ended_session_with_401_json(client, alice, time_machine):
    _at(time_machine, 0)
    client.force_login(alice)
    assert client.get("/api/v1/cases/").status_code == 200
    _at(time_machine, 31)
    ended = client.get("/api/v1/cases/")
    assert ended.status_code == 401 and ended.json()["code"] == "session_expired"
    assert "未操作" in ended.json()["detail"]


def test_an_ordinary_page_request_does_not_write_the_session(client, alice, time_machine):
    _at(time_machine, 0)
    client.force_login(alice)
    client.get("/cases/")
    _at(time_machine, 0.5)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/cases/").status_code == 200
    writes = [q["sql"] for q in queries if "django_session" in q["sql"] and not q["sql"].lstrip().startswith("SELECT")]
    assert writes == []
    _at(time_machine, 2)  # more than a minute after the last write: the activity is written once
    with CaptureQueriesContext(connection) as queries:
        client.get("/cases/")
    assert any("django_session" in q["sql"] and not q["sql"].lstrip().startswith("SELECT") for q in queries)


def test_ending_all_sessions_of_a_user_keeps_the_given_one_and_others_users(alice, bob):
    clients = [Client() for _ in range(3)]
    for c in clients:
        c.force_login(alice)
    bobs = Client()
    bobs.force_login(bob)
    keep = clients[0].session.session_key
    assert security.end_all_sessions(alice, keep=keep) == 2
    assert clients[0].get("/cases/").status_code == 200
    assert [c.get("/cases/").status_code for c in clients[1:]] == [302, 302]
    assert bobs.get("/cases/").status_code == 200


def test_two_requests_of_one_session_at_once_keep_each_others_writes(alice):
    """A page's once-a-minute "last seen" written by a request that loaded the session before the two-factor step
    passed must not undo that step (helper-31: an admin's verified session fell back by itself)."""
    from sanluanwu.accounts.session_store import SessionStore

    first = SessionStore()
    first["state"], first["seen"], first["note"] = "pending", 1, "x"
    first.create()
    key = first.session_key
    page = SessionStore(key)
    assert page["state"] == "pending"  # loaded before the code step
    code_step = SessionStore(key)
    code_step["state"] = "verified"
    del code_step["note"]
    code_step.save()
    page["seen"] = 2  # the page's activity write, saved last
    page.save()
    stored = SessionStore(key).load()
    assert stored["state"] == "verified" and stored["seen"] == 2 and "note" not in stored


def test_a_session_ended_elsewhere_is_not_written_back_by_a_late_request(alice):
    from django.contrib.sessions.backends.base import UpdateError

    from sanluanwu.accounts.session_store import SessionStore

    first = SessionStore()
    first["seen"] = 1
    first.create()
    late = SessionStore(first.session_key)
    assert late["seen"] == 1  # loaded while the session still stood
    Session.objects.filter(session_key=first.session_key).delete()  # log out everywhere
    late["seen"] = 2
    with pytest.raises(UpdateError):  # Django's middleware answers it as SessionInterrupted
        late.save()
    assert not Session.objects.filter(session_key=first.session_key).exists()
