"""Reads of org units, shared by forms, filters and the API."""

from __future__ import annotations

from django.db.models import QuerySet

from sanluanwu.accounts import permissions
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


def towns_allowing(scope: Scope, code: str) -> QuerySet[OrgUnit]:
    """Towns where the user may do `code` (a permission of accounts/permissions.py): the choices of a form."""
    towns = OrgUnit.objects.filter(kind=OrgUnitKind.TOWN, is_active=True).order_by("sort_order", "name")
    where = permissions.towns_allowing(scope, code)
    return towns if where is None else towns.filter(pk__in=where)
