"""Scoped reads of import batches: the office sees all; a town sees its own unit's and its users' batches."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from sanluanwu.accounts import permissions
from sanluanwu.accounts.scope import Scope, scope_for
from sanluanwu.core import params
from sanluanwu.imports.models import ImportBatch, UnitColumnMapping


def batches_visible_to(user_or_scope: Any) -> QuerySet[ImportBatch]:
    scope = user_or_scope if isinstance(user_or_scope, Scope) else scope_for(user_or_scope)
    batches = ImportBatch.objects.defer("content")
    if scope.sees_district:
        return batches
    if not scope.town_ids:
        return batches.none()
    return batches.filter(Q(unit_id__in=scope.town_ids) | Q(created_by_id=scope.user_id, unit__isnull=True))


def access_batch(user: Any, pk: Any, *, rows: bool = True) -> ImportBatch:
    """The batch, 404 outside the user's scope. rows=False leaves its preview and result (up to 3,000 rows each, a
    megabyte of JSON apiece) unread until something reads them: a status poll every 2 s decoded both, 39 ms of CPU
    each time, to show a progress bar."""
    batches = batches_visible_to(user).select_related("unit")
    if not rows:
        batches = batches.defer("preview", "result")
    try:
        return batches.get(pk=params.pk(pk) or 0)
    except ImportBatch.DoesNotExist:
        raise Http404("未找到该导入批次") from None


def remembered_columns(unit_id: int | None, kind: str) -> dict[str, str]:
    """header_key → field: what the unit said unknown headers mean in earlier previews (none for a district-wide
    import, which has no unit)."""
    if unit_id is None:
        return {}
    return dict(UnitColumnMapping.objects.filter(unit_id=unit_id, kind=kind).values_list("header_key", "field"))


def column_mappings_visible_to(scope: Scope) -> QuerySet[UnitColumnMapping]:
    """The remembered mappings of the units the user imports for (the office: every town's)."""
    mappings = UnitColumnMapping.objects.select_related("unit").order_by(
        "unit__sort_order", "unit_id", "kind", "header"
    )
    towns = permissions.towns_allowing(scope, "import.upload")
    return mappings if towns is None else mappings.filter(unit_id__in=towns)
