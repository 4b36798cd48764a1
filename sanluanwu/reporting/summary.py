"""The campaign summary (总结考评) from the records, per unit and for the district: what was inspected, found (by
category), stopped, shut down (两断三清 done), rectified, closed, still open, relapsed; enforcement; reporting
completeness and timeliness. Read by the summary page, its .docx and its .xlsx, so they cannot disagree."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Sum

from sanluanwu.accounts.choices import OrgUnitKind
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.campaigns.models import Campaign
from sanluanwu.core.withdrawal import ACTIVE
from sanluanwu.lookback.choices import InspectionStatus
from sanluanwu.lookback.models import Inspection, Target
from sanluanwu.registry.choices import CaseStatus, LookbackCategory, RemediationType, category_short
from sanluanwu.registry.models import Case
from sanluanwu.remediation.choices import FINISHED_TASK_STATES, TWO_CUTS_THREE_CLEARS_CODES, EnforcementKind
from sanluanwu.remediation.models import Enforcement, Task
from sanluanwu.reporting import figures as fig
from sanluanwu.reporting import queries

COLUMNS: list[tuple[str, str]] = [
    ("targets", "应排查场所"),
    ("inspected", "已排查"),
    ("found", "发现并列入"),
    *[(f"cat{c.value}", category_short(c.value)) for c in LookbackCategory],
    ("stopped", "已停产"),
    ("shutdown", "关停取缔"),
    ("shutdown_done", "两断三清完成"),
    ("rectification", "治理改造"),
    ("rectified", "治理改造完成销号"),
    ("closed", "已销号"),
    ("open", "尚未销号"),
    ("relapsed", "销号后复发"),
    ("enforcements", "执法（件）"),
    ("fines", "罚款（元）"),
    ("completeness", "报送及时率/完整率"),
]


@dataclass
class UnitSummary:
    unit_id: int | None
    name: str
    values: dict[str, Any] = field(default_factory=lambda: defaultdict(int))
    rates: queries.Rates = field(default_factory=queries.Rates)

    def cell(self, key: str) -> Any:
        if key == "completeness":
            return f"{self.rates.timeliness} / {self.rates.completeness}" if self.rates.expected else "—"
        if key == "fines":
            return f"{self.values.get('fines', Decimal(0)):.2f}"
        return self.values.get(key, 0)


@dataclass
class CampaignSummary:
    campaign: Campaign
    as_of: dt.date
    units: list[UnitSummary]
    district: UnitSummary
    enforcement_kinds: list[tuple[str, int, Decimal]]
    rates: queries.Rates


def campaign_summary(campaign: Campaign, as_of: dt.date) -> CampaignSummary:
    # The participants and any town with a case: a probe per town, not a join with every case made distinct (13 ms
    # at 10,000 cases).
    towns = list(OrgUnit.objects.filter(kind=OrgUnitKind.TOWN).filter(
        Q(pk__in=campaign.participants.values("pk")) | Exists(Case.objects.filter(campaign=campaign,
                                                                                  town_id=OuterRef("pk"))))
        .order_by("sort_order", "name"))  # fmt: skip
    by_id = {t.pk: UnitSummary(t.pk, t.name) for t in towns}

    def unit(town_id: int) -> UnitSummary:
        if town_id not in by_id:
            by_id[town_id] = UnitSummary(town_id, OrgUnit.objects.get(pk=town_id).name)
        return by_id[town_id]

    end = fig.end_of(as_of)
    # Withdrawn places, inspections and tasks (core.withdrawal) are no part of the figures.
    for row in Target.objects.filter(ACTIVE, campaign=campaign).values("town_id").annotate(n=Count("id")):
        unit(row["town_id"]).values["targets"] = row["n"]
    inspected = (Inspection.objects.filter(ACTIVE, target__campaign=campaign, status=InspectionStatus.SUBMITTED,
                                           inspected_at__lt=end)
                 .values("town_id").annotate(n=Count("target_id", distinct=True)))  # fmt: skip
    for row in inspected:
        unit(row["town_id"]).values["inspected"] = row["n"]
    for s in fig.state_groups(campaign, as_of):
        v, n = unit(s.town_id).values, s.n
        v["found"] += n
        v[f"cat{s.category}"] += n
        if s.status != CaseStatus.LISTED:
            v["stopped"] += n
        if s.remediation_type == RemediationType.SHUTDOWN:
            v["shutdown"] += n
        elif s.remediation_type == RemediationType.RECTIFICATION:
            v["rectification"] += n
            if s.status == CaseStatus.CLOSED:
                v["rectified"] += n
        if s.status == CaseStatus.CLOSED:
            v["closed"] += n
        else:
            v["open"] += n
        if s.relapsed:
            v["relapsed"] += n
    # 两断三清 done: a shutdown case whose every item task is finished by then.
    items = (Task.objects.filter(ACTIVE, case__campaign=campaign, kind__item_code__in=TWO_CUTS_THREE_CLEARS_CODES,
                                 case__listed_on__lte=as_of)
             .values("case_id", "case__town_id")
             .annotate(total=Count("id"), finished=Count("id", filter=Q(state__in=list(FINISHED_TASK_STATES),
                                                                         done_at__lt=end))))  # fmt: skip
    for row in items:
        if row["total"] and row["total"] == row["finished"]:
            unit(row["case__town_id"]).values["shutdown_done"] += 1
    enforcement = Enforcement.objects.filter(case__campaign=campaign, decided_on__lte=as_of)
    for row in enforcement.values("case__town_id").annotate(n=Count("id"), fines=Sum("amount")):
        u = unit(row["case__town_id"])
        u.values["enforcements"] = row["n"]
        u.values["fines"] = row["fines"] or Decimal(0)
    kinds = {r["kind"]: (r["n"], r["fines"] or Decimal(0))
             for r in enforcement.values("kind").annotate(n=Count("id"), fines=Sum("amount"))}  # fmt: skip
    enforcement_kinds = [(str(k.label), *kinds.get(k.value, (0, Decimal(0)))) for k in EnforcementKind]
    for (unit_id, _name), rates in queries.unit_rates(campaign, until=as_of + dt.timedelta(days=1)):
        unit(unit_id).rates = rates
    units = sorted(by_id.values(), key=lambda u: [t.pk for t in towns].index(u.unit_id) if u.unit_id in
                   {t.pk for t in towns} else 10**6)  # fmt: skip
    district = UnitSummary(None, "全区")
    for u in units:
        for key, value in u.values.items():
            district.values[key] = district.values.get(key, 0) + value
        district.rates.add(u.rates)
    return CampaignSummary(campaign, as_of, units, district, enforcement_kinds, district.rates)


def table(summary: CampaignSummary) -> tuple[list[str], list[list[Any]]]:
    header = ["单位", *[label for _key, label in COLUMNS]]
    rows = [[u.name, *[u.cell(key) for key, _label in COLUMNS]] for u in [*summary.units, summary.district]]
    return header, rows
