"""等保 request guards (rules in accounts/security.py): the login throttle per address, the session timeouts and the
forced password change. Pages are redirected with a Chinese message; the API answers JSON."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template import loader
from django.urls import reverse
from django.utils.http import urlencode

from sanluanwu.accounts import security, twofactor
from sanluanwu.core import clock
from sanluanwu.core.errors import json_error

THROTTLED_TEXT = "来自您所在网络地址的登录失败次数过多，请 {minutes} 分钟后再试"
IDLE_TEXT = "您已 {minutes} 分钟未操作，为保护账号安全已自动退出，请重新登录"
ABSOLUTE_TEXT = "本次登录已超过 {span}，为保护账号安全已自动退出，请重新登录"
# A session cookie whose session is gone (idle past the row's own expiry, ended on every device, a password changed):
# the browser still holds it, so the login page says why the user is there (helper-46: after 35 idle minutes it said
# nothing).
ENDED_TEXT = "您的登录已结束（长时间未操作，或已在其他设备退出、修改了密码），为保护账号安全请重新登录"

# The login paths an address is throttled on (a POST tries a password there).
# Every path that checks a password (the change-password page checks the current one: a failure there counts too).
LOGIN_PATHS = ("/login/", "/admin/login/", "/api/v1/auth/token/", "/account/password/", "/login/code/")


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


class LoginThrottleMiddleware:
    """Too many failed logins from one address: every login path answers 429 (Retry-After) before any password
    is tried, whatever the user name."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        trying = request.method == "POST" and request.path_info in LOGIN_PATHS
        if trying and security.address_throttled(request.META.get("REMOTE_ADDR")):
            return self.throttled(request)
        return self.get_response(request)

    @staticmethod
    def throttled(request: HttpRequest) -> HttpResponse:
        minutes = settings.LOGIN_LOCK_MINUTES
        text = THROTTLED_TEXT.format(minutes=minutes)
        if _is_api(request):
            response: HttpResponse = json_error(text, code="throttled", status=429)
        else:
            page = loader.render_to_string("accounts/throttled.html", {"message": text}, request=request)
            response = HttpResponse(page, status=429, content_type="text/html; charset=utf-8")
        response["Retry-After"] = str(minutes * 60)
        return response


class SessionTimeoutMiddleware:
    """A session ends after SESSION_IDLE_SECONDS without a request and SESSION_ABSOLUTE_SECONDS after its login.
    The last activity is written at most once every SESSION_ACTIVITY_WRITE_SECONDS, so a page view does not write
    the session row (SESSION_SAVE_EVERY_REQUEST did, on every request). The end is audited ("accounts.session.timeout"
    with the limit) by the request that finds it; a session whose user never comes back is audited by the daily purge
    (accounts.sessions.purge_expired_sessions)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ended = self.check(request)
            if ended is not None:
                return ended
        elif self.stale(request):
            messages.info(request, ENDED_TEXT)
        return self.get_response(request)

    @staticmethod
    def stale(request: HttpRequest) -> bool:
        """A page asked with the cookie of a session that no longer exists (not the login page itself, not the API)."""
        if request.method != "GET" or _is_api(request) or request.path_info.startswith(("/login/", "/static/")):
            return False
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return False
        session = getattr(request, "session", None)
        if session is None:
            return False
        "_auth_user_id" in session  # noqa: B015  (loads the session: a key with no row is dropped)
        return session.session_key is None

    def check(self, request: HttpRequest) -> HttpResponse | None:
        session = request.session
        now = int(clock.now().timestamp())
        login_at = session.get(security.SESSION_LOGIN_AT)
        seen_at = session.get(security.SESSION_SEEN_AT)
        if not isinstance(login_at, int) or not isinstance(seen_at, int):
            # A session from before these rules: its clocks start now.
            session[security.SESSION_LOGIN_AT] = session[security.SESSION_SEEN_AT] = now
            return None
        if now - login_at >= settings.SESSION_ABSOLUTE_SECONDS:
            return self.end(request, ABSOLUTE_TEXT.format(span=security.span_words(settings.SESSION_ABSOLUTE_SECONDS)),
                            limit=security.ABSOLUTE)  # fmt: skip
        if now - seen_at >= settings.SESSION_IDLE_SECONDS:
            return self.end(request, IDLE_TEXT.format(minutes=settings.SESSION_IDLE_SECONDS // 60), limit=security.IDLE)
        if now - seen_at >= settings.SESSION_ACTIVITY_WRITE_SECONDS:
            session[security.SESSION_SEEN_AT] = now  # modified: saved (and its expiry renewed) with this response
        return None

    @staticmethod
    def end(request: HttpRequest, text: str, *, limit: str) -> HttpResponse:
        security.record_session_timeout(request, limit=limit)  # audited once: the request that deletes its row
        setattr(request, security.TIMED_OUT, True)  # not a logout by the person (security.on_logged_out)
        logout(request)  # flushes the session: the cookie gets a new empty key
        if _is_api(request):
            return json_error(text, code="session_expired", status=401)
        messages.info(request, text)
        return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}" if request.method == "GET"
                        else reverse("login"))  # fmt: skip


class PasswordPolicyMiddleware:
    """A new, reset (not on a demo account) or expired password: every page redirects to the password page, every
    API call is refused 403, until it is changed. Logout, the password page, static files and health stay open.
    (The API's token requests are refused by security.PasswordCurrent, which sees the token's user.)"""

    OPEN_PREFIXES = ("/account/password/", "/logout/", "/healthz/", "/favicon.ico", "/static/", "/login/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith(self.OPEN_PREFIXES) or path.startswith(f"/{settings.STATIC_URL.lstrip('/')}"):
            return self.get_response(request)
        if not security.password_change_required(getattr(request, "user", None)):
            return self.get_response(request)
        if _is_api(request):
            return json_error(security.PASSWORD_CHANGE_TEXT, code="password_change_required", status=403)
        return redirect("account_password")


# Reachable whatever the session owes: leaving, the two steps themselves, and what a page needs to render.
ALWAYS_OPEN = ("/logout/", "/static/", "/favicon.ico", "/healthz/")


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(ALWAYS_OPEN):
            return self.get_response(request)
        state = twofactor.session_state(request)
        code_url, enrol_url = reverse("login_code"), reverse("account_2fa")
        if state == twofactor.PENDING and request.path != code_url:
            return self._refuse(request, code_url, "请先完成双因素认证（输入动态码）")
        # The first password's change comes before the enrolment (PasswordPolicyMiddleware sends every other page
        # to it): a new admin account owes both, and each step sending to the other left it unusable.
        if state == twofactor.ENROL and request.path not in (enrol_url, reverse("account_password")):
            return self._refuse(request, enrol_url, "您的角色必须先绑定双因素认证")
        # A non-staff user gets the admin's own refusal (its login page); a staff user needs the second factor.
        if request.path.startswith("/admin/") and user.is_staff and state != twofactor.VERIFIED:
            return self._refuse(request, enrol_url if state == twofactor.NONE else code_url,
                                "基础数据管理须使用双因素认证登录")  # fmt: skip
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, to: str, why: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return json_error(why, code="two_factor_required", status=403)
        # The page it sends to says why (an admin following 基础数据 found only the binding page, with no reason).
        messages.warning(request, why)
        return redirect(f"{to}?{urlencode({'next': request.get_full_path()})}")
