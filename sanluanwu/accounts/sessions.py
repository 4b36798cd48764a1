"""“退出所有设备”: end every session of a user and revoke their API tokens."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from sanluanwu.accounts.models import User
from sanluanwu.accounts.tokens import revoke_all_tokens
from sanluanwu.audit.services import record_event


def log_out_everywhere(*, actor: Any) -> User:
    """Raise the user's session generation (part of every session's auth hash, so each session of the user, this
    one included, fails its next request) and revoke all their tokens. Audited."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        user.session_generation += 1
        user.save(update_fields=["session_generation"])
        revoked = revoke_all_tokens(actor=actor, user=user, why="退出所有设备")
        record_event(actor=actor, action="accounts.user.logged_out_everywhere", obj=user,
                     note=f"已结束全部登录会话，撤销接口令牌 {revoked} 个")  # fmt: skip
    return user
