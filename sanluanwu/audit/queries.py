"""Timeline reads. Callers pass objects they already fetched through a scoped query."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models import Q, QuerySet

from sanluanwu.audit.models import AuditEvent


def timeline_for(objects: Iterable[models.Model]) -> QuerySet[AuditEvent]:
    """Every event of the given objects, newest first."""
    condition = Q(pk__in=[])
    for obj in objects:
        condition |= Q(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return AuditEvent.objects.filter(condition).order_by("-occurred_at", "-id")
