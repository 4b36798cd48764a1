"""Password expiry and the forced change (等保 2.0 level 2): 180 days, 90 for the admin roles, a reminder 15 days
ahead; a new or reset password (not on a demo account) or an expired one blocks pages and API until changed."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from conftest import give_totp_device, make_user
from sanluanwu.accounts import security, services
from sanluanwu.accounts.models import User
from sanluanwu.accounts.tokens import create_token

OLD = "Secret#2020"  # conftest.make_user's password
NEW = "Mq3#Tv8Lp2026"
T0 = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def sam(district: dict[str, Any]) -> Any:
    user = make_user("sam", "security_admin", district["office"])
    give_totp_device(user)  # two-factor login is mandatory for the admin roles
    return user


def _at(time_machine: Any, days: float) -> None:
    time_machine.move_to(T0 + dt.timedelta(days=days), tick=False)


def _set_at(user: User, days: float = 0) -> None:
    User.objects.filter(pk=user.pk).update(password_changed_at=T0 + dt.timedelta(days=days))
    user.refresh_from_db()


def test_a_password_expires_after_180_days_and_90_for_an_admin_role(alice, sam, time_machine):
    _at(time_machine, 0)
    _set_at(alice)
    _set_at(sam)
    assert security.password_expires_at(alice) == T0 + dt.timedelta(days=180)
    assert security.password_expires_at(sam) == T0 + dt.timedelta(days=90)
    _at(time_machine, 89)
    assert not security.password_change_required(sam)
    _at(time_machine, 90)
    assert security.password_change_required(sam) and not security.password_change_required(alice)
    _at(time_machine, 180)
    assert security.password_change_required(alice)


def test_an_account_from_before_the_rule_counts_from_when_it_was_made(alice, time_machine):
    User.objects.filter(pk=alice.pk).update(password_changed_at=None, date_joined=T0)
    alice.refresh_from_db()
    _at(time_machine, 179)
    assert not security.password_change_required(alice)
    _at(time_machine, 180)
    assert security.password_change_required(alice)


def test_the_pages_remind_during_the_fifteen_days_before_expiry(client, alice, time_machine):
    _at(time_machine, 0)
    _set_at(alice)
    client.force_login(alice)
    _at(time_machine, 164)
    client.force_login(alice)
    assert "密码将于" not in client.get("/cases/").content.decode()
    _at(time_machine, 170)
    client.force_login(alice)  # the earlier session has long timed out
    assert "您的密码将于10天后过期" in client.get("/cases/").content.decode()


def test_an_expired_password_blocks_pages_and_api_until_it_is_changed(client, alice, time_machine):
    _at(time_machine, 0)
    _set_at(alice)
    _at(time_machine, 181)
    _token, secret = create_token(actor=alice)  # a token of today (a 181-day-old one has expired on its own)
    client.post("/login/", {"username": "alice", "password": OLD})
    blocked = client.get("/cases/")
    assert blocked.status_code == 302 and blocked["Location"] == "/account/password/"
    page = client.get("/account/password/")
    assert page.status_code == 200 and "请先修改密码" in page.content.decode()
    rules = re.search(r"新密码要求：([^<]*)", page.content.decode()).group(1)
    assert "常见" in rules and "至少 10 个字符" in rules and "。；" not in rules  # one sentence, Django's rules too
    api = client.get("/api/v1/cases/")
    assert api.status_code == 403 and "修改密码" in api.json()["detail"]
    by_token = Client().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {secret}")
    assert by_token.status_code == 403 and by_token.json()["code"] == "password_change_required"
    for open_path in ("/healthz/", "/static/css/app.css"):
        assert client.get(open_path).status_code != 302
    client.post("/account/password/", {"current": OLD, "new": NEW, "repeated": NEW})
    assert client.get("/cases/").status_code == 200
    alice.refresh_from_db()
    assert alice.password_changed_at == T0 + dt.timedelta(days=181) and not alice.must_change_password
    assert client.post("/logout/").status_code == 302


def test_a_password_set_by_the_admin_must_be_changed_first(client, sysadmin, district):
    user = User(username="newbie", full_name="新人")
    user.set_password("Initial#2026")
    services.save_user(actor=sysadmin, user=user)
    assert user.must_change_password and user.password_changed_at is not None
    client.post("/login/", {"username": "newbie", "password": "Initial#2026"})
    assert client.get("/cases/")["Location"] == "/account/password/"
    assert client.get("/api/v1/cases/").status_code == 403
    client.post("/account/password/", {"current": "Initial#2026", "new": NEW, "repeated": NEW})
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get("/cases/").get("Location") != "/account/password/"  # no role yet: refused, not redirected


def test_a_reset_by_the_admin_sets_the_forced_change_again(sysadmin, alice):
    assert not alice.must_change_password
    alice.set_password("Reset#2026abc")
    services.save_user(actor=sysadmin, user=alice)
    alice.refresh_from_db()
    assert alice.must_change_password


def test_the_admins_password_form_forces_the_change_too(client, sysadmin, alice, district):
    # The form files a reset request (accounts/tests/test_password_reset.py); a second admin's approval sets it.
    from sanluanwu.accounts import rolechanges
    from sanluanwu.accounts.choices import Role
    from sanluanwu.accounts.models import RoleChangeRequest
    from sanluanwu.accounts.tests.test_separation import _admin

    client.force_login(sysadmin)
    User.objects.filter(pk=sysadmin.pk).update(password_changed_at=security.clock.now())
    response = client.post(f"/admin/accounts/user/{alice.pk}/password/",
                           {"password1": "Reset#2026abc", "password2": "Reset#2026abc", "usable_password": "true"})  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    second = _admin("sec", Role.SECURITY_ADMIN, district)
    rolechanges.approve(actor=second, change_id=RoleChangeRequest.objects.get(user=alice).pk)
    alice.refresh_from_db()
    assert alice.must_change_password and alice.check_password("Reset#2026abc")


def test_a_demo_account_skips_the_first_change_but_not_expiry(client, alice, time_machine):
    _at(time_machine, 0)
    User.objects.filter(pk=alice.pk).update(demo_account=True, must_change_password=True, password_changed_at=T0)
    client.post("/login/", {"username": "alice", "password": OLD})
    assert client.get("/cases/").status_code == 200
    _at(time_machine, 181)
    client.post("/login/", {"username": "alice", "password": OLD})  # the earlier session has long timed out
    answer = client.get("/api/v1/cases/")
    assert answer.status_code == 403 and answer.json()["code"] == "password_change_required"


def test_the_user_admin_shows_the_security_fields_and_the_demo_flag_is_read_only(client, sysadmin, alice):
    client.force_login(sysadmin)
    page = client.get(f"/admin/accounts/user/{alice.pk}/change/").content.decode()
    assert "须修改密码" in page and "密码设置时间" in page and "演示账号" in page
    # 须修改密码 and the dates are the system's: an admin who could untick it kept a password he chose working
    # (helper-46); a new or reset password sets it, its owner's change clears it.
    for field in ("demo_account", "must_change_password", "last_login", "date_joined"):
        assert f'name="{field}"' not in page, field
