"""The login paths (page, admin, API token) with one answer for every failure, and the security admin's page of
locked accounts. The rules are in accounts/security.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sanluanwu.accounts import security
from sanluanwu.accounts.decorators import requires
from sanluanwu.core.errors import DomainError

# A wrong user name, a wrong password, an inactive or a locked account: the same words (no oracle).
_UNIFORM = {"invalid_login": security.LOGIN_FAILED_TEXT, "inactive": security.LOGIN_FAILED_TEXT}


class LoginForm(AuthenticationForm):
    error_messages = {**AuthenticationForm.error_messages, **_UNIFORM}


class AdminLoginForm(AdminAuthenticationForm):
    error_messages = {**AdminAuthenticationForm.error_messages, **_UNIFORM}


@requires(GET="security.unlock", POST="security.unlock")
def lockouts(request: HttpRequest) -> HttpResponse:
    """The accounts locked now, each with its unlock button (the security admin)."""
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        username = request.POST.get("username", "")
        try:
            security.unlock(actor=request.user, username=username)
            messages.success(request, f"已解除账号“{username}”的登录锁定。")
            return redirect("security_lockouts")
        except DomainError as exc:
            errors, status = exc.errors, exc.status_code
    return render(request, "accounts/lockouts.html", {"lockouts": security.current_lockouts(), "errors": errors},
                  status=status)  # fmt: skip
