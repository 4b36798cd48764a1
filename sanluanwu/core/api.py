"""API plumbing shared by every domain app: keyset pagination and the JSON error shape."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db.models import QuerySet
from django.http import Http404
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.metadata import SimpleMetadata
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

from sanluanwu.core import params
from sanluanwu.core.errors import (
    DomainError,
    PermissionDenied,
    TooManyTries,
    ValidationFailed,
    request_too_large_message,
    user_message,
)
from sanluanwu.core.pagination import NumberedPage, keyset_only, keyset_page, numbered_only, numbered_page
from sanluanwu.core.pagination import page_size as pagination_page_size

REQUEST_TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def _drf_handler() -> Any:
    """DRF's own handler, imported when first needed: rest_framework.views reads DEFAULT_PARSER_CLASSES (which names
    this module's JSONParser) when it is imported, so importing it at the top makes a cycle whenever this module is
    the first to load (the order of Django's system checks decides that)."""
    from rest_framework.views import exception_handler

    return exception_handler


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser reads the whole body whatever its size: held here to DATA_UPLOAD_MAX_MEMORY_SIZE, as
    Django holds forms. A body nested too deep for the decoder, or one that is not an object, is a parse error
    (400), not a server error in the view that reads it. So is a number that is not finite anywhere in the body,
    read or not: DRF's strict mode refuses the words NaN and Infinity but not 1e999 (a float overflowing to
    infinity), which a field no serializer reads (a read-only coordinate) let through with a 200."""

    strict = False  # NaN and Infinity are parsed, then refused with the message of 1e999 (below)

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        request = (parser_context or {}).get("request")
        meta = getattr(request, "META", {})
        try:
            length = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if settings.DATA_UPLOAD_MAX_MEMORY_SIZE is not None and length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON nested too deeply") from None
        if not isinstance(data, dict):
            # Every body of this API is an object; views read it with .get()/.items().
            raise NotAnObject()
        try:  # "\ud800" is valid JSON but no text: no field could store it, and no answer could quote it back
            json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except UnicodeEncodeError:
            raise NotText() from None
        except ValueError:  # allow_nan=False: NaN, Infinity or an overflowing number somewhere in the body
            raise NotFinite() from None
        return data


class BoundedDateTimeField(serializers.DateTimeField):
    """A date-time within params.DATE_RANGE: year 1 is refused with a message, never an overflow (a 500)."""

    def to_internal_value(self, value: Any) -> Any:
        try:
            result = super().to_internal_value(value)
        except OverflowError:
            raise serializers.ValidationError(f"时间不在合理范围内（{params.DATE_RANGE_TEXT}），请检查年份") from None
        message = params.date_error(result, "时间")
        if message:
            raise serializers.ValidationError(message)
        return result


class RowIdField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """A related row by its id, read as core.params reads ids: JSON's 1e309 (infinity), NaN, 1.5, true or a 40-digit
    number is "no such row", never a query (Django's lookup raises OverflowError for infinity: a 500)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, float) or params.pk(data) is None:
            self.fail("does_not_exist", pk_value=str(data)[:30])
        return super().to_internal_value(data)


class KnownFields:
    """For every serializer (tests/test_api_fields.py holds each to it): a request body with a field the serializer
    does not take is refused, 400 naming it and the fields it takes. Ignored, PATCH {"adress": …} (a typo) answered
    200 and changed nothing; so did a field only an answer carries ("id", "status"), sent back as if it could be
    set."""

    # Files the view reads itself from a multipart body (request.FILES), by name; "photos_*": any name so begun.
    file_fields: tuple[str, ...] = ()

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            fields = self.fields.items()  # type: ignore[attr-defined]
            takes = sorted([*(name for name, field in fields if not field.read_only), *self.file_fields])
            unknown = [key for key in data if key not in takes and not self._is_file_field(key)]
            if unknown:
                said = "、".join(takes) or "无"
                raise serializers.ValidationError(
                    {str(key)[:40]: [f"本接口不接受该字段。可以填写的字段：{said}"] for key in unknown[:10]}
                )
        return super().to_internal_value(data)  # type: ignore[misc]

    def _is_file_field(self, key: Any) -> bool:
        return any(name.endswith("*") and str(key).startswith(name[:-1]) for name in self.file_fields)


class NoBody(KnownFields, serializers.Serializer):  # type: ignore[type-arg]
    """The body of an action that reads none (start, retry, a review's request): whatever is sent is named."""


def refuse_body(request: Request) -> None:
    """400 naming each field sent to an action that takes none (KnownFields' rule, for a bare button)."""
    NoBody(data=request.data).is_valid(raise_exception=True)


class WithdrawalSerializer(KnownFields, serializers.Serializer):  # type: ignore[type-arg]
    """The reason of a withdrawal or a restoration (core.withdrawal), for every API's withdraw and restore actions:
    required, but blank reaches the service, which says so in Chinese naming the field."""

    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class NotAnObject(exceptions.ParseError):
    default_detail = "请求内容应为 JSON 对象（{…}），不能是数组、字符串、数字或 null"


class NotText(exceptions.ParseError):
    default_detail = "请求内容含有无效的字符（单独的 UTF-16 代理项，如 \\ud800），不是文字"


class NotFinite(exceptions.ParseError):
    default_detail = "请求内容含有不是有限数的数字（NaN、Infinity 或超出范围的数，如 1e999），请改为有效的数字"


class KeysetPagination(BasePagination):
    """`?after=<id>` / `?before=<id>` cursors on id, newest first; `count` is capped (see core.pagination)."""

    page_size = 50

    def paginate_queryset(self, queryset: QuerySet[Any], request: Request, view: Any = None) -> list[Any]:
        page_size = pagination_page_size(request.query_params.get("page_size"), default=self.page_size)
        ordering = getattr(view, "page_ordering", None)  # a sorted list: numbered pages (core.pagination)
        self.page: Any
        if ordering:
            numbered_only(request.query_params.get("after"), request.query_params.get("before"))
            self.page = numbered_page(
                queryset, ordering=ordering, page=request.query_params.get("page"), size=page_size
            )
        else:
            keyset_only(request.query_params.get("page"))
            self.page = keyset_page(queryset, after=request.query_params.get("after"),
                                    before=request.query_params.get("before"), size=page_size)  # fmt: skip
        self.request = request
        return list(self.page.items)

    def _link(self, key: str, value: int | None) -> str | None:
        if value is None:
            return None
        query = self.request.query_params.copy()
        for name in ("after", "before", "page"):
            query.pop(name, None)
        query[key] = str(value)
        return self.request.build_absolute_uri(f"{self.request.path}?{query.urlencode()}")

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


_MEDIA_NAMES = {"application/json": "JSON（application/json）",
                "multipart/form-data": "文件上传表单（multipart/form-data）",
                "application/x-www-form-urlencoded": "表单（application/x-www-form-urlencoded）"}  # fmt: skip


def _unsupported_media_text(context: dict[str, Any]) -> str:
    """Names what this endpoint takes (its parsers): the import upload takes a file form only, not JSON."""
    request = context.get("request")
    accepted = [_MEDIA_NAMES.get(p.media_type, p.media_type) for p in getattr(request, "parsers", None) or []]
    if not accepted:
        return "不支持的请求内容类型：请使用 JSON 或表单"
    return f"不支持的请求内容类型：本接口只接受{'、'.join(dict.fromkeys(accepted))}"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Domain errors become JSON with field names and Chinese messages; 403s and 404s say so in Chinese."""
    if isinstance(exc, PermissionDenied | TooManyTries):  # about the request, not a field: said as 403s and 429s are
        return Response({"detail": exc.text, "code": exc.code}, status=exc.status_code)
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {}
        for name, messages in exc.errors.items():
            body["non_field_errors" if name == "__all__" else name] = messages
        body.setdefault("code", exc.code)  # a form's own field named "code" (a two-factor code) keeps its message
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
    if isinstance(exc, REQUEST_TOO_LARGE):
        return Response({"detail": request_too_large_message(exc), "code": "request_too_large"},
                        status=status.HTTP_400_BAD_REQUEST)  # fmt: skip
    if isinstance(exc, exceptions.ParseError):
        detail = (
            str(exc.detail)
            if isinstance(exc, NotAnObject | NotText | NotFinite)
            else "请求内容无法解析：应为有效的 JSON（或表单）"
        )
        return Response({"detail": detail, "code": "parse_error"},
                        status=status.HTTP_400_BAD_REQUEST)  # fmt: skip
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return Response({"detail": _unsupported_media_text(context), "code": "unsupported_media_type"},
                        status=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE)  # fmt: skip
    if isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        # A logged-in browser session without the page's CSRF token (scripts use a token instead).
        return Response({"detail": "请求缺少有效的 CSRF 校验码：请刷新页面后重试；程序调用接口请使用令牌（Token）认证",
                         "code": "csrf_failed"}, status=status.HTTP_403_FORBIDDEN)  # fmt: skip
    if isinstance(exc, exceptions.MethodNotAllowed):
        return Response({"detail": f"该接口不支持 {context['request'].method} 请求", "code": "method_not_allowed"},
                        status=status.HTTP_405_METHOD_NOT_ALLOWED)  # fmt: skip
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        response = _drf_handler()(exc, context)
        if response is not None:
            response.data = {"detail": "请先登录或提供有效的令牌", "code": "not_authenticated"}
        return response
    response = _drf_handler()(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        # A serializer's field errors, shaped as a domain error's: {field: [messages], "code": "invalid"}.
        if not isinstance(response.data, dict):
            response.data = {"non_field_errors": response.data}
        response.data.setdefault("code", "invalid")
        return response
    # Every other refusal with a single detail (a permission class's message, a throttle) carries its code too, as the
    # ones above do: a client branches on the code, never on the Chinese words.
    if response is not None and isinstance(response.data, dict) and set(response.data) == {"detail"}:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        response.data["code"] = codes if isinstance(codes, str) else "error"
    return response


class Metadata(SimpleMetadata):
    """DRF's OPTIONS answer without "name" and "description": the view's class name and English docstring, written
    for us. What an operation does is in the API docs (/api/docs/), in Chinese."""

    def determine_metadata(self, request: Any, view: Any) -> dict[str, Any]:
        metadata: dict[str, Any] = super().determine_metadata(request, view)
        metadata.pop("name", None)
        metadata.pop("description", None)
        return metadata


# The paging parameters every list reads (KeysetPagination).
PAGING_PARAMS = frozenset({"after", "before", "page", "page_size"})


class KnownListParams:
    """For a viewset: its list answers 400 for a query parameter it does not read, naming the ones it does. Ignored,
    `?town=4` on a list without that filter returned the whole scope as if it had been filtered."""

    list_params: frozenset[str] = frozenset()

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]  # authenticated and permitted first
        if getattr(self, "action", None) != "list":
            return
        # A parameter sent empty asks for nothing (a form's blank field): only one with a value is refused.
        given = {name for name, values in request.query_params.lists() if any(v.strip() for v in values)}
        unknown = sorted(given - self.list_params - PAGING_PARAMS)
        if unknown:
            known = "、".join(sorted(self.list_params)) or "无"
            said = "、".join(name[:30] for name in unknown[:5])
            raise ValidationFailed(
                f"本接口不支持查询参数：{said}。可用的筛选参数：{known}；分页参数：after、before、page_size"
            )
