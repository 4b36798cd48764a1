from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sanluanwu.core.adminforms import CleanTextAdminMixin
from sanluanwu.remediation import services
from sanluanwu.remediation.models import LeadUnit, TaskKind


@admin.register(TaskKind)
class TaskKindAdmin(CleanTextAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Which tasks a confirmed shutdown creates: data the admin edits, not code."""

    list_display = ["label", "code", "item_code", "condition", "owner_kind", "owner_unit", "coordinator_unit",
                    "due_days", "needs_meter", "needs_photo", "needs_document", "is_active", "sort_order"]  # fmt: skip
    list_editable = ["due_days", "is_active", "sort_order"]

    def save_model(self, request: HttpRequest, obj: TaskKind, form: Any, change: bool) -> None:
        services.save_task_kind(actor=request.user, kind=obj)  # the list's editable columns too

    # Tasks point at their kind: a kind is retired (is_active), never deleted.
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LeadUnit)
class LeadUnitAdmin(CleanTextAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["remediation_type", "unit"]

    def save_model(self, request: HttpRequest, obj: LeadUnit, form: Any, change: bool) -> None:
        services.save_lead_unit(actor=request.user, lead=obj)

    # Which department leads a type is changed, not deleted (a type without a lead would stall every case of it).
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
