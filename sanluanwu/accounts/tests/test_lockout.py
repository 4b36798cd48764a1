"""Login lockout, address throttle and unlock (等保 2.0 level 2; django-axes, accounts/security.py)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from conftest import give_totp_device, make_user
from sanluanwu.accounts import security
from sanluanwu.audit.models import AuditEvent
from sanluanwu.core.errors import PermissionDenied

OLD = "Secret#2020"  # conftest.make_user's password


@pytest.fixture
def sam(district: dict[str, Any]) -> Any:
    """The security admin (安全管理员)."""
    user = make_user("sam", "security_admin", district["office"])
    give_totp_device(user)  # two-factor login is mandatory for the admin roles
    return user


def _login(client: Client, username: str, password: str, *, path: str = "/login/", ip: str = "10.0.0.1") -> Any:
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _token(client: Client, username: str, password: str, *, ip: str = "10.0.0.1") -> Any:
    return client.post("/api/v1/auth/token/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def _page(response: Any) -> tuple[int, str]:
    """Status and page without the per-request CSRF token and the typed user name (both differ by design)."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return response.status_code, re.sub(r'<input[^>]*name="username"[^>]*>', "", text)


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_five_failed_logins_lock_the_account_and_then_the_right_password_fails_like_a_wrong_one(client, alice):
    wrong = [_login(client, "alice", "wrong-password") for _ in range(5)]
    assert all(r.status_code == 200 and security.LOGIN_FAILED_TEXT in r.content.decode() for r in wrong)
    locked = _login(client, "alice", OLD)
    assert not _logged_in(client)
    assert _page(locked) == _page(wrong[0])  # same page, status and words: no oracle
    assert [lock.username for lock in security.current_lockouts()] == ["alice"]


def test_an_unknown_user_and_a_locked_account_are_answered_exactly_like_a_wrong_password(client, alice, bob):
    for _ in range(5):
        _login(client, "bob", "wrong-password", ip="10.0.0.9")
    wrong_password = _login(client, "alice", "wrong-password")
    unknown_user = _login(client, "nobody-here", "wrong-password")
    locked = _login(client, "bob", OLD)
    assert _page(wrong_password) == _page(unknown_user) == _page(locked)


def test_four_failures_do_not_lock_and_a_success_clears_them(client, alice):
    for _ in range(4):
        _login(client, "alice", "wrong-password")
    assert _login(client, "alice", OLD).status_code == 302 and _logged_in(client)
    client.logout()
    for _ in range(4):
        _login(client, "alice", "wrong-password")
    assert _login(client, "alice", OLD).status_code == 302  # the earlier four were cleared by the success


def test_the_lock_lifts_after_fifteen_minutes_and_tries_meanwhile_do_not_extend_it(client, alice, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False)
    for _ in range(5):
        _login(client, "alice", "wrong-password")
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 10, tzinfo=dt.UTC), tick=False)
    _login(client, "alice", OLD)  # refused, and does not restart the 15 minutes
    assert not _logged_in(client)
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 15, 1, tzinfo=dt.UTC), tick=False)
    assert _login(client, "alice", OLD).status_code == 302 and _logged_in(client)


def test_the_admin_login_and_the_token_endpoint_lock_the_account_too(client, sysadmin, alice):
    for _ in range(5):
        _login(client, "root_admin", "wrong-password", path="/admin/login/")
    admin_locked = _login(client, "root_admin", OLD, path="/admin/login/")
    admin_wrong = _login(client, "alice", "wrong-password", path="/admin/login/")
    assert admin_locked.status_code == 200 and not _logged_in(client)
    assert security.LOGIN_FAILED_TEXT in admin_locked.content.decode()
    assert _page(admin_locked) == _page(admin_wrong)

    for _ in range(5):
        assert _token(client, "alice", "wrong-password").status_code == 400
    api_locked = _token(client, "alice", OLD)
    api_unknown = _token(client, "nobody-here", "wrong-password")
    assert api_locked.status_code == api_unknown.status_code == 400
    assert api_locked.json() == api_unknown.json() and "token" not in api_locked.json()


@pytest.mark.parametrize("path", ["/login/", "/admin/login/", "/api/v1/auth/token/"])
def test_tries_against_a_locked_account_count_toward_the_address_throttle_on_every_login_path(client, alice, path):
    for _ in range(5):  # alice is locked after these
        _login(client, "alice", "wrong-password", path=path, ip="10.9.9.9")
    for _ in range(10):  # refused unchecked while locked: not alice's failures, but tries from this address
        assert _login(client, "alice", "wrong-password", path=path, ip="10.9.9.9").status_code != 429
    for n in range(5):
        _login(client, f"guess{n}", "wrong-password", path=path, ip="10.9.9.9")
    assert security.address_failures("10.9.9.9") == 20
    assert _login(client, "guess-next", "wrong-password", path=path, ip="10.9.9.9").status_code == 429
    assert _login(client, "alice", OLD, path=path, ip="10.9.9.9").status_code == 429
    # alice's lock still lifts 15 minutes after her fifth failure: the tries meanwhile did not extend it.
    assert [lock.failures for lock in security.current_lockouts()] == [5]


@pytest.mark.parametrize("path", ["/login/", "/admin/login/", "/api/v1/auth/token/"])
def test_many_failures_from_one_address_are_throttled_with_429_on_every_login_path(client, alice, path):
    for n in range(20):  # a different user name each time: no account is locked, the address is
        _login(client, f"guess{n}", "wrong-password", path=path, ip="10.9.9.9")
    throttled = _login(client, "alice", OLD, path=path, ip="10.9.9.9")
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) == 15 * 60
    if path.startswith("/api/"):
        assert throttled.json()["code"] == "throttled" and "登录失败次数过多" in throttled.json()["detail"]
    else:
        assert "登录失败次数过多" in throttled.content.decode()
    assert not _logged_in(client)
    # Another address (another office) logs in as usual.
    ok = _login(client, "alice", OLD, path=path, ip="10.0.0.2")
    assert ok.status_code in {200, 201, 302} and "登录失败次数过多" not in ok.content.decode()


def test_the_security_admin_sees_the_locked_accounts_and_unlocks_one(client, alice, sam):
    for _ in range(5):
        _login(Client(), "alice", "wrong-password")
    client.force_login(sam)
    page = client.get("/security/lockouts/")
    assert page.status_code == 200 and "alice" in page.content.decode()
    done = client.post("/security/lockouts/", {"username": "alice"})
    assert done.status_code == 302
    assert security.current_lockouts() == []
    assert _login(Client(), "alice", OLD).status_code == 302
    event = AuditEvent.objects.get(action="accounts.account.unlocked")
    assert event.actor_username == "sam" and event.object_id == str(alice.pk)


def test_only_the_security_admin_may_unlock(client, alice, sysadmin, office, ada):
    for _ in range(5):
        _login(Client(), "alice", "wrong-password")
    for user in (sysadmin, office, ada):
        with pytest.raises(PermissionDenied):
            security.unlock(actor=user, username="alice")
        client.force_login(user)
        assert client.get("/security/lockouts/").status_code == 403
        assert client.post("/security/lockouts/", {"username": "alice"}).status_code == 403
    assert [lock.username for lock in security.current_lockouts()] == ["alice"]


def test_logins_failures_locks_and_logouts_are_security_events_with_the_address(client, alice):
    for _ in range(5):
        _login(client, "alice", "wrong-password", ip="10.1.2.3")
    _login(client, "alice", OLD, ip="10.1.2.3")  # refused while locked: audited too
    failed = AuditEvent.objects.filter(action="accounts.login.failed").order_by("id")
    assert failed.count() == 6 and all("10.1.2.3" in e.note and e.result == "failure" for e in failed)
    assert failed[0].actor_username == "alice" and failed[0].object_id == str(alice.pk)
    assert "账号已锁定" in failed.last().note  # ordered by id above
    locked = AuditEvent.objects.get(action="accounts.account.locked")
    assert locked.object_id == str(alice.pk)
    _login(client, "ghost", "wrong-password", ip="10.1.2.3")
    assert "ghost" in AuditEvent.objects.filter(action="accounts.login.failed").order_by("id").last().note

    security.unlock(actor=make_user("sam", "security_admin", alice.memberships.get().org_unit.parent), username="alice")
    assert _login(client, "alice", OLD, ip="10.1.2.4").status_code == 302
    login = AuditEvent.objects.get(action="accounts.login.succeeded")
    assert login.actor_username == "alice" and "10.1.2.4" in login.note
    assert _token(Client(), "alice", OLD).status_code == 201
    assert AuditEvent.objects.filter(action="accounts.login.succeeded", note__contains="接口令牌").count() == 1
    client.post("/logout/", REMOTE_ADDR="10.1.2.4")
    assert AuditEvent.objects.get(action="accounts.session.logged_out").actor_username == "alice"


def test_wrong_current_passwords_on_the_change_page_lock_the_account_end_the_session_and_are_audited(client, alice):
    """A session left open on a shared computer had let anyone guess its owner's password there without limit."""
    client.force_login(alice)
    new = "Xyz@12345678a"

    def change(current: str) -> Any:
        return client.post("/account/password/", {"current": current, "new": new, "repeated": new},
                           REMOTE_ADDR="10.0.0.7")  # fmt: skip

    assert all(change(f"wrong{n}").status_code == 400 for n in range(4))
    assert _logged_in(client)
    fifth = change("wrong5")
    assert fifth.status_code == 302 and fifth["Location"].startswith("/login/")
    assert not _logged_in(client)
    assert "账号已锁定" in client.get(fifth["Location"]).content.decode()
    assert [lock.username for lock in security.current_lockouts()] == ["alice"]
    alice.refresh_from_db()
    assert alice.check_password(OLD)  # nothing changed
    assert _login(client, "alice", OLD, ip="10.0.0.8").status_code == 200 and not _logged_in(client)  # locked
    failed = AuditEvent.objects.filter(action="accounts.login.failed").order_by("id")
    assert failed.count() >= 5 and "修改密码时当前密码不正确" in failed.first().note
    assert AuditEvent.objects.filter(action="accounts.account.locked").count() == 1


def test_the_change_page_is_throttled_with_the_other_login_paths(client, alice, bob):
    for n in range(20):
        _login(client, f"guess{n}", "wrong-password", ip="10.9.9.9")
    client.force_login(bob)
    answer = client.post("/account/password/", {"current": "Secret#2020", "new": "Xyz@12345678a",
                                                "repeated": "Xyz@12345678a"}, REMOTE_ADDR="10.9.9.9")  # fmt: skip
    assert answer.status_code == 429


def test_an_empty_current_password_is_asked_for_not_counted_as_wrong(client, alice):
    client.force_login(alice)
    for _ in range(6):
        answer = client.post("/account/password/", {"current": "", "new": "Xyz@12345678a", "repeated": "Xyz@12345678a"})
        assert answer.status_code == 400 and "请填写当前密码" in answer.content.decode()
    assert _logged_in(client) and not security.current_lockouts()
    assert not AuditEvent.objects.filter(action="accounts.login.failed").exists()
