"""Reads of org units, shared by forms, filters and the API."""

from __future__ import annotations

from django.db.models import QuerySet

from sanluanwu.accounts.choices import OrgUnitKind
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.scope import Scope


def district() -> OrgUnit | None:
    return OrgUnit.objects.filter(kind=OrgUnitKind.DISTRICT, parent=None).first()


def towns_visible_to(scope: Scope) -> QuerySet[OrgUnit]:
    """Towns the user may see: all for the office and leaders, their own for a town user."""
    towns = OrgUnit.objects.filter(kind=OrgUnitKind.TOWN, is_active=True).order_by("sort_order", "name")
    if scope.sees_district:
        return towns
    return towns.filter(pk__in=scope.town_ids)


def towns_writable_by(scope: Scope) -> QuerySet[OrgUnit]:
    towns = OrgUnit.objects.filter(kind=OrgUnitKind.TOWN, is_active=True).order_by("sort_order", "name")
    if scope.writes_district:
        return towns
    return towns.filter(pk__in=scope.town_ids)
