"""Every account's own security pages (API tokens, two-factor login, log out everywhere: no permission of the table,
each acts on the user's own account only, like the password page), the API token endpoint, and the audit log pages
of the security and audit admins (三员分立).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LogoutView
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sanluanwu.accounts import queries, security, sessions, tokens, twofactor
from sanluanwu.accounts.decorators import requires
from sanluanwu.accounts.models import ApiToken, User
from sanluanwu.audit.display import ACTION_LABELS, SECURITY_ACTIONS
from sanluanwu.core import clock, params
from sanluanwu.core.api import KnownFields
from sanluanwu.core.errors import DomainError, ValidationFailed
from sanluanwu.core.params import date_error, pk
from sanluanwu.core.text import strip_controls


class TokenRequestSerializer(KnownFields, serializers.Serializer[Any]):
    # As long as a user name can be: a longer one would reach the lockout's 255-character record (a 500 on PostgreSQL).
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(
        required=False, allow_blank=True, help_text="已绑定双因素认证的账号：验证器上的 6 位动态码"
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=60, help_text="令牌名称（可选）")

    def validate_username(self, value: str) -> str:
        """As the login page reads it (Django's UsernameField: NFKC): ｏｆｆｉｃｅ typed with a Chinese input method is
        office on both paths, and counts toward the same account's lock."""
        return unicodedata.normalize("NFKC", value)


class TokenResponseSerializer(KnownFields, serializers.Serializer[Any]):
    token = serializers.CharField(help_text="令牌，只显示这一次")
    expires_at = serializers.DateTimeField()


class ObtainTokenView(APIView):
    """POST username and password (and `otp` when the account has two-factor login): a new token each call (201
    Created), shown once. The password step is django.contrib.auth.authenticate(request=…), so the login lockout
    applies here too."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    table_permissions: dict[str, str] = {}

    @extend_schema(request=TokenRequestSerializer, responses={201: TokenResponseSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = authenticate(request._request, username=values["username"], password=values["password"])
        # One answer for every failure (no oracle), shaped as every other refusal of a request's fields.
        refused = {"non_field_errors": [security.LOGIN_FAILED_TEXT], "code": "login_failed"}
        if user is None or not user.is_active:
            return Response(refused, status=status.HTTP_400_BAD_REQUEST)
        if twofactor.must_enrol(user):  # an admin role not yet enrolled: no token by the password alone
            return Response({"detail": tokens.ENROL_FIRST, "code": "otp_enrolment_required"},
                            status=status.HTTP_403_FORBIDDEN)  # fmt: skip
        if twofactor.has_device(user) and not twofactor.check_code(user=user, code=values.get("otp", ""),
                                                                      where="接口令牌"):  # fmt: skip
            if values.get("otp", "").strip():  # a wrong code counts as a failed login, as on the login page
                security.failed_step(request._request, via="双因素动态码（接口令牌）", username=user.username)
            return Response({"otp": ["请填写正确的双因素动态码"], "code": "otp_invalid"},
                            status=status.HTTP_400_BAD_REQUEST)  # fmt: skip
        security.record_login(request, user, via="接口令牌")
        token, secret = tokens.create_token(actor=user, name=values.get("name", "") or "接口登录")
        return Response({"token": secret, "expires_at": token.expires_at}, status=status.HTTP_201_CREATED)


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The owner's tokens: list (prefix, name, dates), create (the secret shown once on this answer), revoke."""
    errors: dict[str, list[str]] = {}
    created: tuple[ApiToken, str] | None = None
    status_code = 200
    if request.method == "POST":
        try:
            if request.POST.get("revoke"):
                token_id = pk(request.POST["revoke"])  # ASCII digits only: "²" passes isdigit(), not int()
                if token_id is None:
                    raise Http404
                try:
                    tokens.revoke_token(actor=request.user, token_id=token_id)
                except ApiToken.DoesNotExist:
                    raise Http404 from None
                messages.success(request, "令牌已撤销。")
                return redirect("account_tokens")
            created = tokens.create_token(actor=request.user, name=request.POST.get("name", ""))
        except DomainError as exc:
            errors, status_code = exc.errors, exc.status_code
    elif request.method != "GET":
        return HttpResponse(status=405)
    context = {"tokens": tokens.tokens_of(request.user), "created": created, "errors": errors, "now": clock.now(),
               "days": tokens.token_days()}  # fmt: skip
    return render(request, "accounts/tokens.html", context, status=status_code)


def log_out(request: HttpRequest) -> HttpResponseBase:
    """POST logs out (Django's LogoutView). A GET (the address typed, a bookmark) asks with a button, as a form can
    only be sent from a page: answered 405 it looked broken, and a link that logs out could be planted anywhere."""
    if request.method in ("GET", "HEAD"):
        if not request.user.is_authenticated:
            return redirect("login")
        return render(request, "accounts/logout.html", {})
    return LogoutView.as_view()(request)


@login_required
def log_out_everywhere(request: HttpRequest) -> HttpResponse:
    """GET explains, POST ends every session of the user (this one too) and revokes their API tokens."""
    if request.method == "POST":
        sessions.log_out_everywhere(actor=request.user)
        logout(request)
        messages.success(request, "已退出所有设备：全部登录会话已结束，接口令牌已全部撤销。请重新登录。")
        return redirect("login")
    if request.method != "GET":
        return HttpResponse(status=405)
    return render(request, "accounts/sessions.html", {})


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enrolment (a QR code and the base32 secret, confirmed with a code) and, for an optional user, removal."""
    errors: dict[str, list[str]] = {}
    status_code = 200
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            if step == "start":
                twofactor.start_enrolment(actor=request.user)
            elif step == "confirm":
                device = twofactor.confirm_enrolment(actor=request.user, code=request.POST.get("code", ""),
                                                     keep_session=request.session.session_key)  # fmt: skip
                twofactor.after_enrolment(request, device)
                messages.success(request, "双因素认证已绑定。以后登录时，输入密码后还需输入验证器上的动态码。")
                return redirect("home")
            elif step == "remove":
                twofactor.remove_device(actor=request.user, code=request.POST.get("code", ""))
                request.session[twofactor.SESSION_STATE] = twofactor.NONE
                messages.success(request, "已解除双因素认证。")
                return redirect("account_2fa")
            else:  # only a forged form sends another step: said on the page like any refusal
                errors, status_code = {"step": ["未知的操作，请从本页的按钮提交"]}, 400
        except DomainError as exc:
            errors, status_code = exc.errors, exc.status_code
            # A wrong code to remove the second factor counts as a failed login, as the login's own code step does:
            # a session left open on a shared computer is no way to guess codes (helper-48).
            tried = step == "remove" and bool((request.POST.get("code") or "").strip())
            if tried and "code" in errors and security.failed_step(request, via="解除双因素认证时动态码"):
                logout(request)
                messages.error(request, f"动态码连续输错，账号已锁定 {settings.LOGIN_LOCK_MINUTES} 分钟并已退出登录；"
                                        "请稍后重新登录，或请安全管理员解锁")  # fmt: skip
                return redirect("login")
    elif request.method != "GET":
        return HttpResponse(status=405)
    device = twofactor.device_of(request.user)
    pending = None if device else twofactor.pending_device(request.user)
    context = {
        "device": device,
        "pending": pending,
        "qr": twofactor.qr_data_uri(pending) if pending else "",
        "secret": twofactor.grouped_secret(pending) if pending else "",
        "forced": twofactor.session_state(request) == twofactor.ENROL,
        "mandatory": twofactor.holds_admin_role(request.user),
        "errors": errors,
    }
    return render(request, "accounts/two_factor.html", context, status=status_code)


def _safe(request: HttpRequest) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or ""
    return not target or url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def login_code(request: HttpRequest) -> HttpResponse:
    """The login's second step: after the password (Django's LoginView), the code of the user's device."""
    if twofactor.session_state(request) != twofactor.PENDING:
        return render(request, "accounts/login_code.html", {"done": True, "hide_nav": True})
    errors: dict[str, list[str]] = {}
    status_code = 200
    if request.method == "POST":
        if twofactor.check_code(user=request.user, code=request.POST.get("code", ""), where="登录"):
            device = twofactor.device_of(request.user)
            assert device is not None
            request.session.cycle_key()
            twofactor.mark_verified(request, device)
            security.record_login(request, request.user, via="双因素认证后")  # type: ignore[arg-type]  # login_required
            target = request.POST.get("next") or ""
            return redirect(target if target and _safe(request) else "home")
        errors, status_code = {"code": [twofactor.failed_code_text(request.user)]}, 400
        tried = bool((request.POST.get("code") or "").strip())  # an empty field is no wrong code
        if tried and security.failed_step(request, via="双因素动态码"):
            logout(request)
            messages.error(request, f"动态码连续输错，账号已锁定 {settings.LOGIN_LOCK_MINUTES} 分钟；请稍后重新登录，"
                                    "或请安全管理员解锁")  # fmt: skip
            return redirect("login")
    elif request.method != "GET":
        return HttpResponse(status=405)
    # Before the code: no menu, name or message count yet (the login is not complete).
    return render(request, "accounts/login_code.html", {"errors": errors, "next": request.GET.get("next", ""),
                                                        "hide_nav": True},
                  status=status_code)  # fmt: skip


@requires(GET="security.reset_2fa", POST="security.reset_2fa")
def reset_two_factor(request: HttpRequest) -> HttpResponse:
    """The security admin resets another user's two-factor login (a lost phone) with a reason: the accounts that have
    a device, each with its reset form (twofactor.reset_devices)."""
    errors: dict[str, list[str]] = {}
    status_code = 200
    if request.method == "POST":
        username = request.POST.get("username", "")[:150]
        # No account's name holds a control character (a NUL in the lookup is a 500 on PostgreSQL).
        subject = User.objects.filter(username=username).first() if strip_controls(username) == username else None
        try:
            if subject is None:
                raise ValidationFailed({"username": [f"找不到用户“{username}”"]})
            twofactor.reset_devices(actor=request.user, user=subject, reason=request.POST.get("reason", ""))
            messages.success(request, f"已重置“{subject.username}”的双因素认证，其全部登录会话已结束。")
            return redirect("security_2fa")
        except DomainError as exc:
            errors, status_code = exc.errors or {"username": [exc.text]}, exc.status_code
    context = {"users": queries.users_with_two_factor(), "errors": errors, "me": request.user.pk,
               "post": request.POST if errors else {}}  # fmt: skip
    return render(request, "accounts/reset_two_factor.html", context, status=status_code)


@requires(GET="audit.view")
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit admin reads the whole audit log (read-only), filtered by action and date."""
    return _events_page(request, security_only=False)


@requires(GET="security.events")
def security_events(request: HttpRequest) -> HttpResponse:
    """The security admin (and the audit admin) review the security events (read-only), filtered by action and date."""
    return _events_page(request, security_only=True)


def _date(request: HttpRequest, name: str, errors: dict[str, list[str]]) -> dt.date | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        errors.setdefault(name, []).append("日期格式应为 YYYY-MM-DD")
        return None
    problem = date_error(value, "日期")
    if problem:
        errors.setdefault(name, []).append(problem)
        return None
    return value


def _events_page(request: HttpRequest, *, security_only: bool) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    since, until = _date(request, "since", errors), _date(request, "until", errors)
    prefixes = queries.SECURITY_EVENT_PREFIXES if security_only else ("",)
    actions = sorted((code, label) for code, label in ACTION_LABELS.items()
                     if code.startswith(prefixes) or (security_only and code in SECURITY_ACTIONS))  # fmt: skip
    action = request.GET.get("action", "")
    if action and action not in dict(actions):
        errors.setdefault("action", []).append(f"没有“{action[:40]}”这种事件，请从列表中选择")
    number = 1
    try:
        number = params.paging(request.GET.get("page"), field="page", label="页码 page", hi=100_000) or 1
    except ValidationFailed as exc:
        errors.setdefault("page", []).extend(exc.errors["page"])
    # A bad filter or page is said, never dropped (the whole log shown instead): nothing is listed until corrected.
    events = queries.audit_events(security_only=security_only, action=action, since=since, until=until)
    paginator = Paginator(events if not errors else events.none(), 100)
    if not errors and number > paginator.num_pages:
        errors.setdefault("page", []).append(f"页码 page“{number}”超出范围：共 {paginator.num_pages} 页")
        paginator = Paginator(events.none(), 100)
    page = paginator.get_page(1 if errors else number)
    query = urlencode({k: v for k, v in (("action", action), ("since", request.GET.get("since", "")),
                                          ("until", request.GET.get("until", ""))) if v})  # fmt: skip
    context = {"page": page, "actions": actions, "action": action, "errors": errors, "query": query,
               "title": "安全事件" if security_only else "审计日志", "since": request.GET.get("since", ""),
               "until": request.GET.get("until", "")}  # fmt: skip
    return render(request, "accounts/audit_log.html", context, status=400 if errors else 200)
