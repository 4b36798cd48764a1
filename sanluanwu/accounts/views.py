"""Pages every logged-in user has, whatever their role: changing their own password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sanluanwu.accounts import security, services
from sanluanwu.core.errors import DomainError


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """No permission of the table: every account may change its own password (and nothing else here)."""
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        try:
            user = services.change_own_password(actor=request.user, current=request.POST.get("current", ""),
                                                new=request.POST.get("new", ""),
                                                repeated=request.POST.get("repeated", ""))  # fmt: skip
            update_session_auth_hash(request, user)  # this session goes on; every other one has ended
            messages.success(request, "密码已修改。其他设备上的登录和接口令牌已全部失效。")
            return redirect("home")
        except DomainError as exc:
            errors, status = exc.errors, exc.status_code
    elif request.method != "GET":
        return HttpResponse(status=405)
    context = {"errors": errors, "rules": password_validators_help_texts(),
               "forced": security.password_change_required(request.user)}  # fmt: skip
    return render(request, "accounts/password.html", context, status=status)
