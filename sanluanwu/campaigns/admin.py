"""Django admin for campaigns and their phases; every save goes through campaigns.services (audited).

A campaign is ended (进行中 off), never deleted: its cases belong to it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sanluanwu.campaigns import services
from sanluanwu.campaigns.models import Campaign, Phase
from sanluanwu.core.adminforms import CleanTextAdminMixin


class PhaseInline(admin.TabularInline[Phase, Campaign]):
    model = Phase
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(CleanTextAdminMixin, admin.ModelAdmin[Campaign]):
    list_display = ["name", "starts_on", "ends_on", "is_active"]
    inlines = [PhaseInline]
    # The units taking part are set by the office in its pages (campaigns.services.set_participants: audited as names
    # added and removed, the reporting periods following); the admin shows them only.
    exclude = ["participants"]
    # The reporting rules (when the half-monthly reports are due, the reminders, how many briefs) decide whether a
    # town reported on time: the office's to set, in its page (campaign.manage), not the system admin's (三员分立).
    REPORTING_RULES = ("first_due_day", "second_due_day", "reminder_days", "briefs_min", "briefs_max")
    readonly_fields = ["participant_names", *REPORTING_RULES]

    @admin.display(description="参加单位（在“专项行动设置”页面修改）")
    def participant_names(self, obj: Campaign) -> str:
        return "、".join(u.name for u in obj.participants.all()) if obj.pk else "—"

    def has_delete_permission(self, request: HttpRequest, obj: Campaign | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Campaign, form: Any, change: bool) -> None:
        services.save_campaign(actor=request.user, campaign=obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        formset.save(commit=False)
        for phase in formset.deleted_objects:
            services.delete_phase(actor=request.user, phase=phase)
        for phase in [*(p for p, _fields in formset.changed_objects), *formset.new_objects]:
            services.save_phase(actor=request.user, phase=phase)
