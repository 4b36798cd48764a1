"""The files assembled from several reads: the district workbook of a period and a draft brief."""

from __future__ import annotations

import io
from typing import IO, Any

from sanluanwu.accounts.choices import OrgUnitKind
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.core.masking import mask_field
from sanluanwu.registry.choices import CaseStatus
from sanluanwu.registry.exports import attachment2_rows
from sanluanwu.registry.models import Case
from sanluanwu.remediation.models import Enforcement
from sanluanwu.reporting import documents, exports, queries
from sanluanwu.reporting import figures as fig
from sanluanwu.reporting.models import Period, Report


def _previous_period(period: Period) -> Period | None:
    return (
        Period.objects.filter(campaign=period.campaign, starts_on__lt=period.starts_on).order_by("-starts_on").first()
    )


def _unit_figures(period: Period) -> tuple[dict[int, Report], dict[int, dict[str, Any]]]:
    """Per expected unit of the period: its latest report (if any) and the figures the workbook shows — the frozen
    ones of the report when it sent one, else the records' as of the period's end (today while it runs)."""
    slots = list(period.slots.select_related("unit"))
    # The latest version of each (ordered by number, the last one wins): never a superseded one.
    reports = {r.slot.unit_id: r for r in Report.objects.filter(slot__in=slots).select_related("slot")
               .defer("file", "rows_packed").order_by("slot_id", "number")}  # fmt: skip
    missing = [s.unit_id for s in slots if s.unit_id not in reports]
    live = (
        fig.tally_by_town(fig.state_groups(period.campaign, queries.report_as_of(period), missing)) if missing else {}
    )
    figures = {s.unit_id: reports[s.unit_id].figures if s.unit_id in reports else live.get(s.unit_id, fig.tally([]))
               for s in slots}  # fmt: skip
    return reports, figures


def district_workbook(period: Period, target: IO[bytes]) -> int:
    """One sheet per unit with its 附件2 rows (the frozen rows of its latest report, or the records' for a unit that
    has not reported), and a summary sheet: unit × category × stage, completion rates, change since last period.
    Returns the number of 附件2 rows written."""
    slots = list(period.slots.select_related("unit").order_by("unit__sort_order", "unit__name"))
    reports, figures = _unit_figures(period)
    previous = _previous_period(period)
    before = _unit_figures(previous)[1] if previous else {}
    as_of = queries.report_as_of(period)
    status_of: dict[int, str] = {}
    parts = []
    for s in slots:
        report = reports.get(s.unit_id)
        if report is not None:
            status_of[s.unit_id] = (f"第{report.number}版，{s.get_state_display()}"
                                    + ("，逾期" if s.on_time is False else ""))  # fmt: skip
        else:
            status_of[s.unit_id] = "未报送（按记录生成）"

        def rows(unit_id: int = s.unit_id, report: Report | None = report) -> Any:
            if report is not None:
                stored = Report.objects.only("rows_packed").get(pk=report.pk).rows
                return exports.decode_rows(stored)
            return attachment2_rows(Case.objects.filter(campaign=period.campaign, town_id=unit_id), as_of=as_of)

        parts.append(exports.UnitPart(s.unit_id, s.unit.name, status_of[s.unit_id],
                                      report.as_of if report else as_of, figures[s.unit_id],
                                      before.get(s.unit_id) if previous else None, rows))  # fmt: skip
    total: dict[str, Any] = fig.tally([])
    for f in figures.values():
        _merge(total, f)
    total_before: dict[str, Any] | None = None
    if previous:
        total_before = fig.tally([])
        for f in before.values():
            _merge(total_before, f)
    title = f"武进区“散乱污”企业（作坊）整治进展汇总（{period.label}，{period.span}，截止 {period.due_on:%m月%d日}）"
    return exports.district_workbook(target, title=title, parts=parts, district_lines=fig.lines(total, total_before),
                                     status_of=status_of)  # fmt: skip


def district_workbook_file(period_id: int) -> tuple[bytes, int]:
    """The district workbook of a period as bytes and its 附件2 row count: what core.exporting.build_apart runs in
    the builder process (ids in, bytes out)."""
    buffer = io.BytesIO()
    rows = district_workbook(Period.objects.select_related("campaign").get(pk=period_id), buffer)
    return buffer.getvalue(), rows


def _merge(into: dict[str, Any], figures: dict[str, Any]) -> None:
    for group in ("category", "type"):
        for key, counts in figures.get(group, {}).items():
            bucket = into[group].setdefault(key, fig.empty())
            for k, v in counts.items():
                bucket[k] = bucket.get(k, 0) + v
    for k, v in figures.get("total", {}).items():
        into["total"][k] = into["total"].get(k, 0) + v


def _whole(unit: OrgUnit) -> str:
    """全镇 / 全街道 / 全区: how a brief names the whole of its unit (a department reports on the whole district)."""
    if unit.kind != OrgUnitKind.TOWN:
        return "全区"
    return {"town": "全镇", "street": "全街道"}.get(unit.town_type, "全区")


def brief_draft(unit: OrgUnit, period: Period) -> bytes:
    """A draft brief of a unit from the period's figures: a town's own cases; a department's the district's."""
    campaign = period.campaign
    as_of = queries.report_as_of(period)
    towns = [unit.pk] if unit.kind == OrgUnitKind.TOWN else None
    figures = fig.tally(fig.state_groups(campaign, as_of, towns))
    previous_period = _previous_period(period)
    previous = None
    if previous_period is not None:
        previous = fig.tally(fig.state_groups(campaign, queries.report_as_of(previous_period), towns))
    cases = Case.objects.filter(campaign=campaign).select_related("enterprise")
    if towns:
        cases = cases.filter(town_id=unit.pk)
    # Notable cases: a town's own closings and enforcement; a department's own enforcement only (it names no case of
    # a town it holds no record of).
    notable = [] if not towns else [
        f"{c.enterprise.name}于{c.closed_on:%m月%d日}通过现场审核并销号。" for c in
        cases.filter(status=CaseStatus.CLOSED, closed_on__gte=period.starts_on, closed_on__lte=as_of)
        .order_by("-closed_on")[:3]]  # fmt: skip
    enforcement = Enforcement.objects.filter(case__in=cases, decided_on__gte=period.starts_on, decided_on__lte=as_of)
    if not towns:
        enforcement = enforcement.filter(unit=unit)
    # The 文书号 as every output shows it (personal: people type a number into it).
    notable += [f"{e.unit.name}对{e.case.enterprise.name}作出{e.get_kind_display()}决定（"
                f"{mask_field('remediation.enforcement', 'document_no', e.document_no)}）。"
                for e in enforcement.select_related("unit", "case__enterprise")[:3]]  # fmt: skip
    issue_no = sum(1 for _ in queries.periods_of(campaign).filter(starts_on__lte=period.starts_on))
    return documents.brief_draft(unit_name=unit.name, period_label=f"{period.label}，{period.span}", as_of=as_of,
                                 figures=figures, previous=previous,
                                 previous_label=previous_period.label if previous_period else "", notable=notable,
                                 issue_no=issue_no, whole=_whole(unit))  # fmt: skip
