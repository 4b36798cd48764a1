"""A database too busy to take a write in time is a 503 the user can act on, not a 500; so is a download that found
no turn to build its file (core.exporting.one_at_a_time).

On the embedded SQLite of `make run` one writer holds the database at a time: while an 80,000-row import is being
written (half a minute) another user's save waits up to the busy timeout (20 s) and then fails with "database is
locked". On PostgreSQL the like is a lock or statement timeout. Nothing was written either way (the transaction
rolled back): the user is told to try again in a moment, in Chinese, with Retry-After.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

from sanluanwu.core import masking
from sanluanwu.core.errors import json_error
from sanluanwu.core.exporting import ExportsBusy

logger = logging.getLogger(__name__)

BUSY_TEXT = "系统正在处理大批数据（如表格导入），暂时无法保存，请稍等片刻后重试"
EXPORTS_BUSY_TEXT = "系统正在为其他用户生成大文件（汇总表、附件2等），请稍等片刻后重新下载"
EXPORTS_BUSY_NOTE = "没有生成文件，也没有记录这次下载。请稍等片刻后重新点击下载。"
_BUSY_SIGNS = ("database is locked", "database table is locked", "lock timeout", "statement timeout",
               "could not obtain lock")  # fmt: skip


def is_busy(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and any(sign in str(exc).lower() for sign in _BUSY_SIGNS)


def busy_response(request: HttpRequest, *, text: str = BUSY_TEXT, note: str = "") -> HttpResponse:
    if request.path_info.startswith("/api/"):
        response: HttpResponse = json_error(text, code="busy", status=503)
    else:
        response = HttpResponse(loader.get_template("503.html").render({"message": text, "note": note}), status=503,
                                content_type="text/html; charset=utf-8")  # fmt: skip
    response["Retry-After"] = "10"
    return response


class BusyDatabaseMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ExportsBusy):
            logger.warning("no turn for a file on %s %s", request.method, request.path)
            return busy_response(request, text=EXPORTS_BUSY_TEXT, note=EXPORTS_BUSY_NOTE)
        if not is_busy(exception):
            return None
        logger.warning("database busy on %s %s: %s", request.method, request.path, exception)
        return busy_response(request)


class ViewerMiddleware:
    """The request's outputs are for its user (core.masking.viewer): a viewer the accounts rule says sees no number at
    all (a utility) gets every phone and ID number hidden whole instead of masked. Asked lazily, so an API request's
    user is the one its token authenticated."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with masking.viewer(lambda: getattr(request, "user", None)):
            return self.get_response(request)


# What each method is to an official (the 405 page speaks of what they did, not of HTTP): OPTIONS is left unsaid.
_METHOD_WORDS = {"GET": "打开", "HEAD": "打开", "POST": "提交", "PUT": "替换", "PATCH": "修改", "DELETE": "删除"}


class MethodNotAllowedMiddleware:
    """A page answers a method it does not take (a GET to a form's POST address, a DELETE) with a Chinese 405 page
    instead of Django's empty body; the API says it in JSON itself (core.api.exception_handler)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or request.path_info.startswith("/api/") or response.content:
            return response
        allowed = response.get("Allow", "")
        words = [_METHOD_WORDS.get(m.strip().upper(), "") for m in allowed.split(",")]
        context = {"method": request.method, "refused": _METHOD_WORDS.get(str(request.method), "此类"),
                   "allowed": "”或“".join(dict.fromkeys(w for w in words if w))}  # fmt: skip
        page = HttpResponse(loader.render_to_string("405.html", context, request=request), status=405,
                            content_type="text/html; charset=utf-8")  # fmt: skip
        page["Allow"] = allowed
        return page


class NoStoreMiddleware:
    """等保: nothing a logged-in user was shown (a page, an API answer, a download, a photo) stays in a browser's or
    a proxy's cache for the next user of a shared office computer. Anonymous pages (the login) keep their headers;
    static files never get here (whitenoise answers them first)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        # The admin's answers too, a redirect to its login or its logout's: nothing of the admin is kept.
        if (user is not None and user.is_authenticated) or request.path_info.startswith(("/api/", "/admin/")):
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
        return response
