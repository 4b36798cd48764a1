"""The permission table at the API's door: every view names the permission of each of its actions."""

from __future__ import annotations

from typing import Any

from django.db import models
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from sanluanwu.accounts import refusals, services
from sanluanwu.accounts.decorators import BY_WORKFLOW_ACTION
from sanluanwu.accounts.permissions import denial
from sanluanwu.accounts.scope import scope_for
from sanluanwu.core.api import KnownFields


def declared_permission(view: Any, request: Request) -> str | None:
    """The code a view declares for this request: by viewset action, or by method for a plain API view."""
    table: dict[str, str] = getattr(view, "table_permissions", {}) or {}
    action = getattr(view, "action", None)
    if action and action in table:
        return table[action]
    method = "GET" if request.method == "HEAD" else str(request.method)
    return table.get(method)


class TablePermission(BasePermission):
    """403 with the reason (Chinese) when the user holds the declared permission nowhere.

    A view that declares nothing for an action is refused (fail closed); OPTIONS answers for the schema.
    The object's town is checked by the service after the scoped fetch.
    """

    message = "您无权执行该操作"
    code = "permission_denied"  # as the domain's refusals say it (core.api.exception_handler)

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method == "OPTIONS":
            return True
        action_map = getattr(view, "action_map", None)
        method = str(request.method).lower()
        if (action_map is not None and method not in action_map) or not hasattr(view, method):
            return True  # the view answers 405 for a method it does not handle
        code = declared_permission(view, request)
        if code is None:
            self.message = "该接口未在权限表中声明，已拒绝"
            return False
        reason = denial(scope_for(request.user), "case.view" if code == BY_WORKFLOW_ACTION else code)
        if reason:
            self.message = reason
            refusals.record(request.user, code, reason, request.path)
            return False
        return True

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        """The declared permission in the object's town. The object came through a scoped fetch, so a department or
        utility user holding the permission holds it there (it is assigned to them). A workflow step is checked by
        the service, once the body says which step."""
        code = declared_permission(view, request)
        if code is None or code == BY_WORKFLOW_ACTION:
            return code is not None
        reason = denial(scope_for(request.user), code, town_id=town_of(obj), assigned=True)
        if reason:
            self.message = reason
            refusals.record(request.user, code, reason, request.path, obj=obj)
            return False
        return True


def town_of(obj: Any) -> int | None:
    """The town a record belongs to, for the permission table: its town, its import's unit, its inspection's town."""
    for attr in ("town_id", "unit_id"):
        if hasattr(obj, attr):
            return getattr(obj, attr)  # type: ignore[no-any-return]
    inspection = getattr(obj, "inspection", None)
    return town_of(inspection) if inspection is not None else None


class TableObjectMixin:
    """A viewset whose objects are checked against the table in their town, right after the scoped fetch and before
    the body is read: a user who may not act there gets 403 with the reason, not a 400 about the body."""

    def fetch_object(self) -> Any:
        raise NotImplementedError  # each viewset fetches through its app's scoped access_*() (404 out of scope)

    def get_object(self) -> Any:
        obj = self.fetch_object()
        self.check_object_permissions(self.request, obj)  # type: ignore[attr-defined]
        return obj


def api_permissions(**by_method: str) -> Any:
    """For a function view made by @api_view: `@api_permissions(GET="lookback.view")` above the @api_view line."""

    def decorator(view: Any) -> Any:
        codes = {method.upper(): code for method, code in by_method.items()}
        view.cls.table_permissions = codes
        view.table_permissions = codes
        return view

    return decorator


class RevealSerializer(KnownFields, serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=200, help_text="查看完整号码的原因（留痕）")


def reveal_response(request: Request, *, record: models.Model, field: str) -> Response:
    """POST …/reveal/ of any record with a personal field: {"id", <field>: the clear value}, with the reason why
    (accounts.services.reveal_personal_field: person.reveal in the record's town, audited). The viewset fetched the
    record in scope (404) and checked its declared permission there (403)."""
    data = RevealSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    value = services.reveal_personal_field(actor=request.user, record=record, field=field, town_id=town_of(record),
                                           reason=data.validated_data["reason"])  # fmt: skip
    return Response({"id": record.pk, field: value})
