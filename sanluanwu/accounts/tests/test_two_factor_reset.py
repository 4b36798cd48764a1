"""A lost authenticator: the security admin resets another user's two-factor devices on /security/two-factor/, with a
reason, audited; the user's sessions end, and they enrol again at the next login where it is mandatory. Nobody
resets their own."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import give_totp_device, make_user
from sanluanwu.accounts import twofactor
from sanluanwu.audit.models import AuditEvent
from sanluanwu.core.errors import PermissionDenied, ValidationFailed

PASSWORD = "Secret#2020"


@pytest.fixture
def sam(district: dict[str, Any]) -> Any:
    """The security admin (an admin role: enrolled, as it must be)."""
    user = make_user("sam", "security_admin", district["office"])
    give_totp_device(user)
    return user


@pytest.fixture
def auditor(district: dict[str, Any]) -> Any:
    user = make_user("audrey", "audit_admin", district["office"])
    give_totp_device(user)
    return user


def _login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_security_admin_lists_the_enrolled_accounts_and_resets_one_with_a_reason(sam, alice, auditor):
    give_totp_device(alice)
    phone = _login(alice)
    assert phone.get("/cases/").status_code == 200
    client = _login(sam)
    page = client.get("/security/two-factor/").content.decode()
    assert "alice" in page and "audrey" in page and "本人（须由另一名安全管理员办理）" in page
    done = client.post("/security/two-factor/", {"username": "alice", "reason": "手机丢失，已电话核实本人"})
    assert done.status_code == 302 and done["Location"] == "/security/two-factor/"
    assert not TOTPDevice.objects.filter(user=alice).exists()
    event = AuditEvent.objects.get(action="accounts.otp.reset")
    assert (event.actor_username, event.object_id) == ("sam", str(alice.pk))
    assert event.note.startswith("手机丢失，已电话核实本人") and event.changes == {"devices": [1, 0]}
    # Every session of the user ended (the lost phone may hold one) and its row is gone.
    assert phone.get("/cases/").status_code == 302
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(alice.pk)]
    # An optional user logs in with the password alone afterwards.
    again = Client()
    again.post("/login/", {"username": "alice", "password": PASSWORD})
    assert again.get("/cases/").status_code == 200


def test_an_admin_role_whose_device_was_reset_must_enrol_again_at_the_next_login(sam, auditor):
    twofactor.reset_devices(actor=sam, user=auditor, reason="更换手机")
    client = Client()
    client.post("/login/", {"username": "audrey", "password": PASSWORD})
    sent = client.get("/audit/log/")
    assert sent.status_code == 302 and sent["Location"].startswith("/account/2fa/")
    assert "下次登录须重新绑定" in AuditEvent.objects.get(action="accounts.otp.reset").note


def test_nobody_resets_their_own_device(sam, district):
    with pytest.raises(PermissionDenied, match="不能重置自己"):
        twofactor.reset_devices(actor=sam, user=sam, reason="丢了")
    forged = _login(sam).post("/security/two-factor/", {"username": "sam", "reason": "丢了"})
    assert forged.status_code == 403 and "不能重置自己" in forged.content.decode()
    assert TOTPDevice.objects.filter(user=sam).exists()
    assert not AuditEvent.objects.filter(action="accounts.otp.reset").exists()


def test_a_reset_needs_a_reason_and_a_device_to_remove(sam, alice):
    with pytest.raises(ValidationFailed, match="原因"):
        twofactor.reset_devices(actor=sam, user=alice, reason=" ")
    refused = _login(sam).post("/security/two-factor/", {"username": "alice", "reason": "手机丢失"})
    assert refused.status_code == 400 and "未绑定双因素认证" in refused.content.decode()
    unknown = _login(sam).post("/security/two-factor/", {"username": "nobody", "reason": "手机丢失"})
    assert unknown.status_code == 400 and "找不到用户" in unknown.content.decode()
    assert not AuditEvent.objects.filter(action="accounts.otp.reset").exists()


@pytest.mark.parametrize("persona", ["sysadmin", "auditor", "office", "alice"])
def test_only_the_security_admin_may_reset_two_factor(request, persona, alice):
    give_totp_device(alice)
    user = request.getfixturevalue(persona)
    client = _login(user)
    assert client.get("/security/two-factor/").status_code == 403
    assert client.post("/security/two-factor/", {"username": "alice", "reason": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        twofactor.reset_devices(actor=user, user=alice, reason="x")
    assert TOTPDevice.objects.filter(user=alice).exists()


def test_a_user_name_with_a_nul_or_a_control_character_is_no_account_and_is_said_so(sam, alice):
    """A NUL in the looked-up name was a 500 on PostgreSQL (found by tests/test_hostile_pages.py)."""
    give_totp_device(alice)
    client = _login(sam)
    for name in ("alice\x00", "ali\x1bce"):
        answer = client.post("/security/two-factor/", {"username": name, "reason": "手机丢失"})
        assert answer.status_code == 400 and "找不到用户" in answer.content.decode()
    assert TOTPDevice.objects.filter(user=alice).exists()
