"""Project-wide views: the health check and the error pages (400, 403, 404, 500; JSON under /api/)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.http import require_safe

from sanluanwu.core.errors import json_error, request_too_large_message, user_message

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
SERVER_ERROR_ADVICE = "请稍后重试；如果一再出现，请联系系统管理员"
SERVER_ERROR_TEXT = f"服务器内部错误，{SERVER_ERROR_ADVICE}"
# The last resort when even the 500 template cannot be rendered (a broken static manifest, a missing template).
_BARE_500 = (
    '<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>服务器内部错误</title></head>'
    f"<body><h1>服务器内部错误（500）</h1><p>{SERVER_ERROR_TEXT}。</p></body></html>"
)


@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """Liveness and database check for the operator's monitor (GET or HEAD: nothing else answers a monitor)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links; the icon is a static file of the app."""
    from django.templatetags.static import static

    return HttpResponsePermanentRedirect(static("favicon.svg"))


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    reason = user_message(exception)
    if _is_api(request):
        return json_error(reason or "未找到", code="not_found", status=404)
    return render(request, "404.html", {"reason": reason, "request_path": request.path}, status=404)


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """An address that is never a page, whatever follows it (the same answer for every id)."""
    raise Http404


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403 with its reason ("您的角色不能登记整治对象"), so the user knows what they may not do."""
    reason = user_message(exception)
    if _is_api(request):
        return json_error(reason or "您无权执行此操作", code="permission_denied", status=403)
    return render(request, "403.html", {"reason": reason}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """500 without the request context or the database (either may be what failed); never a traceback."""
    if _is_api(request):
        return json_error(SERVER_ERROR_TEXT, code="server_error", status=500)
    try:
        body = loader.get_template("500.html").render({"advice": SERVER_ERROR_ADVICE})
    except Exception:
        logger.exception("the 500 page itself could not be rendered")
        body = _BARE_500
    return HttpResponse(body, status=500, content_type="text/html; charset=utf-8")


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
