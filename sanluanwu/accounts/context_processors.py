from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from sanluanwu.accounts import security
from sanluanwu.accounts.scope import scope_for


def scope(request: HttpRequest) -> dict[str, Any]:
    return {"scope": scope_for(getattr(request, "user", None))}


def password_reminder(request: HttpRequest) -> dict[str, Any]:
    """Days before the password expires, within the reminder's days (the banner in base.html)."""
    user = getattr(request, "user", None)
    return {"password_expires_in": security.days_until_expiry(user) if user is not None else None}
