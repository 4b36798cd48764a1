"""Reads of org units (shared by forms, filters and the API) and of the audit log for the admin roles."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from sanluanwu.accounts import permissions
from sanluanwu.accounts.choices import OrgUnitKind
from sanluanwu.accounts.models import OrgUnit, User
from sanluanwu.accounts.scope import Scope
from sanluanwu.audit.display import SECURITY_ACTIONS
from sanluanwu.audit.models import AuditEvent


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


# Security events (等保: logins, failures, locks, passwords, roles, tokens, two-factor): the accounts app's codes and
# any an app files under "security.".
SECURITY_EVENT_PREFIXES = ("accounts.", "security.")


def audit_events(*, security_only: bool, action: str = "", since: dt.date | None = None,
                 until: dt.date | None = None) -> QuerySet[AuditEvent]:  # fmt: skip
    """The audit log newest first, for the audit admin (all of it) or the security admin (security events only);
    the page checks the permission (audit.view / security.events) before asking."""
    events = AuditEvent.objects.order_by("-occurred_at", "-id")
    if security_only:
        where = Q(action__in=sorted(SECURITY_ACTIONS))  # other apps' security events (reveals, exports, originals)
        for prefix in SECURITY_EVENT_PREFIXES:
            where |= Q(action__startswith=prefix)
        events = events.filter(where)
    if action:
        events = events.filter(action=action)
    if since:
        events = events.filter(occurred_at__gte=_day_start(since))
    if until:
        events = events.filter(occurred_at__lt=_day_start(until + dt.timedelta(days=1)))
    return events


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def users_with_two_factor() -> QuerySet[User]:
    """Accounts with a confirmed two-factor device, for the security admin's reset page (security.reset_2fa): who
    they are and their units, nothing of the business."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    enrolled = TOTPDevice.objects.filter(confirmed=True).values("user_id")
    return User.objects.filter(pk__in=enrolled).order_by("username").prefetch_related("memberships__org_unit")
