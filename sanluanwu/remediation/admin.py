from __future__ import annotations

from django.contrib import admin

from sanluanwu.remediation.models import LeadUnit, TaskKind


@admin.register(TaskKind)
class TaskKindAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Which tasks a confirmed shutdown creates: data the admin edits, not code."""

    list_display = ["label", "code", "item_code", "condition", "owner_kind", "owner_unit", "coordinator_unit",
                    "due_days", "needs_meter", "needs_photo", "needs_document", "is_active", "sort_order"]  # fmt: skip
    list_editable = ["due_days", "is_active", "sort_order"]


@admin.register(LeadUnit)
class LeadUnitAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["remediation_type", "unit"]
