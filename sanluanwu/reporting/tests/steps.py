"""The small steps the reporting tests take: the period of a day, a unit's slot, a report submitted as the town
manager would, a campaign of our own dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sanluanwu.accounts.models import OrgUnit
from sanluanwu.campaigns.models import Campaign
from sanluanwu.reporting import services
from sanluanwu.reporting.models import Period, Report, Slot

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def new_campaign(name: str, starts_on: dt.date, ends_on: dt.date, towns: list[OrgUnit], *, today: dt.date,
                 **fields: Any) -> Campaign:  # fmt: skip
    campaign = Campaign.objects.create(name=name, starts_on=starts_on, ends_on=ends_on, **fields)
    campaign.participants.set(towns)
    services.sync_periods(campaign=campaign, today=today)
    return campaign


def period_of(campaign: Campaign, day: dt.date) -> Period:
    return Period.objects.get(campaign=campaign, starts_on__lte=day, ends_on__gte=day)


def slot_of(campaign: Campaign, day: dt.date, unit: OrgUnit) -> Slot:
    return Slot.objects.get(period=period_of(campaign, day), unit=unit)


def fresh(slot: Slot) -> Slot:
    return Slot.objects.get(pk=slot.pk)


def submit(actor: Any, slot: Slot, **overrides: Any) -> Report:
    data = {"filler": "张填表", "reviewer": "李审核", "phone": "0519-86310000", "remark": ""}
    data.update(overrides)
    return services.submit_report(actor=actor, slot=slot, **data)


def case_in(campaign: Campaign, **fields: Any) -> dict[str, Any]:
    """The case fields of make_case(), in the given campaign."""
    return {"campaign": campaign, **fields}
