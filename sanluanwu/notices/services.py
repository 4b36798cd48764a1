"""notify(): the one way a notice is sent, to users or to every active member of some units."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from sanluanwu.accounts.models import Membership, OrgUnit, User
from sanluanwu.core import clock
from sanluanwu.notices import channels
from sanluanwu.notices.models import Notice


def notify(
    *,
    kind: str,
    text: str,
    url: str = "",
    users: Iterable[Any] = (),
    units: Iterable[OrgUnit | int] = (),
    roles: Iterable[str] | None = None,
    exclude: Any = None,
) -> list[Notice]:
    """One notice per recipient: the given users and the active members of the given units (with one of `roles`
    when given), never `exclude` (who caused it). Other channels receive them once the transaction commits."""
    recipients: dict[int, Any] = {u.pk: u for u in users if getattr(u, "pk", None)}
    unit_ids = [u.pk if isinstance(u, OrgUnit) else u for u in units]
    if unit_ids:
        members = Membership.objects.filter(org_unit_id__in=unit_ids, user__is_active=True)
        if roles is not None:
            members = members.filter(role__in=list(roles))
        for user in User.objects.filter(pk__in=members.values("user_id")):
            recipients.setdefault(user.pk, user)
    if exclude is not None and getattr(exclude, "pk", None):
        recipients.pop(exclude.pk, None)
    now = clock.now()
    notices = Notice.objects.bulk_create(
        [
            Notice(recipient_id=pk, kind=kind, text=text[:300], url=url[:300], created_at=now)
            for pk in sorted(recipients)
        ]
    )
    if notices:
        transaction.on_commit(lambda: channels.deliver(notices))
    return notices


def mark_read(*, actor: Any, notice_ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own notices read (all of them when no ids are given); returns how many changed."""
    qs = Notice.objects.filter(recipient_id=actor.pk, read_at__isnull=True)
    if notice_ids is not None:
        qs = qs.filter(pk__in=list(notice_ids))
    return qs.update(read_at=clock.now())
