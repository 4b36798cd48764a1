"""Every change of the reporting work: periods following their campaign, moved due dates, the report's cycle
(submit → accept, or return → resubmit; an accepted report reopened only on a granted request), work plans, briefs
and the scheduled reminders. Keyword-only, `actor` required, one transaction, the audit event inside it."""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from sanluanwu.accounts import permissions
from sanluanwu.accounts.choices import OrgUnitKind, Role
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.scope import scope_for
from sanluanwu.audit import memo
from sanluanwu.audit.services import record_event
from sanluanwu.campaigns.models import Campaign
from sanluanwu.core import clock, photos
from sanluanwu.core.errors import Conflict, PermissionDenied, TransitionNotAllowed, ValidationFailed
from sanluanwu.core.masking import AmbiguousMask, holds_personal_number, is_masked_form, restore_masked
from sanluanwu.core.text import clean_multiline, clean_text, to_halfwidth, unsaid
from sanluanwu.core.withdrawal import clean_reason, mark_restored, mark_withdrawn, refuse_if_withdrawn
from sanluanwu.notices.services import notify
from sanluanwu.registry.exports import Signature
from sanluanwu.registry.visibility import case_topics
from sanluanwu.reporting import exports, queries
from sanluanwu.reporting.choices import SUBMITTABLE, BriefState, ReminderKind, ReportState, SlotState
from sanluanwu.reporting.models import (
    Brief,
    BriefPhoto,
    DueDateChange,
    Period,
    ReminderSent,
    ReopenRequest,
    Report,
    Slot,
    WorkPlan,
    pack_rows,
)
from sanluanwu.reporting.periods import half_months

_OFFICE_ROLES = [Role.OFFICE_ADMIN, Role.OFFICE_STAFF]


def _name(actor: Any) -> str:
    return str(getattr(actor, "display_name", "") or getattr(actor, "username", ""))


def _offices() -> list[OrgUnit]:
    return list(OrgUnit.objects.filter(kind=OrgUnitKind.OFFICE, is_active=True))


def _text(value: str, field: str, label: str, *, limit: int, required: bool = False, lines: bool = False,
          says: bool = False) -> str:  # fmt: skip
    """A text as stored; `says`: a required reason or comment the record keeps, which must say something
    (core.text.unsaid: "x" or an invisible character is none)."""
    text = (clean_multiline(value) if lines else clean_text(value)).strip()
    if required and not text:
        raise ValidationFailed({field: [f"请填写{label}"]})
    if required and says and (refusal := unsaid(text, label)):
        raise ValidationFailed({field: [refusal]})
    if len(text) > limit:
        raise ValidationFailed({field: [f"{label}不能超过 {limit} 个字（现有 {len(text)} 个）"]})
    return text


# ---- periods -----------------------------------------------------------------------------------------------------


def expected_units(campaign: Campaign) -> list[OrgUnit]:
    """The towns taking part (they send the 附件2 table)."""
    return list(campaign.participants.filter(kind=OrgUnitKind.TOWN, is_active=True))


def follow_campaign(*, campaign: Campaign, actor: Any) -> None:
    """A campaign changed (campaigns.services' hook): its periods follow."""
    sync_periods(campaign=campaign)


def sync_periods(*, campaign: Campaign, today: dt.date | None = None) -> list[Period]:
    """Create the campaign's half-month periods; a period no longer inside the campaign goes if nothing was reported
    in it. The units expected in a period follow the campaign's towns until its due date has passed; from then on
    they are frozen, so a unit joining or leaving later never changes an old period's rates."""
    today = today or clock.today()
    wanted = half_months(campaign.starts_on, campaign.ends_on, first_due_day=campaign.first_due_day,
                         second_due_day=campaign.second_due_day)  # fmt: skip
    units = expected_units(campaign)
    with transaction.atomic():
        existing = {p.starts_on.replace(day=1 if p.starts_on.day <= 15 else 16): p
                    for p in Period.objects.select_for_update(no_key=True).filter(campaign=campaign)}  # fmt: skip
        kept: list[Period] = []
        new: list[Period] = []
        for dates in wanted:
            key = dates.starts_on.replace(day=1 if dates.starts_on.day <= 15 else 16)
            period = existing.pop(key, None)
            if period is None:
                period = Period(campaign=campaign, starts_on=dates.starts_on, ends_on=dates.ends_on,
                                default_due_on=dates.due_on, due_on=dates.due_on)  # fmt: skip
                new.append(period)
            else:
                reported = _refuse_reshaping(period, dates.starts_on, dates.ends_on, today)
                # New due days apply from now on: a period ended, reported in or past its due date keeps the date
                # its units were judged by (the office moves one date on the period's page, with a reason).
                settled = reported or period.ends_on < today or period.due_on < today
                period.starts_on, period.ends_on = dates.starts_on, dates.ends_on
                if not settled:
                    moved = period.due_on != period.default_due_on
                    if not moved and dates.due_on != period.due_on and dates.due_on < today:
                        # New due days that put the running period's date behind today would make every unit late at
                        # once, and the period, past its due date then, would keep it whatever came next.
                        field = "first_due_day" if dates.starts_on.day <= 15 else "second_due_day"
                        raise ValidationFailed({field: [
                            f"{period.label}（{period.span}）按新的报送日应于 {dates.due_on:%Y-%m-%d} 截止，已经过去，"
                            "各单位会立即算作逾期；请另选报送日（新的报送日从下一期起适用时，可在该期截止后再改），"
                            "或在该期页面调整截止日期"]})  # fmt: skip
                    period.default_due_on = dates.due_on
                    if not moved:
                        period.due_on = dates.due_on
                period.save()
                # A period past its due date keeps its units; one that never had any (a campaign set up late) gets
                # them.
                if period.due_on >= today or not period.slots.exists():
                    _follow_units(period, units)
            kept.append(period)
        # New periods and their units in two inserts (a new campaign has some seven periods of 18 towns).
        Period.objects.bulk_create(new)
        Slot.objects.bulk_create([Slot(period=period, unit=unit) for period in new for unit in units])
        if new:
            memo.bump("reporting")  # bulk_create sends no post_save
        for period in sorted(existing.values(), key=lambda p: p.starts_on):  # outside the campaign now
            # Only a period nothing happened in goes: not one begun, reported in or whose due date was moved (the
            # campaign's dates are refused instead: its records would be lost, and a notice would point at nothing).
            if period.starts_on <= today or period.due_on != period.default_due_on or period.due_changes.exists() \
                    or Report.objects.filter(slot__period=period).exists():  # fmt: skip
                raise ValidationFailed({"ends_on": [
                    f"{period.label}（{period.span}）已开始、已有报送或调整过截止日期，专项行动的日期不能改到不含该期；"
                    "如确需缩短，只能缩到尚未开始且无任何记录的报送期之前"]})  # fmt: skip
            period.delete()
    return kept


def _refuse_reshaping(period: Period, starts_on: dt.date, ends_on: dt.date, today: dt.date) -> bool:
    """A period's span follows the campaign's dates only while nothing depends on it: a begun or reported period keeps
    its first day (its reports cover it; on its first day it may still move), and a reported or ended one its last
    (the reports are as of it). The running, unreported period's end may still move (the campaign extended or cut
    short), but not into the past: ended at once, it could never be reported in nor moved again. Whether the period
    has reports."""
    reported = Report.objects.filter(slot__period=period).exists()
    if starts_on != period.starts_on and (period.starts_on < today or reported):
        raise ValidationFailed({"starts_on": [f"{period.label}（{period.span}）已开始或已有报送，其起始日不能再改变；"
                                              "专项行动的开始日期不能改到该期之后"]})  # fmt: skip
    if ends_on != period.ends_on and (reported or period.ends_on < today):
        raise ValidationFailed({"ends_on": [f"{period.label}（{period.span}）已结束或已有报送，其截止日不能再改变；"
                                            "专项行动的结束日期不能改到该期之内"]})  # fmt: skip
    if ends_on != period.ends_on and ends_on < today:
        raise ValidationFailed({"ends_on": [f"{period.label}（{period.span}）正在进行，专项行动的结束日期不能早于今天"
                                            f"（{today:%Y-%m-%d}）：该期会随即结束，既无法报送也无法再改回"]})  # fmt: skip
    return reported


def _follow_units(period: Period, units: list[OrgUnit]) -> None:
    have = {s.unit_id: s for s in period.slots.all()}
    Slot.objects.bulk_create([Slot(period=period, unit=u) for u in units if u.pk not in have])
    wanted = {u.pk for u in units}
    for unit_id, slot in have.items():
        if unit_id not in wanted and slot.versions == 0:
            slot.delete()


def move_due_date(*, actor: Any, period: Period, due_on: dt.date, reason: str, confirm_past: bool = False) -> Period:
    """The office moves a due date (a holiday) with a reason; recorded and shown. Timeliness follows the new date, so
    moving the date of a period already due needs `confirm_past` (the page asks)."""
    permissions.require(scope_for(actor), "report.review")
    reason = _text(reason, "reason", "调整理由", limit=300, required=True, says=True)
    if period.due_on < clock.today() and not confirm_past:
        on_time = period.slots.filter(on_time=True).count()
        raise ValidationFailed({"confirm_past": [
            f"本期已于 {period.due_on:%Y-%m-%d} 截止，调整后将按新日期重新判断各单位是否按时（现按时 {on_time} 家）；"
            "确需调整请勾选“确认调整已截止的报送期”"]})  # fmt: skip
    earliest = min(period.ends_on, period.default_due_on) - dt.timedelta(days=7)
    if due_on < earliest:
        raise ValidationFailed({"due_on": [f"报送截止日期不能早于 {earliest:%Y-%m-%d}（规定报送日期 "
                                           f"{period.default_due_on:%Y-%m-%d} 前一周），本期 {period.span}"]})  # fmt: skip
    if (due_on - period.ends_on).days > 60:
        raise ValidationFailed({"due_on": ["报送截止日期不能晚于本期结束后 60 天"]})
    with transaction.atomic():
        period = Period.objects.select_for_update(no_key=True).get(pk=period.pk)
        if due_on == period.due_on:
            raise ValidationFailed({"due_on": [f"截止日期已是 {due_on:%Y-%m-%d}"]})
        old = period.due_on
        DueDateChange.objects.create(period=period, from_date=old, to_date=due_on, reason=reason,
                                     changed_by=_user(actor), changed_at=clock.now())  # fmt: skip
        period.due_on, period.due_reason = due_on, reason
        period.save(update_fields=["due_on", "due_reason"])
        for slot in period.slots.filter(first_submitted_at__isnull=False):
            slot.on_time = timezone.localdate(slot.first_submitted_at) <= due_on
            slot.save(update_fields=["on_time"])
        for report in Report.objects.filter(slot__period=period):
            late = timezone.localdate(report.submitted_at) > due_on
            if late != report.late:
                report.late = late
                report.save(update_fields=["late"])
        record_event(actor=actor, action="reporting.period.due_moved", obj=period,
                     changes={"due_on": [old.isoformat(), due_on.isoformat()]}, note=reason)  # fmt: skip
        # Each town's managers to their own report (the period's page is the office's).
        for slot in period.slots.all():
            notify(kind="reporting.due_moved", text=f"{period.label}报表的报送截止日期由 {old:%m月%d日} 调整为 "
                   f"{due_on:%m月%d日}：{reason}", url=reverse("reporting:slot", args=[slot.pk]), units=[slot.unit_id],
                   roles=[Role.TOWN_MANAGER], exclude=actor)  # fmt: skip
    return period


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


# ---- the report's cycle ------------------------------------------------------------------------------------------


_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: NOWAIT found the row locked


def _hold(slot: Slot, expected: Iterable[str], action: str, *, busy: str = "") -> Slot:
    """Lock the slot and check it is still where the action starts from (two clicks, two users). With `busy`, a slot
    another transaction holds is not waited for: Conflict(busy) at once."""
    try:
        held = (
            Slot.objects.select_for_update(of=("self",), no_key=True, nowait=bool(busy))
            .select_related("period", "period__campaign", "unit")
            .get(pk=slot.pk)
        )
    except OperationalError as exc:
        if busy and getattr(exc.__cause__, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            raise Conflict(busy) from None
        raise
    if held.state not in set(expected):
        raise TransitionNotAllowed(f"该报表当前为“{SlotState(held.state).label}”，不能{action}")
    return held


_PHONE = re.compile(r"[0-9０-９+＋()（）\-－ 转,，/、ext.]{5,30}", re.IGNORECASE)


def _known_phone(phone: str, slot: Slot, actor: Any) -> str:
    """The form offers the unit's last 联系电话 (or the user's own) masked like every page: sent back as shown, it is
    that number."""
    if "*" not in phone:
        return phone
    last = queries.last_signature(slot)
    for known in (last.phone if last else "", getattr(_user(actor), "phone", "") or ""):
        if known and is_masked_form(phone, known, "phone"):
            return known
    return phone


def _identical(report: Report) -> ValidationFailed:
    return ValidationFailed(f"与待审核的第{report.number}版完全相同，无需重复报送")


def submit_report(
    *,
    actor: Any,
    slot: Slot,
    filler: str,
    reviewer: str,
    phone: str,
    remark: str = "",
    expected_version: int | None = None,
) -> Report:
    """Freeze the unit's report as of the period's end (today while it runs): the 附件2 rows, the summary with its
    change since the last report, the rendered xlsx and its SHA-256. A correction is a new version; after the due
    date the report is marked late, and the unit's timeliness is judged on its first submission.

    `expected_version` is the slot's version the form was read at: a second click or a second tab finds it moved on
    (409), and a version identical to the one awaiting review is refused, so no duplicate versions pile up."""
    scope = scope_for(actor)
    permissions.require(scope, "report.submit", town_id=slot.unit_id)
    filler = _text(filler, "filler", "填表人", limit=50, required=True)
    reviewer = _text(reviewer, "reviewer", "审核人", limit=50, required=True)
    for field, label, value in (("filler", "填表人", filler), ("reviewer", "审核人", reviewer)):
        if holds_personal_number(value):  # shown in clear in every version's table: a name only
            raise ValidationFailed({field: [f"{label}只填姓名，不能含有电话号码或身份证号（电话填在“联系电话”栏）"]})
    phone = _text(phone, "phone", "联系电话", limit=30, required=True)
    phone = _known_phone(phone, slot, actor)
    if not _PHONE.fullmatch(phone):
        raise ValidationFailed(
            {"phone": ["联系电话不像电话号码：只能有数字、空格、-、+、括号和“转”，如 0519-86310000"]}
        )
    phone = to_halfwidth(phone)  # typed with a Chinese input method (０５１９－８６…): kept as the digits it reads
    remark = _text(remark, "remark", "备注", limit=2000, lines=True)
    today = clock.today()
    with transaction.atomic():
        # Freezing a town's rows and rendering them takes a while: a second user of the town submitting meanwhile is
        # told so at once instead of holding a server thread until the first one is done (and then finding it moved).
        slot = _hold(slot, SUBMITTABLE, "报送", busy="本单位的报表正在由他人报送，请稍候刷新页面查看结果")
        if expected_version is not None and expected_version != slot.version:
            raise Conflict(
                f"该报表刚刚有了变化（现为第{slot.versions}版，{SlotState(slot.state).label}），请刷新页面后再操作"
            )
        period = slot.period
        if not period.has_begun(today):
            raise TransitionNotAllowed(f"{period.label}（{period.span}）尚未开始，不能报送")
        # The town's records' version, read before the rows are: stored with them, it can only be older than they are.
        version = memo.town_heads_now(case_topics(), frozenset({slot.unit_id}))
        earlier = slot.reports.defer("rows_packed", "file").order_by("-number").first()
        # The version awaiting review, if this one would repeat its signature (names, phone) and remark.
        same = earlier if earlier is not None and earlier.state == ReportState.SUBMITTED and (
            earlier.filler, earlier.reviewer, earlier.phone, earlier.remark) == (filler, reviewer, phone, remark) else None  # fmt: skip
        # A repeated click with nothing of the town written since (no event of its cases, nor one naming no town) and
        # the same day and previous report: refused before a town's 10,000 rows are read, frozen and compared.
        if same is not None and same.data_version == version and same.as_of == queries.report_as_of(period):
            previous = queries.previous_report(slot)
            if (previous.figures if previous else None) == same.previous_figures:
                raise _identical(same)
        draft = queries.draft_report(slot)
        rows = exports.encode_rows(draft.rows)
        previous = draft.previous
        # Before the workbook is rendered: a repeated click costs a comparison, not a workbook. The last version's
        # frozen rows (a town's 10,000 rows are megabytes of JSON) are read only when all else is the same, its
        # workbook never.
        if same is not None and same.as_of == draft.as_of and same.figures == draft.figures and same.rows == rows:
            raise _identical(same)
        unit_label = slot.unit.name
        content = exports.report_xlsx(
            draft.rows, unit_label=unit_label, period_label=f"{period.label}，{period.span}", as_of=draft.as_of,
            lines=draft.lines, previous_label=previous.slot.period.label if previous else "",
            signature=Signature(filler, reviewer, phone), remark=remark,
        )  # fmt: skip
        # Compared with the version the office returned, when this one answers a return (not after a reopening).
        returned = earlier if earlier is not None and earlier.state == ReportState.RETURNED else None
        diff = None
        if returned is not None:
            diff = {"against": returned.number, **queries.row_diff(returned.rows, rows),
                    "figures": queries.figure_diff(returned.figures, draft.figures)}  # fmt: skip
        if earlier is not None and earlier.state in (ReportState.SUBMITTED, ReportState.ACCEPTED):
            earlier.state = ReportState.SUPERSEDED
            earlier.save(update_fields=["state"])
        now = clock.now()
        late = today > period.due_on
        number = slot.versions + 1
        report = Report.objects.create(
            slot=slot, number=number, as_of=draft.as_of, rows_packed=pack_rows(rows), figures=draft.figures,
            previous_figures=previous.figures if previous else None,
            previous_label=previous.slot.period.label if previous else "", diff=diff, file=content,
            filename=f"附件2_{unit_label}_{period.label}_第{number}版.xlsx", sha256=hashlib.sha256(content).hexdigest(),
            size=len(content), remark=remark, filler=filler, reviewer=reviewer, phone=phone,
            submitted_by=_user(actor), submitted_by_name=_name(actor), submitted_at=now, late=late,
            data_version=version,
        )  # fmt: skip
        first = slot.first_submitted_at is None
        if first:
            slot.first_submitted_at, slot.on_time = now, not late
        slot.state, slot.versions, slot.version = SlotState.SUBMITTED, number, slot.version + 1
        slot.save()
        record_event(actor=actor, action="reporting.report.submitted", obj=report,
                     changes={"number": [None, number], "sha256": [None, report.sha256], "late": [None, late]},
                     note=remark, org_unit_name=unit_label, town_id=slot.unit_id)  # fmt: skip
        words = f"{unit_label}报送了{period.label}报表（第{number}版{'，逾期' if late else ''}）"
        notify(kind="reporting.submitted", text=words, url=reverse("reporting:slot", args=[slot.pk]),
               units=_offices(), roles=_OFFICE_ROLES, exclude=actor)  # fmt: skip
    return report


def _review(*, actor: Any, slot: Slot, accepted: bool, comment: str) -> Report:
    """The office's decision on the latest version: the version and the slot change together, audited, the town
    told."""
    with transaction.atomic():
        slot = _hold(slot, [SlotState.SUBMITTED], "审核通过" if accepted else "退回")
        report = slot.reports.select_for_update(no_key=True).order_by("-number").first()
        assert report is not None
        report.state = ReportState.ACCEPTED if accepted else ReportState.RETURNED
        report.reviewed_by, report.reviewed_at, report.review_comment = _user(actor), clock.now(), comment
        report.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_comment"])
        slot.state, slot.version = (SlotState.ACCEPTED if accepted else SlotState.RETURNED), slot.version + 1
        slot.save(update_fields=["state", "version"])
        record_event(actor=actor, action="reporting.report.accepted" if accepted else "reporting.report.returned",
                     obj=report, note=comment, org_unit_name=slot.unit.name, town_id=slot.unit_id)  # fmt: skip
        words = "已审核通过" if accepted else f"被退回：{comment}"
        notify(kind="reporting.accepted" if accepted else "reporting.returned",
               text=f"{slot.period.label}报表（第{report.number}版）{words}",
               url=reverse("reporting:slot", args=[slot.pk]), units=[slot.unit_id], roles=[Role.TOWN_MANAGER])  # fmt: skip
    return report


def accept_report(*, actor: Any, slot: Slot, comment: str = "") -> Report:
    """The office accepts the latest version: it is locked (reopened only through a granted request)."""
    permissions.require(scope_for(actor), "report.review")
    comment = _text(comment, "comment", "审核意见", limit=1000, lines=True)
    return _review(actor=actor, slot=slot, accepted=True, comment=comment)


def return_report(*, actor: Any, slot: Slot, comment: str) -> Report:
    """The office returns the latest version with what to correct; the town corrects and resubmits."""
    permissions.require(scope_for(actor), "report.review")
    comment = _text(comment, "comment", "退回意见", limit=1000, required=True, lines=True, says=True)
    return _review(actor=actor, slot=slot, accepted=False, comment=comment)


def request_reopen(*, actor: Any, slot: Slot, reason: str) -> ReopenRequest:
    """An accepted report is locked; the town asks, with a reason, to submit it again."""
    permissions.require(scope_for(actor), "report.request_reopen", town_id=slot.unit_id)
    reason = _text(reason, "reason", "申请理由", limit=1000, required=True, lines=True, says=True)
    with transaction.atomic():
        slot = _hold(slot, [SlotState.ACCEPTED], "申请重新报送")
        request = ReopenRequest.objects.create(slot=slot, reason=reason, requested_by=_user(actor),
                                               requested_at=clock.now())  # fmt: skip
        slot.state, slot.version = SlotState.REOPEN_REQUESTED, slot.version + 1
        slot.save(update_fields=["state", "version"])
        record_event(actor=actor, action="reporting.report.reopen_requested", obj=slot, note=reason,
                     org_unit_name=slot.unit.name, town_id=slot.unit_id)  # fmt: skip
        notify(kind="reporting.reopen_requested", text=f"{slot.unit.name}申请重新报送{slot.period.label}报表：{reason}",
               url=reverse("reporting:slot", args=[slot.pk]), units=_offices(), roles=_OFFICE_ROLES)  # fmt: skip
    return request


def decide_reopen(*, actor: Any, slot: Slot, granted: bool, comment: str = "") -> ReopenRequest:
    """The office grants (the town may submit a new version) or refuses (with a reason; the report stays locked)."""
    permissions.require(scope_for(actor), "report.review")
    comment = _text(comment, "comment", "处理意见", limit=1000, required=not granted, lines=True, says=True)
    with transaction.atomic():
        slot = _hold(slot, [SlotState.REOPEN_REQUESTED], "处理重新报送申请")
        request = slot.reopen_requests.select_for_update(no_key=True).filter(granted__isnull=True).first()
        assert request is not None
        request.granted, request.decided_by, request.decided_at, request.comment = (
            granted, _user(actor), clock.now(), comment)  # fmt: skip
        request.save()
        slot.state = SlotState.REOPENED if granted else SlotState.ACCEPTED
        slot.version += 1
        slot.save(update_fields=["state", "version"])
        record_event(actor=actor, action="reporting.report.reopen_granted" if granted else "reporting.report.reopen_refused",
                     obj=slot, note=comment or request.reason, org_unit_name=slot.unit.name,
                     town_id=slot.unit_id)  # fmt: skip
        words = "已同意重新报送，请更正后报送新版本" if granted else f"不同意重新报送：{comment}"
        notify(kind="reporting.reopen_decided", text=f"{slot.period.label}报表：{words}",
               url=reverse("reporting:slot", args=[slot.pk]), units=[slot.unit_id], roles=[Role.TOWN_MANAGER])  # fmt: skip
    return request


# ---- work plans --------------------------------------------------------------------------------------------------

WORKPLAN_TYPES = {
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
    ".wps": "application/vnd.ms-works",
    ".ofd": "application/ofd",
}
_MAGIC = {".doc": (b"\xd0\xcf\x11\xe0",), ".wps": (b"\xd0\xcf\x11\xe0",), ".docx": (b"PK\x03\x04",),
          ".ofd": (b"PK\x03\x04",), ".pdf": (b"%PDF",)}  # fmt: skip


def document_refusal(filename: str, content: bytes, *, what: str) -> str | None:
    """Why an uploaded document is refused (type by its first bytes, not its name; size), or None."""
    ext = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    if ext not in WORKPLAN_TYPES:
        return f"{what}应为 Word（.doc/.docx）、WPS、PDF 或 OFD 文件，“{filename[:60]}”不是"
    if not content:
        return f"{what}“{filename[:60]}”是空文件"
    limit = settings.WORKPLAN_MAX_BYTES
    if len(content) > limit:
        return f"{what}不能超过 {limit // (1024 * 1024)} MB（该文件 {len(content) / 1024 / 1024:.1f} MB）"
    if not content.startswith(_MAGIC[ext]):
        return f"“{filename[:60]}”的内容不是{ext[1:].upper()}文件（可能改过扩展名），请上传原文件"
    if content.startswith(b"PK"):
        return _package_refusal(filename, content, ext)
    return None


# A Word (.docx) or OFD package is a zip: its directory is read (never its contents) to refuse a zip bomb or a zip
# that is not such a document before anyone downloads it.
_PACKAGE_PARTS = {".docx": "word/document.xml", ".ofd": "OFD.xml"}
_PACKAGE_MAX_UNPACKED = 200 * 1024 * 1024
_PACKAGE_MAX_RATIO = 200


def _package_refusal(filename: str, content: bytes, ext: str) -> str | None:
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            entries = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return f"“{filename[:60]}”已损坏，无法打开，请重新保存后上传"
    names = {e.filename for e in entries}
    unpacked = sum(e.file_size for e in entries)
    if len(entries) > 5000 or unpacked > _PACKAGE_MAX_UNPACKED or unpacked > _PACKAGE_MAX_RATIO * max(len(content), 1):
        return f"“{filename[:60]}”解压后异常巨大（{unpacked / 1048576:.0f} MB），不像正常的文档，请上传原文件"
    if _PACKAGE_PARTS[ext] not in names:
        return f"“{filename[:60]}”不是有效的{ext[1:].upper()}文档（缺少正文部分），请上传原文件"
    return None


def upload_workplan(
    *, actor: Any, campaign: Campaign, unit: OrgUnit, title: str, filename: str, content: bytes
) -> WorkPlan:
    """A town's 工作方案 (实施步骤（一）); every upload is kept as a new version."""
    permissions.require(scope_for(actor), "workplan.upload", town_id=unit.pk)
    title = _text(title, "title", "方案标题", limit=200, required=True)
    filename = _text(filename, "file", "文件名", limit=200, required=True).replace("/", "_").replace("\\", "_")
    if reason := document_refusal(filename, content, what="工作方案"):
        raise ValidationFailed({"file": [reason]})
    ext = "." + filename.rsplit(".", 1)[-1].lower()
    with transaction.atomic():
        # The unit's row is the lock: two uploads at once take numbers one after the other (FOR UPDATE with COUNT
        # locks nothing).
        OrgUnit.objects.select_for_update(no_key=True).filter(pk=unit.pk).first()
        last = WorkPlan.objects.filter(campaign=campaign, unit=unit).aggregate(n=Max("number"))["n"] or 0
        number = last + 1
        plan = WorkPlan.objects.create(
            campaign=campaign, unit=unit, number=number, title=title, filename=filename,
            content_type=WORKPLAN_TYPES.get(ext) or mimetypes.guess_type(filename)[0] or "application/octet-stream",
            content=content, size=len(content), sha256=hashlib.sha256(content).hexdigest(), uploaded_by=_user(actor),
            uploaded_at=clock.now(),
        )  # fmt: skip
        record_event(actor=actor, action="reporting.workplan.uploaded", obj=plan,
                     changes={"number": [None, number], "sha256": [None, plan.sha256]}, note=title,
                     org_unit_name=unit.name)  # fmt: skip
        notify(kind="reporting.workplan", text=f"{unit.name}上传了工作方案《{title}》（第{number}版）",
               url=reverse("reporting:workplans"), units=_offices(), roles=_OFFICE_ROLES)  # fmt: skip
    return plan


# ---- briefs ------------------------------------------------------------------------------------------------------


def may_write_brief(actor: Any, unit: OrgUnit) -> bool:
    scope = scope_for(actor)
    if unit.kind == OrgUnitKind.TOWN:
        return permissions.allows(scope, "brief.submit", town_id=unit.pk)
    return unit.pk in scope.department_ids and permissions.allows(scope, "brief.submit")


@dataclass
class PhotoUpload:
    filename: str
    content: bytes
    caption: str = ""


def save_brief(
    *,
    actor: Any,
    campaign: Campaign,
    unit: OrgUnit,
    month: dt.date,
    title: str,
    text: str,
    photos_in: Iterable[PhotoUpload] = (),
    brief: Brief | None = None,
    submit: bool = False,
) -> Brief:
    """Write (or rewrite, while a draft) a brief; `submit` sends it to the office (then it no longer changes)."""
    if not may_write_brief(actor, unit):
        raise PermissionDenied("您只能报送本单位的工作简讯")
    if brief is not None:  # the draft's form shows its numbers masked: sent back so, they keep the stored digits
        try:
            title = restore_masked(title, brief.title)
        except AmbiguousMask as exc:
            raise ValidationFailed({"title": [exc.message]}) from None
        try:
            text = restore_masked(text, brief.text)
        except AmbiguousMask as exc:
            raise ValidationFailed({"text": [exc.message]}) from None
    title = _text(title, "title", "标题", limit=120, required=True)
    text = _text(text, "text", "正文", limit=20000, required=True, lines=True)
    month = month.replace(day=1)
    if not campaign.starts_on.replace(day=1) <= month <= campaign.ends_on:
        raise ValidationFailed(
            {"month": [f"月份应在专项行动期间（{campaign.starts_on:%Y年%m月}至{campaign.ends_on:%Y年%m月}）"]}
        )
    uploads = list(photos_in)
    if len(uploads) > 9:
        raise ValidationFailed({"photos": ["每篇简讯最多 9 张照片"]})
    stored: list[tuple[photos.StoredPhoto, str]] = []
    for i, up in enumerate(uploads, start=1):
        if refusal := photos.size_refusal(len(up.content)):
            raise ValidationFailed({"photos": [f"第 {i} 张照片（{up.filename[:40]}）：{refusal}"]})
        try:
            stored.append(
                (photos.store_photo(up.content, up.filename), _text(up.caption, "photos", "照片说明", limit=100))
            )
        except photos.PhotoRejected as exc:
            raise ValidationFailed({"photos": [f"第 {i} 张照片（{up.filename[:40]}）：{exc}"]}) from None
    now = clock.now()
    with transaction.atomic():
        if brief is None:
            brief = Brief(campaign=campaign, unit=unit, created_by=_user(actor), created_at=now)
        else:
            brief = Brief.objects.select_for_update(no_key=True).get(pk=brief.pk)
            if brief.unit_id != unit.pk or brief.campaign_id != campaign.pk or not may_write_brief(actor, brief.unit):
                raise PermissionDenied("您只能修改本单位的工作简讯")
            refuse_if_withdrawn(brief, "简讯")
            if brief.state != BriefState.DRAFT:
                raise TransitionNotAllowed("该简讯已报送，不能再修改")
            brief.version += 1
        brief.month, brief.title, brief.text, brief.updated_at = month, title, text, now
        if submit:
            brief.state, brief.submitted_at = BriefState.SUBMITTED, now
        brief.save()
        for photo, caption in stored:
            BriefPhoto.objects.create(brief=brief, stored_name=photo.stored_name, sha256=photo.sha256,
                                      content_type=photo.content_type, size=photo.size, caption=caption,
                                      uploaded_at=now)  # fmt: skip
        record_event(actor=actor, action="reporting.brief.submitted" if submit else "reporting.brief.saved", obj=brief,
                     note=title, org_unit_name=unit.name)  # fmt: skip
        if submit:
            notify(kind="reporting.brief", text=f"{unit.name}报送了工作简讯《{title}》",
                   url=reverse("reporting:brief", args=[brief.pk]), units=_offices(), roles=_OFFICE_ROLES)  # fmt: skip
    return brief


# ---- withdrawal instead of deletion (core.withdrawal) ------------------------------------------------------------


def may_withdraw_brief(actor: Any, unit: OrgUnit) -> bool:
    """The unit that wrote the brief (its town's manager, its department's staff) or the office."""
    scope = scope_for(actor)
    if unit.kind == OrgUnitKind.TOWN or scope.sees_district:
        return permissions.allows(scope, "brief.withdraw", town_id=unit.pk)
    return unit.pk in scope.department_ids and permissions.allows(scope, "brief.withdraw")


def withdraw_brief(*, actor: Any, brief: Brief, reason: str) -> Brief:
    """A brief sent by mistake (twice, the wrong unit's news) leaves the list and the 1-2-a-month count; kept, marked."""
    if not may_withdraw_brief(actor, brief.unit):
        raise PermissionDenied("您只能撤回本单位的工作简讯")
    reason = clean_reason(reason)
    with transaction.atomic():
        brief = Brief.objects.select_for_update(no_key=True).get(pk=brief.pk)
        changes = mark_withdrawn(brief, actor=actor, reason=reason, what="简讯")
        brief.version += 1
        brief.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "version"])
        record_event(actor=actor, action="reporting.brief.withdrawn", obj=brief, changes=changes, note=reason,
                     org_unit_name=brief.unit.name)  # fmt: skip
    return brief


def restore_brief(*, actor: Any, brief: Brief, reason: str) -> Brief:
    permissions.require(scope_for(actor), "record.restore")
    reason = clean_reason(reason, restoring=True)
    with transaction.atomic():
        brief = Brief.objects.select_for_update(no_key=True).get(pk=brief.pk)
        changes = mark_restored(brief, what="简讯")
        brief.version += 1
        brief.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "version"])
        record_event(actor=actor, action="reporting.brief.restored", obj=brief, changes=changes, note=reason,
                     org_unit_name=brief.unit.name)  # fmt: skip
    return brief


def withdraw_workplan(*, actor: Any, workplan: WorkPlan, reason: str) -> WorkPlan:
    """A work plan uploaded by mistake (the wrong file): the town's latest version is the latest one still in play; the
    file is kept and stays downloadable from the list of versions, marked."""
    permissions.require(scope_for(actor), "workplan.withdraw", town_id=workplan.unit_id)
    reason = clean_reason(reason)
    with transaction.atomic():
        workplan = WorkPlan.objects.select_for_update(no_key=True).defer("content").get(pk=workplan.pk)
        changes = mark_withdrawn(workplan, actor=actor, reason=reason, what="工作方案")
        workplan.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        record_event(actor=actor, action="reporting.workplan.withdrawn", obj=workplan, changes=changes,
                     note=f"第{workplan.number}版：{reason}", org_unit_name=workplan.unit.name)  # fmt: skip
    return workplan


def restore_workplan(*, actor: Any, workplan: WorkPlan, reason: str) -> WorkPlan:
    permissions.require(scope_for(actor), "record.restore", town_id=workplan.unit_id)
    reason = clean_reason(reason, restoring=True)
    with transaction.atomic():
        workplan = WorkPlan.objects.select_for_update(no_key=True).defer("content").get(pk=workplan.pk)
        changes = mark_restored(workplan, what="工作方案")
        workplan.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        record_event(actor=actor, action="reporting.workplan.restored", obj=workplan, changes=changes,
                     note=f"第{workplan.number}版：{reason}", org_unit_name=workplan.unit.name)  # fmt: skip
    return workplan


# ---- reminders (a scheduled job, never a request) ----------------------------------------------------------------


def send_reminders(*, today: dt.date | None = None) -> dict[str, int]:
    """Remind each town manager some days before a due date (the campaign's reminder days, 3 and 1 by default) while
    the report is not submitted, and the office the day after for every unit still missing. Safe to run often: each
    reminder goes once per slot, kind and due date; a run missed for a day or two still sends what was due."""
    today = today or clock.today()
    sent = {"before": 0, "missing": 0}
    campaigns = Campaign.objects.filter(is_active=True, starts_on__lte=today + dt.timedelta(days=15))
    for campaign in campaigns:
        days = campaign.reminder_day_list() or []
        windows = sorted(days, reverse=True)
        periods = Period.objects.filter(campaign=campaign, due_on__gte=today - dt.timedelta(days=3),
                                        due_on__lte=today + dt.timedelta(days=max(windows, default=0)))  # fmt: skip
        for period in periods:
            left = (period.due_on - today).days
            slots = list(period.slots.select_related("unit").filter(state__in=queries.open_slot_states()))
            url = reverse("reporting:period", args=[period.pk])
            if left >= 0:
                # The reminder due now is the smallest window not smaller than the days left (3 → days 3 and 2).
                due_windows = [d for d in windows if d >= left]
                if not due_windows:
                    continue
                window = min(due_windows)
                for slot in slots:
                    if _once(slot, ReminderKind.BEFORE, period.due_on, window):
                        due = f"{period.due_on.month}月{period.due_on.day}日"
                        words = (f"今天（{due}）是{period.label}报表截止日，请核对后报送附件2" if left == 0 else
                                 f"{period.label}报表将于{due}截止（还有 {left} 天），请核对后报送附件2")  # fmt: skip
                        notify(kind="reporting.reminder", url=reverse("reporting:slot", args=[slot.pk]), text=words,
                               units=[slot.unit_id], roles=[Role.TOWN_MANAGER])  # fmt: skip
                        sent["before"] += 1
            elif -3 <= left <= -1:
                for slot in slots:
                    if slot.first_submitted_at is None and _once(slot, ReminderKind.MISSING, period.due_on, -1):
                        due = f"{period.due_on.month}月{period.due_on.day}日"
                        notify(kind="reporting.missing", url=url, units=_offices(), roles=_OFFICE_ROLES,
                               text=f"{slot.unit.name}未按时报送{period.label}报表（{due}截止）")  # fmt: skip
                        # The town hears it too: it may still submit, marked late.
                        notify(kind="reporting.overdue", url=reverse("reporting:slot", args=[slot.pk]),
                               units=[slot.unit_id], roles=[Role.TOWN_MANAGER],
                               text=f"{period.label}报表已于{due}截止，您单位尚未报送，请尽快报送（将标为逾期）")  # fmt: skip
                        sent["missing"] += 1
    return sent


def _once(slot: Slot, kind: str, due_on: dt.date, days: int) -> bool:
    """Record the reminder; False when it was already sent (a concurrent run included)."""
    with transaction.atomic():
        _, created = ReminderSent.objects.get_or_create(slot=slot, kind=kind, due_on=due_on, days=days,
                                                        defaults={"sent_at": clock.now()})  # fmt: skip
    return created
