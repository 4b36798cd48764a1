"""等保 2.0 level-2 account rules: login lockout and throttle (django-axes), password expiry and the forced change,
ending a user's sessions, and the security events of logins.

- An account is locked after settings.LOGIN_FAILURE_LIMIT failed logins within LOGIN_LOCK_MINUTES, for
  LOGIN_LOCK_MINUTES (axes counts by user name; its AccessAttempt rows are the record). The login answers a locked
  account exactly as a wrong password or an unknown user: no oracle. The security admin unlocks (`unlock`).
- An address with LOGIN_ADDRESS_FAILURE_LIMIT failures within the same window is answered 429 on every login path
  (accounts.middleware.LoginThrottleMiddleware), counted from the same rows plus the tries against a locked account
  (`record_locked_try`: axes records none, so that a try does not extend the lock).
- A password expires PASSWORD_MAX_AGE_DAYS after it was set (PASSWORD_ADMIN_MAX_AGE_DAYS for an admin role); a new
  or reset one (must_change_password) must be changed first, except on the demo's accounts. Until then only the
  password page, logout, static files and the health check answer (accounts.middleware, PasswordCurrent for the API).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Max, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import BasePermission

from sanluanwu.accounts.choices import ADMIN_ROLES
from sanluanwu.accounts.models import User
from sanluanwu.accounts.permissions import require
from sanluanwu.accounts.scope import scope_for
from sanluanwu.audit.memo import remembered
from sanluanwu.audit.services import record_event
from sanluanwu.core import clock
from sanluanwu.core.errors import PermissionDenied, ValidationFailed
from sanluanwu.core.text import strip_controls

LOGIN_FAILED_TEXT = "用户名或密码不正确，或账号已被暂时锁定"
PASSWORD_CHANGE_TEXT = "请先修改密码：您的密码是新设置或被重置的，或已过期，修改后才能继续使用本系统"

# Session keys (accounts.middleware.SessionTimeoutMiddleware): when this session logged in and was last active,
# as epoch seconds (the session serializer is JSON).
SESSION_LOGIN_AT = "_slw_login_at"
SESSION_SEEN_AT = "_slw_seen_at"


# Lockout and throttle ------------------------------------------------------------------------------------------


class LockoutBackend(AxesStandaloneBackend):
    """axes' check before the password is tried. An authenticate() without a request is not a login from outside
    (the test client's login(), a shell): every HTTP login path (the login page, the admin's, the token endpoint)
    passes its request and is tested for the lockout in accounts/tests/test_lockout.py."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if request is None:
            return None
        _clean_user_agent(request)
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        except AxesBackendPermissionDenied:
            # A locked account is refused before any password is hashed: hash one anyway, as Django does for an
            # unknown user, so that the time of the answer does not tell a locked account either.
            User().set_password(password or "")
            raise


class RememberedUserBackend(ModelBackend):
    """Django's model backend, with the logged-in user's row read once until the next write of accounts (audit.memo,
    topic "accounts"): a password change, a deactivation, "log out everywhere" and a role change are audited
    accounts events, so every process reads the row again on its next request. Each request gets its own instance."""

    def get_user(self, user_id: Any) -> Any:
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        names = [f.attname for f in User._meta.concrete_fields]
        row = remembered(("user_row", pk), lambda: User.objects.filter(pk=pk).values_list(*names).first(),
                         topics=("accounts",))  # fmt: skip
        if row is None:
            return None
        user = User.from_db(DEFAULT_DB_ALIAS, names, row)
        return user if self.user_can_authenticate(user) else None


def _clean_user_agent(request: Any) -> None:
    """axes keeps the User-Agent of a failed login in its records (a 255-character column, part of the row's key): a
    NUL in the header was a 500 on PostgreSQL, which refuses it in text, and other control characters reached the
    records. The header is cleaned and cut before axes reads it; nothing else stores it."""
    agent = request.META.get("HTTP_USER_AGENT")
    if agent is not None:
        request.META["HTTP_USER_AGENT"] = strip_controls(str(agent))[:255]


def span_words(seconds: int) -> str:
    """12 小时, 30 分钟 or 45 秒: a configured limit as the messages say it (a short test setting reads right too)."""
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds // 3600} 小时"
    if seconds >= 60:
        return f"{seconds // 60} 分钟"
    return f"{seconds} 秒"


def lockout_response(request: HttpRequest, original_response: HttpResponse | None, credentials: Any) -> HttpResponse:
    """axes' answer to a login it refused: the plain failed login the view already made (same page, status and text
    as a wrong password), so a locked account cannot be told from a wrong password or an unknown user."""
    if original_response is not None:
        return original_response
    return HttpResponse(LOGIN_FAILED_TEXT, status=400, content_type="text/plain; charset=utf-8")


def _window_start() -> dt.datetime:
    return clock.now() - dt.timedelta(minutes=settings.LOGIN_LOCK_MINUTES)


def address_failures(ip_address: str | None) -> int:
    """Failed logins from one address within the window, whatever the user names tried, a locked account's too."""
    if not ip_address:
        return 0
    since = _window_start()
    rows = AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since)
    counted = int(rows.aggregate(n=Sum("failures_since_start"))["n"] or 0)
    return counted + _locked_tries().filter(ip_address=ip_address, attempt_time__gte=since).count()


def _locked_tries() -> QuerySet[AccessFailureLog]:
    # Only this module writes AccessFailureLog rows (AXES_ENABLE_ACCESS_FAILURE_LOG is off), always locked_out=True.
    return AccessFailureLog.objects.filter(locked_out=True)


def record_locked_try(request: Any, username: str) -> None:
    """A try against a locked account. axes refuses it without a record (a record would restart the account's 15
    minutes, AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so without this row it would not count toward its
    address's throttle: an address got 20 tries plus every try at the account it had locked. One row per try, in
    axes' own failure log; rows older than the window count for nothing and go."""
    address = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR") or None
    if not address:
        return
    _locked_tries().filter(attempt_time__lt=_window_start()).delete()
    AccessFailureLog.objects.create(
        username=username[:255],
        ip_address=address,
        user_agent=strip_controls(str(getattr(request, "axes_user_agent", "")))[:255],
        http_accept=strip_controls(str(getattr(request, "axes_http_accept", "")))[:1025],
        path_info=strip_controls(request.path_info)[:255],
        locked_out=True,
    )


def address_throttled(ip_address: str | None) -> bool:
    return address_failures(ip_address) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


@dataclass(frozen=True)
class Lockout:
    username: str
    failures: int
    last_failure: dt.datetime

    @property
    def until(self) -> dt.datetime:
        return self.last_failure + dt.timedelta(minutes=settings.LOGIN_LOCK_MINUTES)

    @property
    def shown(self) -> str:
        """The name as the page shows it: an invisible character as its code point (auditor\u200b is no auditor)."""
        return shown_name(self.username)


def current_lockouts() -> list[Lockout]:
    """The accounts (user names tried, known or not) locked now, the most recent first. Not scoped to a town:
    only the security admin reads it (security.unlock)."""
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=_window_start())
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.LOGIN_FAILURE_LIMIT)
        .order_by("-last", "username")
    )
    return [Lockout(r["username"] or "", int(r["failures"]), r["last"]) for r in rows]


def unlock(*, actor: Any, username: str) -> int:
    """The security admin lifts an account's lock (its counted failures go with it); audited. Returns how many
    failure records were removed; an account that is not locked is refused."""
    require(scope_for(actor), "security.unlock")
    if len(username) > 255 or strip_controls(username) != username:  # no account has such a name (a NUL: a 500)
        raise ValidationFailed({"username": ["该账号没有登录失败记录，无需解锁"]})
    with transaction.atomic():
        attempts = AccessAttempt.objects.select_for_update(no_key=True).filter(username=username)
        subject = User.objects.filter(username=username).first() or attempts.first()
        if subject is None or not attempts.exists():
            raise ValidationFailed({"username": ["该账号没有登录失败记录，无需解锁"]})
        failures = int(attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0)
        count, _ = attempts.delete()
        _locked_tries().filter(username=username).delete()  # its tries while locked go with the lock
        record_event(actor=actor, action="accounts.account.unlocked", obj=subject,
                     note=f"解除登录锁定：{username}（清除失败登录 {failures} 次）")  # fmt: skip
    return count


# Security events of logins (receivers connected in AccountsConfig.ready()) ---------------------------------------


@dataclass(frozen=True)
class _Stranger:
    """Who tried to log in, as the audit event names them: only the user name typed."""

    username: str
    display_name: str = "（未登录）"
    pk: None = None


class _Attempt:
    """An attempt on a user name no account has, as an audit event names it (axes' own name is English: "Attempted
    Access: <time> …"): the record it points at, said in Chinese."""

    def __init__(self, attempt: AccessAttempt):
        self._meta, self.pk, self.username = attempt._meta, attempt.pk, attempt.username

    def __str__(self) -> str:
        return f"登录尝试（用户名 {shown_name(self.username)}）"


def _client_address(request: Any) -> str:
    return str(getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", "") or "")


def record_login(request: Any, user: User, *, via: str) -> None:
    """A successful login (page, admin or token endpoint; after its code where it has one) as a security event; the
    account's failed logins are cleared then (axes' own reset on success is off: settings.AXES_RESET_ON_SUCCESS)."""
    from axes.utils import reset

    with transaction.atomic():
        reset(username=user.username)
        record_event(actor=user, action="accounts.login.succeeded", obj=user,
                     note=f"{via}登录成功，地址 {_client_address(request)}")  # fmt: skip


# Whether a user's login has a second step after the password (accounts.twofactor registers has_device): the
# password alone is then recorded as such, and the login as succeeded only after the code.
SECOND_STEPS: list[Callable[[Any], bool]] = []


def on_logged_in(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    """Start the session's clocks; a login through a form (POST) is audited. Django has already given the session a
    new key (login() cycles it), so a key known before the login is worth nothing after it."""
    if request is None or not hasattr(request, "session"):
        return
    now = int(clock.now().timestamp())
    request.session[SESSION_LOGIN_AT] = now
    request.session[SESSION_SEEN_AT] = now
    if request.method == "POST":  # the test client's force_login() is no login by a person
        via = "管理后台" if request.path_info.startswith("/admin/") else "页面"
        if any(step(user) for step in SECOND_STEPS):  # the login succeeds with the code (login_code), not before
            with transaction.atomic():
                record_event(actor=user, action="accounts.login.password_ok", obj=user,
                             note=f"{via}密码正确，待输入双因素动态码，地址 {_client_address(request)}")  # fmt: skip
        else:
            record_login(request, user, via=via)


def shown_name(username: str) -> str:
    """A user name someone typed, as the security events show it: an invisible or direction-changing character
    (U+202E turns the rest of a line around) written as its code point, so a reviewer reads what was typed."""
    return "".join(f"<U+{ord(ch):04X}>" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch
                   for ch in username)  # fmt: skip


def on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    """A failed login: the user name tried and the address; and, when this failure locked the account, the lock."""
    if request is None:
        return
    username = str(credentials.get("username") or "")[:150]
    said = shown_name(username)
    address = _client_address(request)
    subject: Any = User.objects.filter(username=username).first() if username else None
    locked = bool(getattr(request, "axes_locked_out", False))
    just_locked = locked and getattr(request, "axes_failures_since_start", None) is not None
    with transaction.atomic():
        if subject is None:
            attempt = AccessAttempt.objects.filter(username=username, ip_address=address).first()
            subject = _Attempt(attempt) if attempt is not None else None
        if subject is None:
            subject = User(username=said)  # nothing to point at (axes off): the event still says who and where
        if locked and not just_locked:
            record_locked_try(request, username)
            note = f"账号已锁定，未验证密码；尝试的用户名 {said}，地址 {address}"
        elif credentials.get("via"):
            note = f"{credentials['via']}不正确；用户名 {said}，地址 {address}"
        else:
            note = f"用户名或密码不正确；尝试的用户名 {said}，地址 {address}"
        record_event(actor=_Stranger(said), action="accounts.login.failed", obj=subject, note=note,
                     result="failure")  # fmt: skip
        if just_locked:
            record_event(actor=_Stranger(said), action="accounts.account.locked", obj=subject,
                         note=f"{settings.LOGIN_LOCK_MINUTES} 分钟内登录失败 {settings.LOGIN_FAILURE_LIMIT} 次，"
                              f"账号锁定 {settings.LOGIN_LOCK_MINUTES} 分钟；地址 {address}")  # fmt: skip


def wrong_current_password(request: Any) -> bool:
    """A wrong current password on the change-password page counts as a failed login of that account (axes: the same
    5-in-15-minutes lock, and the address's throttle) and is audited as one: a session left open on a shared computer
    is no way to guess its owner's password. True when this failure locked the account (the caller ends the session)."""
    return failed_step(request, via="修改密码时当前密码")


def failed_step(request: Any, *, via: str, username: str = "") -> bool:
    """A wrong answer of a logged-in step (the current password, the second factor's code) counted as a failed login
    of the session's account: the account's lock and the address's throttle hold on every path (helper-46: wrong
    codes at the login's second step counted toward neither). True when this failure locked the account."""
    from axes.handlers.proxy import AxesProxyHandler
    from django.contrib.auth.signals import user_login_failed

    AxesProxyHandler.update_request(request)
    credentials = {"username": username or request.user.username, "via": via}
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    return bool(getattr(request, "axes_locked_out", False))


# Set on a request whose session the timeout ended: its logout is no person's (record_session_timeout audits it).
TIMED_OUT = "_slw_session_timed_out"


def on_logged_out(sender: Any, request: Any, user: Any = None, **kwargs: Any) -> None:
    """A logout by a person (the logout button posts) as a security event."""
    if user is None or request is None or getattr(request, "method", None) != "POST":
        return
    if getattr(request, TIMED_OUT, False):
        return
    with transaction.atomic():
        record_event(
            actor=user,
            action="accounts.session.logged_out",
            obj=user,
            note=f"退出登录，地址 {_client_address(request)}",
        )


# Sessions ----------------------------------------------------------------------------------------------------------


def end_all_sessions(user: User, *, keep: str | None = None) -> int:
    """Delete every session row of the user (all devices, expired ones too), but `keep` (a session key): for "log out
    everywhere", a password change, a new or reset second factor. Raising the session generation already makes those
    sessions worthless; deleting them leaves no row that could be replayed or decoded later. The rows are decoded one
    by one (Django's session table has no user column): a rare event, a few thousand rows at most."""
    mine = []
    for session in Session.objects.only("session_key", "session_data").iterator():
        if session.session_key != keep and str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            mine.append(session.session_key)
    if not mine:
        return 0
    ended, _ = Session.objects.filter(session_key__in=mine).delete()
    return ended


# Why a session ended by itself (accounts.middleware.SessionTimeoutMiddleware, sessions.purge_expired_sessions).
IDLE, ABSOLUTE = "idle", "absolute"


def timeout_note(limit: str) -> str:
    if limit == ABSOLUTE:
        return f"登录已超过 {span_words(settings.SESSION_ABSOLUTE_SECONDS)}，会话自动结束"
    return f"{settings.SESSION_IDLE_SECONDS // 60} 分钟未操作，会话自动结束"


def record_session_timeout(request: HttpRequest, *, limit: str) -> bool:
    """A session ended by its idle or absolute limit (the middleware noticed it on the session's next request): its row
    is deleted and the end audited, once — of two requests racing on the same ended session, only the one that deleted
    the row records it. Nothing is written on a request whose session goes on."""
    user = request.user
    assert isinstance(user, User)  # the middleware asks only for a logged-in user
    key = request.session.session_key
    with transaction.atomic():
        deleted, _ = Session.objects.filter(session_key=key).delete() if key else (0, {})
        if not deleted:
            return False
        record_event(actor=user, action="accounts.session.timeout", obj=user, changes={"limit": [None, limit]},
                     note=f"{timeout_note(limit)}；地址 {_client_address(request)}")  # fmt: skip
    return True


# Password expiry and the forced change --------------------------------------------------------------------------


def _holds_admin_role(user: User) -> bool:
    return bool(scope_for(user).roles & ADMIN_ROLES)


def password_set_at(user: User) -> dt.datetime:
    """When the current password was set; accounts from before the rule count from when they were made."""
    return user.password_changed_at or user.date_joined


def password_expires_at(user: User) -> dt.datetime:
    days = settings.PASSWORD_ADMIN_MAX_AGE_DAYS if _holds_admin_role(user) else settings.PASSWORD_MAX_AGE_DAYS
    return password_set_at(user) + dt.timedelta(days=days)


def _may_need_check(user: User) -> bool:
    """Whether the password is old enough for expiry or its reminder to matter under any role: most requests
    then need no membership query to know the user's roles."""
    shortest = min(settings.PASSWORD_ADMIN_MAX_AGE_DAYS, settings.PASSWORD_MAX_AGE_DAYS)
    return clock.now() >= password_set_at(user) + dt.timedelta(days=shortest - settings.PASSWORD_REMINDER_DAYS)


def days_until_expiry(user: User) -> int | None:
    """Whole days left before the password expires, when within the reminder's days (else None)."""
    if not user.is_authenticated or not user.has_usable_password() or not _may_need_check(user):
        return None
    left = password_expires_at(user) - clock.now()
    if left.total_seconds() <= 0 or left > dt.timedelta(days=settings.PASSWORD_REMINDER_DAYS):
        return None
    return max(1, -(-int(left.total_seconds()) // 86400))  # 0.5 days left reads "1天后"


def password_change_required(user: Any) -> bool:
    """A new or reset password (not on a demo account), or an expired one: nothing works until it is changed."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.must_change_password and (not user.demo_account or user.password_reset):
        return True  # a demo account skips only the first change, never the change after a reset
    if not user.has_usable_password() or not _may_need_check(user):
        return False
    return clock.now() >= password_expires_at(user)


class PasswordChangeRequired(PermissionDenied):
    code = "password_change_required"


class PasswordCurrent(BasePermission):
    """Every API call (session or token) is refused 403 until a new, reset or expired password is changed."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if password_change_required(request.user):
            raise PasswordChangeRequired(PASSWORD_CHANGE_TEXT)
        return True
