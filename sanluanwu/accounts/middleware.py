"""The second factor at the door: a session that owes a code or an enrolment reaches nothing else.

A session's state comes from accounts.twofactor (decided at login, kept in the session): PENDING goes to the code
step, ENROL (an admin role without a device) to the enrolment page, and the Django admin wants VERIFIED from
everyone. The API answers 403 in JSON instead of redirecting; a token request is not a session and is not held here
(the token endpoint asks for the code itself).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from sanluanwu.accounts import twofactor

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
        if state == twofactor.ENROL and request.path != enrol_url:
            return self._refuse(request, enrol_url, "您的角色必须先绑定双因素认证")
        # A non-staff user gets the admin's own refusal (its login page); a staff user needs the second factor.
        if request.path.startswith("/admin/") and user.is_staff and state != twofactor.VERIFIED:
            return self._refuse(request, enrol_url if state == twofactor.NONE else code_url,
                                "基础数据管理须使用双因素认证登录")  # fmt: skip
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, to: str, why: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": why}, status=403)
        return redirect(f"{to}?{urlencode({'next': request.get_full_path()})}")
