"""Reads of the reporting work, always scoped: the office sees every unit, a town its own, a department its own
briefs. `access_*` answer 404 out of scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from sanluanwu.accounts import permissions
from sanluanwu.accounts.scope import Scope, scope_for
from sanluanwu.campaigns.models import Campaign
from sanluanwu.core import clock, params
from sanluanwu.core.withdrawal import ACTIVE
from sanluanwu.registry.exports import attachment2_rows
from sanluanwu.registry.models import Case
from sanluanwu.reporting import figures as fig
from sanluanwu.reporting.choices import BriefState, ReportState, SlotState
from sanluanwu.reporting.models import Brief, BriefPhoto, Period, Report, Slot, WorkPlan


def _scope(user_or_scope: Any) -> Scope:
    return user_or_scope if isinstance(user_or_scope, Scope) else scope_for(user_or_scope)


def slots_visible_to(user_or_scope: Any) -> QuerySet[Slot]:
    scope = _scope(user_or_scope)
    slots = Slot.objects.select_related("period", "period__campaign", "unit")
    if not permissions.allows(scope, "report.view"):
        return slots.none()
    if scope.sees_district:
        return slots
    return slots.filter(unit_id__in=scope.town_ids)


def access_slot(user: Any, pk: Any) -> Slot:
    try:
        return slots_visible_to(user).get(pk=params.pk(pk) or 0)
    except Slot.DoesNotExist:
        raise Http404("未找到该报送记录") from None


def access_period(user: Any, pk: Any) -> Period:
    scope = scope_for(user)
    if not permissions.allows(scope, "report.view"):
        raise Http404("未找到该报送期")
    try:
        return Period.objects.select_related("campaign").get(pk=params.pk(pk) or 0)
    except Period.DoesNotExist:
        raise Http404("未找到该报送期") from None


def access_report(user: Any, pk: Any) -> Report:
    try:
        return Report.objects.select_related("slot", "slot__period", "slot__unit").get(
            pk=params.pk(pk) or 0, slot__in=slots_visible_to(user)
        )
    except Report.DoesNotExist:
        raise Http404("未找到该报表") from None


def current_report(slot: Slot) -> Report | None:
    """The latest version (the one the office reviews or has reviewed)."""
    return slot.reports.order_by("-number").first()


def previous_report(slot: Slot) -> Report | None:
    """The unit's last report before this period (its latest version): what "change since the last report" means.
    A version the office sent back (and the town never corrected) is no baseline: the one before it is.
    Its figures and period only: its frozen rows and workbook (a town's 10,000 rows are megabytes) stay unread."""
    return (
        Report.objects.defer("rows_packed", "file")
        .filter(
            slot__unit_id=slot.unit_id,
            slot__period__campaign_id=slot.period.campaign_id,
            slot__period__starts_on__lt=slot.period.starts_on,
        )
        .exclude(state__in=[ReportState.SUPERSEDED, ReportState.RETURNED])
        .select_related("slot__period")
        .order_by("-slot__period__starts_on", "-number")
        .first()
    )


def last_signature(slot: Slot) -> Report | None:
    """The unit's most recent report (any period): its 填表人, 审核人 and 联系电话 fill the next one's form."""
    return (
        Report.objects.filter(slot__unit_id=slot.unit_id)
        .only("filler", "reviewer", "phone")
        .order_by("-submitted_at")
        .first()
    )


def report_as_of(period: Period, today: dt.date | None = None) -> dt.date:
    """A report shows its unit's cases as of the period's end, or of today while the period runs."""
    return min(period.ends_on, today or clock.today())


@dataclass
class Draft:
    """What a report would say if submitted now (the town manager reviews it before submitting)."""

    as_of: dt.date
    rows: list[Any]
    figures: dict[str, Any]
    previous: Report | None

    @property
    def lines(self) -> list[fig.Line]:
        return fig.lines(self.figures, self.previous.figures if self.previous else None)


def unit_cases(campaign: Campaign, unit_id: int) -> QuerySet[Case]:
    return Case.objects.filter(campaign=campaign, town_id=unit_id)


def draft_report(slot: Slot) -> Draft:
    period = slot.period
    as_of = report_as_of(period)
    rows = list(
        attachment2_rows(
            unit_cases(period.campaign, slot.unit_id),
            as_of=as_of,
            from_history=as_of < clock.today() or clock.is_fixed(),
        )
    )
    figures = fig.tally(fig.state_groups(period.campaign, as_of, [slot.unit_id]))
    return Draft(as_of, rows, figures, previous_report(slot))


@dataclass(frozen=True)
class DraftSummary:
    """What the report's page shows of the draft before it is submitted: the day it is as of, how many enterprises
    it lists and its summary lines. draft_report() builds the rows themselves (the preview and the submission)."""

    as_of: dt.date
    count: int
    lines: list[fig.Line]
    previous_label: str


def draft_summary(slot: Slot) -> DraftSummary:
    """draft_report() without its rows: one row per case listed by `as_of` (attachment2_rows), so a count. At a
    deadline the page is opened again and again; building a town's 10,000 rows each time only to count them was
    a quarter of the server's time."""
    period = slot.period
    as_of = report_as_of(period)
    count = unit_cases(period.campaign, slot.unit_id).filter(listed_on__lte=as_of).count()
    figures = fig.tally(fig.state_groups(period.campaign, as_of, [slot.unit_id]))
    previous = previous_report(slot)
    return DraftSummary(as_of, count, fig.lines(figures, previous.figures if previous else None),
                        previous.slot.period.label if previous else "")  # fmt: skip


def row_diff(old_rows: list[Any], new_rows: list[Any]) -> dict[str, int]:
    old = {case_id: cells for case_id, cells in old_rows}
    new = {case_id: cells for case_id, cells in new_rows}
    return {
        "added": sum(1 for k in new if k not in old),
        "removed": sum(1 for k in old if k not in new),
        "changed": sum(1 for k in new if k in old and new[k] != old[k]),
    }


def figure_diff(old: dict[str, Any], new: dict[str, Any]) -> int:
    """How many figures of the summary differ (every category, type and total cell)."""
    changed = 0
    for group in ("category", "type"):
        keys = set(old.get(group, {})) | set(new.get(group, {}))
        for key in keys:
            a, b = old.get(group, {}).get(key, fig.empty()), new.get(group, {}).get(key, fig.empty())
            changed += sum(1 for k in fig.FIGURE_KEYS if a.get(k, 0) != b.get(k, 0))
    a, b = old.get("total", fig.empty()), new.get("total", fig.empty())
    return changed + sum(1 for k in fig.FIGURE_KEYS if a.get(k, 0) != b.get(k, 0))


# ---- rates -------------------------------------------------------------------------------------------------------


@dataclass
class Rates:
    """DHIS2's reporting rate and reporting rate on time: of the expected reports, how many came, how many in time."""

    expected: int = 0
    submitted: int = 0
    on_time: int = 0

    @property
    def late(self) -> int:
        return self.submitted - self.on_time

    @property
    def missing(self) -> int:
        return self.expected - self.submitted

    @property
    def completeness(self) -> str:
        return fig.rate_text(fig.rate(self.submitted, self.expected))

    @property
    def timeliness(self) -> str:
        return fig.rate_text(fig.rate(self.on_time, self.expected))

    def add(self, other: Rates) -> None:
        self.expected += other.expected
        self.submitted += other.submitted
        self.on_time += other.on_time


def period_rates(periods: QuerySet[Period] | list[Period], scope: Scope | None = None) -> dict[int, Rates]:
    """Per period: expected (the frozen slots), submitted (at least once), on time (first submission by the due)."""
    slots = Slot.objects.filter(period__in=list(periods))
    if scope is not None and not scope.sees_district:
        slots = slots.filter(unit_id__in=scope.town_ids)
    rows = slots.values("period_id").annotate(
        expected=Count("id"),
        submitted=Count("id", filter=Q(first_submitted_at__isnull=False)),
        on_time=Count("id", filter=Q(on_time=True)),
    )
    return {r["period_id"]: Rates(r["expected"], r["submitted"], r["on_time"]) for r in rows}


def unit_rates(
    campaign: Campaign, *, until: dt.date | None = None, scope: Scope | None = None
) -> list[tuple[Any, Rates]]:
    """Per unit over the campaign's periods already due by `until` (today): the unit's completeness and timeliness."""
    until = until or clock.today()
    slots = Slot.objects.filter(period__campaign=campaign, period__due_on__lt=until)
    if scope is not None and not scope.sees_district:
        slots = slots.filter(unit_id__in=scope.town_ids)
    rows = (
        slots.values("unit_id", "unit__name", "unit__sort_order")
        .annotate(
            expected=Count("id"),
            submitted=Count("id", filter=Q(first_submitted_at__isnull=False)),
            on_time=Count("id", filter=Q(on_time=True)),
        )
        .order_by("unit__sort_order", "unit__name")
    )
    return [((r["unit_id"], r["unit__name"]), Rates(r["expected"], r["submitted"], r["on_time"])) for r in rows]


def campaign_rates(campaign: Campaign, *, until: dt.date | None = None) -> Rates:
    total = Rates()
    for _unit, rates in unit_rates(campaign, until=until):
        total.add(rates)
    return total


def periods_of(campaign: Campaign) -> QuerySet[Period]:
    return Period.objects.filter(campaign=campaign).order_by("starts_on")


def current_period(campaign: Campaign, today: dt.date | None = None) -> Period | None:
    today = today or clock.today()
    return periods_of(campaign).filter(starts_on__lte=today, ends_on__gte=today).first()


def next_due(campaign: Campaign, today: dt.date | None = None) -> Period | None:
    today = today or clock.today()
    return periods_of(campaign).filter(due_on__gte=today).order_by("due_on").first()


def open_slot_states() -> list[str]:
    """States in which the unit has not (re)submitted what is asked of it."""
    return [SlotState.MISSING, SlotState.RETURNED, SlotState.REOPENED]


# ---- work plans and briefs ---------------------------------------------------------------------------------------


def _withdrawn(qs: QuerySet[Any], withdrawn: bool | None) -> QuerySet[Any]:
    """Lists and counts read the records in play (False); the record's page and its history both (None)."""
    if withdrawn is None:
        return qs
    return qs.exclude(ACTIVE) if withdrawn else qs.filter(ACTIVE)


def workplans_visible_to(user_or_scope: Any, *, withdrawn: bool | None = False) -> QuerySet[WorkPlan]:
    scope = _scope(user_or_scope)
    plans = _withdrawn(WorkPlan.objects.select_related("unit").defer("content"), withdrawn)
    if not permissions.allows(scope, "workplan.view"):
        return plans.none()
    return plans if scope.sees_district else plans.filter(unit_id__in=scope.town_ids)


def access_workplan(user: Any, pk: Any) -> WorkPlan:
    try:
        return workplans_visible_to(user, withdrawn=None).defer(None).get(pk=params.pk(pk) or 0)
    except WorkPlan.DoesNotExist:
        raise Http404("未找到该工作方案") from None


def briefs_visible_to(user_or_scope: Any, *, withdrawn: bool | None = False) -> QuerySet[Brief]:
    """The office reads every submitted brief (and no one's drafts); a unit reads its own, drafts included."""
    scope = _scope(user_or_scope)
    briefs = _withdrawn(Brief.objects.select_related("unit"), withdrawn)
    if not permissions.allows(scope, "brief.view"):
        return briefs.none()
    own = Q(unit_id__in=scope.town_ids | scope.department_ids)
    if scope.sees_district:
        return briefs.filter(own | Q(state=BriefState.SUBMITTED))
    return briefs.filter(own)


def access_brief(user: Any, pk: Any) -> Brief:
    try:
        return briefs_visible_to(user, withdrawn=None).get(pk=params.pk(pk) or 0)
    except Brief.DoesNotExist:
        raise Http404("未找到该工作简讯") from None


def latest_reports(slots: list[Slot]) -> list[Report]:
    """The latest version of each slot's report (without the file and rows)."""
    reports = Report.objects.filter(slot__in=slots).defer("file", "rows_packed").order_by("slot_id", "-number")
    seen: set[int] = set()
    out = []
    for r in reports:
        if r.slot_id not in seen:
            seen.add(r.slot_id)
            out.append(r)
    return out


def access_brief_photo(user: Any, pk: Any) -> BriefPhoto:
    """A photo of a brief the user may read; 404 otherwise."""
    try:
        return BriefPhoto.objects.get(pk=params.pk(pk) or 0, brief__in=briefs_visible_to(user, withdrawn=None))
    except BriefPhoto.DoesNotExist:
        raise Http404("未找到该照片") from None
