"""The login paths (page, admin, API token) with one answer for every failure, and the security admin's page of
locked accounts. The rules are in accounts/security.py."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sanluanwu.accounts import security
from sanluanwu.accounts.decorators import requires
from sanluanwu.core.errors import DomainError

# A wrong user name, a wrong password, an inactive or a locked account: the same words (no oracle).
_UNIFORM = {"invalid_login": security.LOGIN_FAILED_TEXT, "inactive": security.LOGIN_FAILED_TEXT}


USERNAME_MAX = 150  # User.username's length: a longer name is no account (saying so tells nothing)


def limit_username(form: AuthenticationForm) -> None:
    """Django's AuthenticationForm sets the field's max_length after the field is made, so no validator checks it:
    a 30,000-character name reached authenticate(), and axes' failure record (a 255-character column) then failed
    on PostgreSQL (a 500). The name is refused as the form's field before any lookup."""
    field = form.fields["username"]
    field.validators.append(MaxLengthValidator(USERNAME_MAX, f"用户名最多 {USERNAME_MAX} 个字符"))


class LoginForm(AuthenticationForm):
    error_messages = {**AuthenticationForm.error_messages, **_UNIFORM}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_username(self)


class AdminLoginForm(AdminAuthenticationForm):
    error_messages = {**AdminAuthenticationForm.error_messages, **_UNIFORM}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_username(self)


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
