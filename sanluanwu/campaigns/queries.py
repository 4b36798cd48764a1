"""Which campaign and phase "today" falls in (today from core.clock, so tests can move it)."""

from __future__ import annotations

import datetime as dt

from sanluanwu.campaigns.models import Campaign, Phase
from sanluanwu.core import clock


def current_campaign(on: dt.date | None = None) -> Campaign | None:
    """The active campaign running on the date, else the most recent active one."""
    on = on or clock.today()
    active = Campaign.objects.filter(is_active=True)
    return active.filter(starts_on__lte=on, ends_on__gte=on).first() or active.first()


def current_phase(campaign: Campaign, on: dt.date | None = None) -> Phase | None:
    on = on or clock.today()
    return campaign.phases.filter(starts_on__lte=on, ends_on__gte=on).first()
