from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from sanluanwu.notices.queries import unread_count


def bell(request: HttpRequest) -> dict[str, Any]:
    """The unread count for the header's bell, counted only when a page shows it."""
    user = getattr(request, "user", None)
    return {"unread_notices": SimpleLazyObject(lambda: unread_count(user) if user else 0)}
