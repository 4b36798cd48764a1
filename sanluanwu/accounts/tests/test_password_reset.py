"""三员分立 for passwords: a system admin who sets someone else's password only asks for it; a second admin approves,
and the owner (demo accounts too) must change it before anything else works."""

from __future__ import annotations

import pytest
from django.test import Client

from sanluanwu.accounts import rolechanges
from sanluanwu.accounts.choices import Role
from sanluanwu.accounts.models import RoleChangeRequest, User
from sanluanwu.accounts.tests.test_separation import _admin
from sanluanwu.accounts.tokens import create_token
from sanluanwu.audit.models import AuditEvent
from sanluanwu.core.errors import PermissionDenied, ValidationFailed

RESET = "Reset#2026abc"
MINE = "Mine#2026xyz!"


@pytest.fixture
def sys_admin(district) -> User:
    return _admin("sys", Role.SYSTEM_ADMIN, district)


@pytest.fixture
def sec_admin(district) -> User:
    return _admin("sec", Role.SECURITY_ADMIN, district)


def _post_reset(sys_admin: User, user: User) -> Client:
    client = Client()
    client.force_login(sys_admin)
    response = client.post(f"/admin/accounts/user/{user.pk}/password/",
                           {"password1": RESET, "password2": RESET, "usable_password": "true"})  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def test_the_admins_password_form_only_files_a_request_the_password_stays(sys_admin, alice):
    old_hash = alice.password
    _post_reset(sys_admin, alice)
    alice.refresh_from_db()
    assert alice.password == old_hash and not alice.must_change_password
    change = RoleChangeRequest.objects.get(user=alice, kind=RoleChangeRequest.Kind.RESET_PASSWORD)
    assert change.status == RoleChangeRequest.Status.PENDING and change.password_hash.startswith(("md5$", "pbkdf2"))
    assert RESET not in change.password_hash and "重置" in change.describe()
    assert AuditEvent.objects.filter(action="accounts.rolechange.requested", object_id=str(change.pk)).exists()


def test_the_requester_cannot_approve_his_own_reset(sys_admin, alice):
    _post_reset(sys_admin, alice)
    change = RoleChangeRequest.objects.get(user=alice)
    with pytest.raises(PermissionDenied):
        rolechanges.approve(actor=sys_admin, change_id=change.pk)


def test_a_second_admins_approval_sets_it_ends_sessions_and_tokens_and_forces_the_change(sys_admin, sec_admin, alice):
    session = Client()
    session.force_login(alice)
    token, _secret = create_token(actor=alice, name="手机")
    _post_reset(sys_admin, alice)
    change = RoleChangeRequest.objects.get(user=alice)
    rolechanges.approve(actor=sec_admin, change_id=change.pk)
    alice.refresh_from_db()
    change.refresh_from_db()
    assert alice.check_password(RESET) and alice.must_change_password and alice.password_reset
    assert change.password_hash == ""  # no copy of the hash is left on the request
    assert session.get("/cases/").status_code == 302  # the old session ended
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="accounts.user.password_reset", object_id=str(alice.pk))
    assert "sys" in event.note and "sec" in event.note and RESET not in event.note
    client = Client()
    client.post("/login/", {"username": "alice", "password": RESET})
    assert client.get("/cases/")["Location"] == "/account/password/"
    client.post("/account/password/", {"current": RESET, "new": MINE, "repeated": MINE})
    alice.refresh_from_db()
    assert not alice.must_change_password and not alice.password_reset
    assert client.get("/cases/").status_code == 200


def test_a_demo_account_must_change_a_reset_password_too(sys_admin, sec_admin, alice):
    User.objects.filter(pk=alice.pk).update(demo_account=True)
    alice.refresh_from_db()
    _post_reset(sys_admin, alice)
    rolechanges.approve(actor=sec_admin, change_id=RoleChangeRequest.objects.get(user=alice).pk)
    client = Client()
    client.post("/login/", {"username": "alice", "password": RESET})
    assert client.get("/cases/")["Location"] == "/account/password/"


def test_a_rejected_reset_changes_nothing_and_keeps_no_hash(sys_admin, sec_admin, alice):
    old_hash = alice.password
    _post_reset(sys_admin, alice)
    change = rolechanges.reject(actor=sec_admin, change_id=RoleChangeRequest.objects.get(user=alice).pk, note="未核实")
    alice.refresh_from_db()
    assert alice.password == old_hash and change.password_hash == ""


def test_a_weak_password_or_ones_own_is_refused(sys_admin, alice):
    with pytest.raises(ValidationFailed):
        rolechanges.request_password_reset(actor=sys_admin, user=alice, password="alice12345")
    with pytest.raises(PermissionDenied):
        rolechanges.request_password_reset(actor=sys_admin, user=sys_admin, password=RESET)
    client = Client()
    client.force_login(sys_admin)
    response = client.post(f"/admin/accounts/user/{sys_admin.pk}/password/",
                           {"password1": RESET, "password2": RESET, "usable_password": "true"})  # fmt: skip
    assert response["Location"] == "/account/password/"
    assert not RoleChangeRequest.objects.exists()


def test_disabling_someones_password_login_is_a_request_a_second_admin_approves(sys_admin, sec_admin, alice):
    """One system admin alone could otherwise lock the security or audit admin out of their accounts."""
    session = Client()
    session.force_login(alice)
    old_hash = alice.password
    client = Client()
    client.force_login(sys_admin)
    response = client.post(f"/admin/accounts/user/{alice.pk}/password/", {"usable_password": "false"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.password == old_hash and alice.has_usable_password()
    assert session.get("/cases/").status_code == 200  # nothing happened yet
    change = RoleChangeRequest.objects.get(user=alice, kind=RoleChangeRequest.Kind.RESET_PASSWORD)
    assert change.status == RoleChangeRequest.Status.PENDING and change.describe() == "停用 alice 的密码登录"
    with pytest.raises(PermissionDenied):
        rolechanges.approve(actor=sys_admin, change_id=change.pk)
    rolechanges.approve(actor=sec_admin, change_id=change.pk)
    alice.refresh_from_db()
    change.refresh_from_db()
    assert not alice.has_usable_password() and not alice.must_change_password
    assert change.describe() == "停用 alice 的密码登录" and len(change.password_hash) == 1  # the marker, no hash
    assert session.get("/cases/").status_code == 302  # her sessions ended
    event = AuditEvent.objects.get(action="accounts.user.password_reset", object_id=str(alice.pk))
    assert "停用密码登录" in event.note


def test_the_admins_password_form_speaks_chinese_and_says_a_second_admin_decides(sys_admin, alice):
    client = Client()
    client.force_login(sys_admin)
    page = client.get(f"/admin/accounts/user/{alice.pk}/password/").content.decode()
    assert "If disabled" not in page and "须由另一名管理员批准后生效" in page
    index = client.get("/admin/").content.decode()
    assert "Model name" not in index and "Change or view list link" not in index
