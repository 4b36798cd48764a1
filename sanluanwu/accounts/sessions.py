"""“退出所有设备”: end every session of a user and revoke their API tokens; and the daily purge of ended sessions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from sanluanwu.accounts import security
from sanluanwu.accounts.models import User
from sanluanwu.accounts.tokens import revoke_all_tokens
from sanluanwu.audit.services import record_event
from sanluanwu.core import clock, params


def log_out_everywhere(*, actor: Any) -> User:
    """Raise the user's session generation (part of every session's auth hash, so each session of the user, this
    one included, fails its next request), delete their session rows and revoke all their tokens. Audited."""
    with transaction.atomic():
        user = User.objects.select_for_update(no_key=True).get(pk=actor.pk)
        user.session_generation += 1
        user.save(update_fields=["session_generation"])
        ended = security.end_all_sessions(user)
        revoked = revoke_all_tokens(actor=actor, user=user, why="退出所有设备")
        record_event(actor=actor, action="accounts.user.logged_out_everywhere", obj=user,
                     note=f"已结束全部登录会话 {ended} 个，撤销接口令牌 {revoked} 个")  # fmt: skip
    return user


def _ended_by(data: dict[str, Any]) -> tuple[str, dt.datetime | None]:
    """Which limit ended an expired session its user never came back to, and when: the absolute one when it came
    before the idle one (the session's clocks, accounts.security SESSION_LOGIN_AT / SESSION_SEEN_AT)."""
    login_at, seen_at = data.get(security.SESSION_LOGIN_AT), data.get(security.SESSION_SEEN_AT)
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        return security.IDLE, None
    idle_end = seen_at + settings.SESSION_IDLE_SECONDS
    absolute_end = login_at + settings.SESSION_ABSOLUTE_SECONDS
    limit = security.ABSOLUTE if absolute_end <= idle_end else security.IDLE
    return limit, dt.datetime.fromtimestamp(min(idle_end, absolute_end), tz=dt.UTC)


def purge_expired_sessions() -> dict[str, int]:
    """Delete the expired session rows (what Django's clearsessions does), first auditing each logged-in one as ended
    by its timeout: its user never came back, so no request could notice it (accounts.middleware does for those who
    do). Sessions ended otherwise (logout, log out everywhere, a password change) have no row left by then. Run daily
    by the scheduler (reporting's run_schedule)."""
    now = clock.now()
    timed_out = 0
    with transaction.atomic():
        expired = [(s.session_key, s.get_decoded()) for s in Session.objects.select_for_update(no_key=True).filter(
            expire_date__lt=now)]  # fmt: skip
        ids = {str(data.get("_auth_user_id", "")) for _key, data in expired}
        users = {str(u.pk): u for u in User.objects.filter(pk__in=[i for i in ids if params.pk(i)])}
        for _key, data in expired:
            user = users.get(str(data.get("_auth_user_id", "")))
            if user is None:
                continue
            limit, at = _ended_by(data)
            when = f"（约 {timezone.localtime(at):%Y-%m-%d %H:%M}）" if at else ""
            record_event(actor=user, action="accounts.session.timeout", obj=user, changes={"limit": [None, limit]},
                         note=f"{security.timeout_note(limit)}{when}；用户此后未再访问，由定时清理记录")  # fmt: skip
            timed_out += 1
        Session.objects.filter(expire_date__lt=now).delete()  # the rows read above (locked until the commit)
    return {"deleted": len(expired), "timed_out": timed_out}
