from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from sanluanwu.accounts.scope import scope_for


def scope(request: HttpRequest) -> dict[str, Any]:
    return {"scope": scope_for(getattr(request, "user", None))}
