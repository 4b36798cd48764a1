from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from sanluanwu.notices.models import Notice


def notices_for(user: Any) -> QuerySet[Notice]:
    """A user's own notices only; nobody reads another's."""
    if not getattr(user, "is_authenticated", False):
        return Notice.objects.none()
    return Notice.objects.filter(recipient_id=user.pk)


def unread_count(user: Any) -> int:
    return notices_for(user).filter(read_at__isnull=True).count()
