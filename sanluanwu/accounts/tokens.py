"""API tokens (等保 2.0): a random secret shown once, stored as its SHA-256 only, with an expiry.

Services (keyword-only, an actor, one transaction, audited) to create and revoke them, and the DRF authentication
class that reads `Authorization: Token <secret>` as rest_framework.authtoken did, so clients keep working.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import authentication, exceptions

from sanluanwu.accounts.enrolment import must_enrol
from sanluanwu.accounts.models import ApiToken, User
from sanluanwu.audit.services import record_event
from sanluanwu.core import clock
from sanluanwu.core.errors import PermissionDenied, ValidationFailed
from sanluanwu.core.text import clean_text

# last_used_at is written at most this often per token: a use a minute is enough to read "in use", and a client
# calling many times a second does not write a row each time.
LAST_USED_EVERY = dt.timedelta(minutes=1)
PREFIX_LENGTH = 8
MAX_DAYS = 90


ENROL_FIRST = "您的角色必须使用双因素认证：请先登录页面按提示绑定验证器，之后取得接口令牌时一并填写动态码（otp）"


def token_days() -> int:
    """Days a new token lasts: settings.API_TOKEN_DAYS (env API_TOKEN_DAYS, default 30), never more than 90."""
    return max(1, min(int(getattr(settings, "API_TOKEN_DAYS", 30)), MAX_DAYS))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(*, actor: Any, name: str = "") -> tuple[ApiToken, str]:
    """A new token of the actor's own (nobody creates one for another): returns it and its secret, shown once."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录")
    if must_enrol(actor):  # an admin role's second factor holds on the API too: no token by password alone
        raise PermissionDenied(ENROL_FIRST)
    name = clean_text(name)  # a NUL, a control or a bidi override: never part of a name (PostgreSQL refuses a NUL)
    if len(name) > 60:
        raise ValidationFailed({"name": ["名称不能超过 60 个字符"]})
    secret = secrets.token_urlsafe(32)
    now = clock.now()
    with transaction.atomic():
        token = ApiToken.objects.create(user_id=actor.pk, name=name, prefix=secret[:PREFIX_LENGTH],
                                        key_hash=hash_secret(secret), created_at=now,
                                        expires_at=now + dt.timedelta(days=token_days()))  # fmt: skip
        record_event(actor=actor, action="accounts.token.created", obj=token,
                     note=f"令牌 {token.prefix}…，有效期至 {timezone.localtime(token.expires_at):%Y-%m-%d %H:%M}")  # fmt: skip
    return token, secret


def revoke_token(*, actor: Any, token_id: int) -> ApiToken:
    """The owner revokes one of their tokens; someone else's is not found (404 in the page)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update(no_key=True).filter(pk=token_id, user_id=actor.pk).first()
        if token is None:
            raise ApiToken.DoesNotExist
        if token.revoked_at is None:
            token.revoked_at = clock.now()
            token.save(update_fields=["revoked_at"])
            record_event(actor=actor, action="accounts.token.revoked", obj=token, note=f"令牌 {token.prefix}…")
    return token


def revoke_all_tokens(*, actor: Any, user: User, why: str) -> int:
    """Revoke every live token of the user, in the caller's transaction (password change, log out everywhere)."""
    now = clock.now()
    with transaction.atomic():
        live = list(ApiToken.objects.select_for_update(no_key=True).filter(user=user, revoked_at__isnull=True))
        for token in live:
            token.revoked_at = now
            token.save(update_fields=["revoked_at"])
            record_event(actor=actor, action="accounts.token.revoked", obj=token, note=f"令牌 {token.prefix}…：{why}")
    return len(live)


def tokens_of(user: Any) -> Any:
    """The user's own tokens, newest first (the page lists only these)."""
    return ApiToken.objects.filter(user_id=user.pk).order_by("-created_at", "-id")


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <secret>`: the secret's hash must name a token neither expired nor revoked."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        now = clock.now()
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_secret(key)).first()
        if token is None or token.revoked_at is not None or token.expires_at <= now:
            raise exceptions.AuthenticationFailed("令牌无效、已过期或已撤销")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("账号已停用")
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
            # A plain UPDATE, not an audited change: a use is not a change of the token.
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
