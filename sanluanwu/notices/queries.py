from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import QuerySet

from sanluanwu.notices.models import Notice


def notices_for(user: Any) -> QuerySet[Notice]:
    """A user's own notices only; nobody reads another's."""
    if not getattr(user, "is_authenticated", False):
        return Notice.objects.none()
    return Notice.objects.filter(recipient_id=user.pk)


def unread_count(user: Any) -> int:
    """The header bell's count, on every page: one plain statement on the (recipient, read_at) index, without the
    ORM's queryset and compiler (which cost more than the count itself)."""
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {Notice._meta.db_table} WHERE recipient_id = %s AND read_at IS NULL",
                       [user.pk])  # fmt: skip
        return int(cursor.fetchone()[0])
