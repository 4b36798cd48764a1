"""TOTP two-factor login (django-otp): enrolment, the second step after the password, and who must use it.

Mandatory for the admin roles (三员分立, accounts.choices.ADMIN_ROLES) except demo accounts (so a visitor logs in
with the README's password; once enrolled they need the code too); optional for everyone else; the Django admin
needs a verified session whoever asks. What a session still owes is decided once at login and kept in the session
(SESSION_STATE), so a request costs no query for it (core.middleware reads it).
"""

from __future__ import annotations

import base64
import io
from typing import Any

import django_otp
from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanluanwu.accounts import tokens
from sanluanwu.accounts.enrolment import has_device, holds_admin_role, must_enrol
from sanluanwu.accounts.models import User
from sanluanwu.accounts.permissions import require
from sanluanwu.accounts.scope import scope_for
from sanluanwu.accounts.security import end_all_sessions
from sanluanwu.audit.services import record_event
from sanluanwu.core.errors import PermissionDenied, ValidationFailed
from sanluanwu.core.text import clean_text

SESSION_STATE = "slw_2fa"
# The session's state: no device and none needed; verified with a code; owes a code; must enrol first.
NONE, VERIFIED, PENDING, ENROL = "none", "verified", "pending", "enrol"


def device_of(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()


def state_at_login(user: Any) -> str:
    if has_device(user):
        return PENDING
    return ENROL if must_enrol(user) else NONE


def note_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """At every login (a new session key): what the session owes before it reaches anything."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STATE] = state_at_login(user)


def session_state(request: HttpRequest) -> str:
    """What this logged-in session still owes (computed and kept once for a session that predates the field)."""
    state = request.session.get(SESSION_STATE)
    if state not in (NONE, VERIFIED, PENDING, ENROL):
        state = state_at_login(request.user)
        request.session[SESSION_STATE] = state
    return str(state)


def mark_verified(request: HttpRequest, device: TOTPDevice) -> None:
    django_otp.login(request, device)
    request.session[SESSION_STATE] = VERIFIED


def check_code(*, user: Any, code: str, where: str) -> bool:
    """Whether the code is right for the user's device (django-otp throttles repeated failures); a failure is
    audited as a security event."""
    device = device_of(user)
    if device is None:
        return False
    if device.verify_token((code or "").strip()):
        return True
    with transaction.atomic():
        record_event(actor=user, action="accounts.otp.failed", obj=user, note=f"双因素动态码错误（{where}）",
                     result="failure")  # fmt: skip
    return False


def failed_code_text(user: Any) -> str:
    """What a refused code is told: a wrong code, or (django-otp's throttle after repeated failures, which refuses even
    the right code meanwhile) to wait, for how long the throttle's window is."""
    device = device_of(user)
    allowed, data = device.verify_is_allowed() if device is not None else (True, None)
    locked_until = (data or {}).get("locked_until")
    if allowed or locked_until is None or device is None or device.throttling_failure_timestamp is None:
        return "动态码不正确"
    seconds = max(1, int((locked_until - device.throttling_failure_timestamp).total_seconds()))
    return f"动态码错误次数过多，请在 {seconds} 秒后输入最新的动态码（在此之前的输入一律不予验证）"


def start_enrolment(*, actor: Any) -> TOTPDevice:
    """A new, unconfirmed secret for the actor (any earlier unconfirmed one is dropped): shown as a QR code."""
    if has_device(actor):
        raise ValidationFailed({"code": ["已绑定双因素认证；如需更换请先解除绑定"]})
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=actor.pk, confirmed=False).delete()
        return TOTPDevice.objects.create(user_id=actor.pk, name="验证器", confirmed=False)


def pending_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("-pk").first()


def confirm_enrolment(*, actor: Any, code: str, keep_session: str | None = None) -> TOTPDevice:
    """The first right code confirms the device. Audited; every other session of the user ends (they logged in
    without the second factor) and its row is deleted; `keep_session` (the one enrolling) goes on."""
    device = pending_device(actor)
    if device is None:
        raise ValidationFailed({"code": ["请先生成二维码"]})
    if not device.verify_token((code or "").strip()):
        raise ValidationFailed({"code": ["动态码不正确，请核对手机时间后重试"]})
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        user = User.objects.select_for_update(no_key=True).get(pk=actor.pk)
        user.session_generation += 1
        user.save(update_fields=["session_generation"])
        end_all_sessions(user, keep=keep_session)
        # Tokens were taken with the password alone (before the second factor): they end with the other sessions.
        revoked = tokens.revoke_all_tokens(actor=actor, user=user, why="绑定双因素认证，此前仅凭密码取得的令牌失效")
        record_event(actor=actor, action="accounts.otp.enrolled", obj=user,
                     note="已绑定双因素认证（TOTP）" + (f"，撤销接口令牌 {revoked} 个" if revoked else ""))  # fmt: skip
    return device


def remove_device(*, actor: Any, code: str) -> None:
    """The owner removes their device with a right code; an admin role may not (two-factor is mandatory there)."""
    device = device_of(actor)
    if device is None:
        raise ValidationFailed({"code": ["尚未绑定双因素认证"]})
    if holds_admin_role(actor):
        raise PermissionDenied("管理员角色必须使用双因素认证，不能解除绑定")
    if not check_code(user=actor, code=code, where="解除绑定"):
        raise ValidationFailed({"code": [failed_code_text(actor)]})
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=actor.pk).delete()
        record_event(actor=actor, action="accounts.otp.removed", obj=actor, note="已解除双因素认证（TOTP）")


def reset_devices(*, actor: Any, user: User, reason: str) -> int:
    """设备丢失: the security admin (security.reset_2fa) removes every two-factor device of another user, with the
    reason. Every session of the user ends and its row is deleted (one may be on the lost phone); at the next login
    the user must enrol again where it is mandatory (an admin role: twofactor.must_enrol), else logs in with the
    password until they enrol. Nobody resets their own: that would let a stolen password replace the second factor.
    Audited; returns the number of devices removed."""
    require(scope_for(actor), "security.reset_2fa")
    if actor.pk == user.pk:
        raise PermissionDenied("不能重置自己的双因素认证：请由另一名安全管理员办理")
    why = clean_text(reason or "")[:200]
    if not why:
        raise ValidationFailed({"reason": ["请填写重置原因（如：手机丢失，本人电话核实身份）"]})
    with transaction.atomic():
        subject = User.objects.select_for_update(no_key=True).get(pk=user.pk)
        devices = TOTPDevice.objects.filter(user_id=subject.pk)
        removed = devices.count()
        if not removed:
            raise ValidationFailed({"username": [f"用户“{subject.username}”未绑定双因素认证，无需重置"]})
        devices.delete()
        subject.session_generation += 1
        subject.save(update_fields=["session_generation"])
        ended = end_all_sessions(subject)
        # Its tokens go too (helper-48): taken with the lost device's codes, or by whoever holds the phone now.
        revoked = tokens.revoke_all_tokens(actor=actor, user=subject, why="重置双因素认证（设备丢失）")
        then = "下次登录须重新绑定" if must_enrol(subject) else "下次登录只需密码，可自行重新绑定"
        record_event(actor=actor, action="accounts.otp.reset", obj=subject, changes={"devices": [removed, 0]},
                     note=f"{why}（删除设备 {removed} 个，结束登录会话 {ended} 个，撤销接口令牌 {revoked} 个；{then}）")  # fmt: skip
    return removed


def after_enrolment(request: HttpRequest, device: TOTPDevice) -> None:
    """This session goes on, verified by the code just typed."""
    update_session_auth_hash(request, User.objects.get(pk=int(getattr(request.user, "pk", 0))))
    mark_verified(request, device)


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth URI as an SVG QR code made here (no outside service), for an <img src="data:…">."""
    import qrcode
    import qrcode.image.svg

    out = io.BytesIO()
    qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage).save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def base32_secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode()


def grouped_secret(device: TOTPDevice) -> str:
    """The key as a person types it into an authenticator: groups of four (apps ignore the spaces), no padding."""
    secret = base32_secret(device).rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
