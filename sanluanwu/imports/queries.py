"""Scoped reads of import batches: the office sees all; a town sees its own unit's and its users' batches."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from sanluanwu.accounts.scope import Scope, scope_for
from sanluanwu.core import params
from sanluanwu.imports.models import ImportBatch


def batches_visible_to(user_or_scope: Any) -> QuerySet[ImportBatch]:
    scope = user_or_scope if isinstance(user_or_scope, Scope) else scope_for(user_or_scope)
    batches = ImportBatch.objects.defer("content")
    if scope.sees_district:
        return batches
    if not scope.town_ids:
        return batches.none()
    return batches.filter(Q(unit_id__in=scope.town_ids) | Q(created_by_id=scope.user_id, unit__isnull=True))


def access_batch(user: Any, pk: Any) -> ImportBatch:
    try:
        return batches_visible_to(user).select_related("unit").get(pk=params.pk(pk) or 0)
    except ImportBatch.DoesNotExist:
        raise Http404("未找到该导入批次") from None
