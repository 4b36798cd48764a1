"""Django admin for reference data only: org units, users and memberships. Business data is not here."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from sanluanwu.accounts.models import Membership, OrgUnit, User


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin[OrgUnit]):
    list_display = ["name", "kind", "town_type", "parent", "managed_by", "sort_order", "is_active"]
    list_filter = ["kind", "town_type", "is_active"]
    search_fields = ["name", "short_name", "code"]


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    extra = 1


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "full_name", "is_active", "is_staff", "last_login"]
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("单位信息", {"fields": ("full_name", "phone")}))
