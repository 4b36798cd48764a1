from __future__ import annotations

from django.contrib import admin

from sanluanwu.campaigns.models import Campaign, Phase


class PhaseInline(admin.TabularInline[Phase, Campaign]):
    model = Phase
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin[Campaign]):
    list_display = ["name", "starts_on", "ends_on", "is_active"]
    inlines = [PhaseInline]
