"""Timeline reads (callers pass objects they already fetched through a scoped query), and how often a user did
something lately (a bound counted from the log itself, the same for every web worker)."""

from __future__ import annotations

import datetime as dt
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


def actions_since(*, actor: models.Model, action: str, since: dt.datetime) -> int:
    """How many `action` events `actor` has caused since `since`."""
    return AuditEvent.objects.filter(action=action, actor_id=actor.pk, occurred_at__gte=since).count()
