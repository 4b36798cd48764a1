"""Who must log in with a second factor: read by the login's steps (accounts.twofactor) and by what hands out API
tokens (accounts.tokens), which the enrolment itself revokes: a module below both."""

from __future__ import annotations

from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice

from sanluanwu.accounts.choices import ADMIN_ROLES
from sanluanwu.accounts.models import Membership


def has_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def holds_admin_role(user: Any) -> bool:
    return Membership.objects.filter(user_id=user.pk, role__in=ADMIN_ROLES).exists()


def must_enrol(user: Any) -> bool:
    """An admin-role account without a device (demo accounts are exempt from the forced enrolment)."""
    return not getattr(user, "demo_account", False) and holds_admin_role(user) and not has_device(user)
