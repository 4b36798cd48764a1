"""API plumbing shared by every domain app: keyset pagination and the JSON error shape."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from sanluanwu.core.errors import DomainError, PermissionDenied, user_message
from sanluanwu.core.pagination import NumberedPage, keyset_page, numbered_page


class KeysetPagination(BasePagination):
    """`?after=<id>` / `?before=<id>` cursors on id, newest first; `count` is capped (see core.pagination)."""

    page_size = 50

    def paginate_queryset(self, queryset: QuerySet[Any], request: Request, view: Any = None) -> list[Any]:
        size = request.query_params.get("page_size")
        page_size = int(size) if size and size.isdigit() and len(size) < 4 else self.page_size
        ordering = getattr(view, "page_ordering", None)  # a sorted list: numbered pages (core.pagination)
        self.page: Any
        if ordering:
            self.page = numbered_page(
                queryset, ordering=ordering, page=request.query_params.get("page"), size=page_size
            )
        else:
            self.page = keyset_page(queryset, after=request.query_params.get("after"),
                                    before=request.query_params.get("before"), size=page_size)  # fmt: skip
        self.request = request
        return list(self.page.items)

    def _link(self, key: str, value: int | None) -> str | None:
        if value is None:
            return None
        params = self.request.query_params.copy()
        for name in ("after", "before", "page"):
            params.pop(name, None)
        params[key] = str(value)
        return self.request.build_absolute_uri(f"{self.request.path}?{params.urlencode()}")

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "count": self.page.count,
                "count_capped": self.page.count_capped,
                "next": self._link("page", self.page.next_page)
                if isinstance(self.page, NumberedPage)
                else self._link("after", self.page.next_after),
                "previous": self._link("page", self.page.prev_page)
                if isinstance(self.page, NumberedPage)
                else self._link("before", self.page.prev_before),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["count", "results"],
            "properties": {
                "count": {"type": "integer", "description": "至多 10000；超过时 count_capped 为 true"},
                "count_capped": {"type": "boolean"},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Domain errors become JSON with field names and Chinese messages; 403s and 404s say so in Chinese."""
    if isinstance(exc, PermissionDenied):
        return Response({"detail": exc.text, "code": exc.code}, status=exc.status_code)
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {}
        for name, messages in exc.errors.items():
            body["non_field_errors" if name == "__all__" else name] = messages
        body["code"] = exc.code
        if exc.warnings:
            body["warnings"] = exc.warnings
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404):
        return Response(
            {"detail": user_message(exc) or "未找到", "code": "not_found"}, status=status.HTTP_404_NOT_FOUND
        )
    if isinstance(exc, DjangoPermissionDenied):
        body = {"detail": user_message(exc) or "您无权执行此操作", "code": "permission_denied"}
        return Response(body, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        response = drf_exception_handler(exc, context)
        if response is not None:
            response.data = {"detail": "请先登录或提供有效的令牌", "code": "not_authenticated"}
        return response
    return drf_exception_handler(exc, context)
