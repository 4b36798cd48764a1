"""Pages every logged-in user has, whatever their role: changing their own password; and the one reveal page
(显示完整号码) every app's record pages answer with."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sanluanwu.accounts import security, services
from sanluanwu.core.errors import DomainError, ValidationFailed


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """No permission of the table: every account may change its own password (and nothing else here)."""
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        try:
            user = services.change_own_password(actor=request.user, current=request.POST.get("current", ""),
                                                new=request.POST.get("new", ""),
                                                repeated=request.POST.get("repeated", ""),
                                                keep_session=request.session.session_key)  # fmt: skip
            update_session_auth_hash(request, user)  # this session goes on; every other one has ended
            messages.success(request, "密码已修改。其他设备上的登录和接口令牌已全部失效。")
            return redirect("home")
        except DomainError as exc:
            errors, status = exc.errors, exc.status_code
            tried = bool(request.POST.get("current"))  # an empty field is no wrong password
            if tried and "current" in errors and security.wrong_current_password(request):
                logout(request)
                messages.error(request, f"当前密码连续输错，账号已锁定 {settings.LOGIN_LOCK_MINUTES} 分钟并已退出登录；"
                                        "请稍后重新登录，或请安全管理员解锁")  # fmt: skip
                return redirect("login")
    elif request.method != "GET":
        return HttpResponse(status=405)
    # Joined with "；" into one sentence: Django's own rules end with "。" of their own.
    rules = [str(r).strip().rstrip("。.") for r in password_validators_help_texts()]
    context = {"errors": errors, "rules": rules,
               "forced": security.password_change_required(request.user)}  # fmt: skip
    return render(request, "accounts/password.html", context, status=status)


def reveal_page(request: HttpRequest, *, record: models.Model, field: str, town_id: int | None, title: str,
                back_url: str, person: str = "") -> HttpResponse:  # fmt: skip
    """显示完整号码 for one personal field of one record (the caller fetched it in scope and checked person.reveal in
    its town): the clear value on a page of its own (never cached: core.middleware.NoStoreMiddleware), after the user
    says why (services.reveal_personal_field, audited); without a reason, back to the record with the message."""
    try:
        value = services.reveal_personal_field(actor=request.user, record=record, field=field, town_id=town_id,
                                               reason=request.POST.get("reason", ""))  # fmt: skip
    except ValidationFailed as exc:
        messages.error(request, exc.text)
        return redirect(back_url)
    label = str(getattr(record._meta.get_field(field), "verbose_name", field))
    context = {"title": title, "label": label, "value": value, "back_url": back_url, "person": person}
    return render(request, "accounts/revealed.html", context)
