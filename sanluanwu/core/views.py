"""Views of the kernel: health for the operator's monitor, and the page for a request Django refused (400)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from sanluanwu.core.errors import request_too_large_message


def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for the operator's monitor."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: a Chinese page, never a bare "Bad Request". A request past Django's size limits fails
    before its view runs (the CSRF check reads the form first); a page that has a form for it registers
    `render_request_error(request, message)` on its view and shows the message on that form."""
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        message = request_too_large_message(exception)
        match = getattr(request, "resolver_match", None)
        hook: Any = getattr(match.func, "render_request_error", None) if match else None
        user = getattr(request, "user", None)
        if hook is not None and user is not None and user.is_authenticated:
            return hook(request, message)  # type: ignore[no-any-return]
    else:
        message = "请求格式有误，无法处理"
    return render(request, "400.html", {"message": message}, status=400)
