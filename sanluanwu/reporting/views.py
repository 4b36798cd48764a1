"""Thin views of the reporting work: read the form, call one service or query, render or send the file."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import re
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from sanluanwu.accounts import permissions
from sanluanwu.accounts.choices import OrgUnitKind
from sanluanwu.accounts.decorators import require_for, requires
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.scope import scope_for
from sanluanwu.accounts.views import reveal_page
from sanluanwu.audit.memo import remembered
from sanluanwu.campaigns.models import Campaign
from sanluanwu.campaigns.queries import current_campaign
from sanluanwu.core import clock, params, photos
from sanluanwu.core.errors import DomainError, ValidationFailed
from sanluanwu.core.exporting import XLSX_CONTENT_TYPE, attachment_header, build_apart, one_at_a_time
from sanluanwu.core.masking import mask_text
from sanluanwu.registry.exports import Signature
from sanluanwu.registry.services import record_export
from sanluanwu.registry.visibility import case_topics
from sanluanwu.reporting import builders, documents, exports, queries, services
from sanluanwu.reporting import figures as fig
from sanluanwu.reporting import summary as summary_data
from sanluanwu.reporting.choices import SUBMITTABLE, BriefState, SlotState
from sanluanwu.reporting.models import Brief, Period, Slot, WorkPlan

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _campaign(request: HttpRequest) -> Campaign:
    """The campaign a page is about: ?campaign=<id>, else the current one."""
    raw = request.GET.get("campaign", "")
    campaign = None
    if raw:
        campaign = Campaign.objects.filter(pk=params.pk(raw) or 0).first()
        if campaign is None:
            raise Http404("未找到该专项行动")
    campaign = campaign or current_campaign()
    if campaign is None:
        raise Http404("尚未设置专项行动")
    return campaign


def _download(request: HttpRequest, content: bytes, filename: str, content_type: str, *, kind: str,
              rows: int | None) -> FileResponse:  # fmt: skip
    """Every file this app hands out is audited like any export: one event with what it is, its name, its SHA-256 and
    the table rows it holds (附件2 rows, a summary's table rows; None for a document that is no table)."""
    record_export(actor=request.user, kind=kind, filename=filename, sha256=hashlib.sha256(content).hexdigest(),
                  rows=rows)  # fmt: skip
    response = FileResponse(io.BytesIO(content), content_type=content_type)
    response["Content-Disposition"] = attachment_header(filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _error(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, exc.text)


# ---- overview and periods ----------------------------------------------------------------------------------------


@requires(GET="report.view")
def overview(request: HttpRequest) -> HttpResponse:
    """The office: every period with its rates and the units' rates over the campaign; a town: its own reports."""
    scope = scope_for(request.user)
    campaign = _campaign(request)
    # Remembered until the next write of reports, periods, campaigns or units (audit.memo): at a deadline every town
    # opens this page again and again, while inspections and case writes, which change none of it, go on. A town
    # user's page shows the town's own reports only: another town's submission (its events name its town) keeps it.
    data = remembered(("reporting_overview", scope.memo_key, campaign.pk),
                      functools.partial(_overview_data, scope, campaign), **_reports_memo(scope))  # fmt: skip
    # An inspector sees the town's reports but does not submit them: its link reads 查看, not 核对并报送.
    submits = {s.unit_id for s in data["slots"] if permissions.allows(scope, "report.submit", town_id=s.unit_id)}
    return render(request, "reporting/overview.html", {**data, "campaign": campaign, "today": clock.today(),
                                                       "submits": submits})  # fmt: skip


_REPORT_TOPICS = ("reporting", "campaigns", "accounts")


def _reports_memo(scope: Any) -> dict[str, Any]:
    """remembered()'s keywords for a read of the reports a scope sees: per town for a user who sees whole towns only
    (a report's events name its town; a period moved names none), under every report write for the district."""
    if scope.sees_district or not scope.town_ids:
        return {"topics": _REPORT_TOPICS}
    return {"topics": _REPORT_TOPICS, "towns": frozenset(scope.town_ids), "rows_of": _REPORT_TOPICS}


def _overview_data(scope: Any, campaign: Campaign) -> dict[str, Any]:
    periods = list(queries.periods_of(campaign))
    rates = queries.period_rates(periods, scope)
    monitor = permissions.allows(scope, "report.monitor")
    slots = []
    if not monitor:
        slots = list(queries.slots_visible_to(scope).filter(period__campaign=campaign).order_by("period__starts_on",
                                                                                               "unit__sort_order"))  # fmt: skip
    return {
        "campaigns": list(Campaign.objects.order_by("-starts_on")),
        "periods": [(p, rates.get(p.pk, queries.Rates())) for p in periods], "monitor": monitor,
        # (name, rates): the template reads the name without indexing the (id, name) pair.
        "unit_rates": [(name, r) for (_id, name), r in queries.unit_rates(campaign, scope=scope)] if monitor else [],
        "campaign_rates": queries.campaign_rates(campaign) if monitor else None, "slots": slots,
        "current": queries.current_period(campaign), "next_due": queries.next_due(campaign),
    }  # fmt: skip


def _period_page(request: HttpRequest, p: Period, *, status: int = 200, errors: Any = None) -> HttpResponse:
    slots = list(p.slots.select_related("unit").order_by("unit__sort_order", "unit__name"))
    latest = {r.slot_id: r for r in queries.latest_reports(slots)}
    rates = queries.period_rates([p]).get(p.pk, queries.Rates())
    return render(
        request,
        "reporting/period.html",
        {
            "period": p,
            "rows": [(s, latest.get(s.pk)) for s in slots],
            "rates": rates,
            "today": clock.today(),
            "due_passed": p.due_on < clock.today(),
            "changes": p.due_changes.select_related("changed_by"),
            "can_review": permissions.allows(scope_for(request.user), "report.review"),
            "errors": errors or {},
            "post": request.POST if status != 200 else {},
        },
        status=status,
    )


@requires(GET="report.monitor")
def period(request: HttpRequest, pk: int) -> HttpResponse:
    return _period_page(request, queries.access_period(request.user, pk))


def _due_date(raw: str) -> dt.date:
    text = raw.strip()[:20]
    if not text:
        raise ValidationFailed({"due_on": ["请填写新截止日期"]})
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValidationFailed({"due_on": [f"新截止日期“{text}”格式不对，应为“年-月-日”，如 2020-07-17"]})
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed({"due_on": [f"新截止日期“{text}”不存在，请检查月份和日期"]}) from None


@requires(POST="report.review")
def move_due(request: HttpRequest, pk: int) -> HttpResponse:
    p = queries.access_period(request.user, pk)
    try:
        due_on = _due_date(request.POST.get("due_on", ""))
        services.move_due_date(actor=request.user, period=p, due_on=due_on, reason=request.POST.get("reason", ""),
                               confirm_past=request.POST.get("confirm_past") == "1")  # fmt: skip
    except DomainError as exc:
        if exc.status_code == 403:
            raise DjangoPermissionDenied(exc.text) from None
        messages.error(request, exc.text)
        return _period_page(request, p, status=exc.status_code, errors=exc.errors)
    messages.success(request, f"{p.label}的报送截止日期已调整为 {due_on:%Y-%m-%d}")
    return redirect("reporting:period", pk=p.pk)


@requires(GET="report.monitor")
def workbook(request: HttpRequest, pk: int) -> FileResponse:
    p = queries.access_period(request.user, pk)
    content, rows = build_apart(builders.district_workbook_file, p.pk)
    return _download(request, content, f"武进区散乱污整治进展汇总_{p.label}.xlsx", XLSX_CONTENT_TYPE,
                     kind="全区汇总表", rows=rows)  # fmt: skip


# ---- a unit's report ---------------------------------------------------------------------------------------------


@requires(GET="report.view", POST="report.view")
def slot(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's report for a period: the draft (before submitting), every version, the review and reopening."""
    s = queries.access_slot(request.user, pk)
    scope = scope_for(request.user)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "submit":
                report = services.submit_report(actor=request.user, slot=s, filler=request.POST.get("filler", ""),
                                                reviewer=request.POST.get("reviewer", ""),
                                                phone=request.POST.get("phone", ""),
                                                remark=request.POST.get("remark", ""),
                                                expected_version=_int(request.POST.get("version")))  # fmt: skip
                messages.success(request, f"已报送第{report.number}版" + ("（逾期报送）" if report.late else ""))
            elif action == "accept":
                services.accept_report(actor=request.user, slot=s, comment=request.POST.get("comment", ""))
                messages.success(request, "已审核通过，报表已锁定")
            elif action == "return":
                services.return_report(actor=request.user, slot=s, comment=request.POST.get("comment", ""))
                messages.success(request, "已退回，镇（街道）更正后重新报送")
            elif action == "request_reopen":
                services.request_reopen(actor=request.user, slot=s, reason=request.POST.get("reason", ""))
                messages.success(request, "已提交重新报送申请，待办公室处理")
            elif action in ("grant_reopen", "refuse_reopen"):
                services.decide_reopen(actor=request.user, slot=s, granted=action == "grant_reopen",
                                       comment=request.POST.get("comment", ""))  # fmt: skip
                messages.success(request, "已同意重新报送" if action == "grant_reopen" else "已不同意重新报送")
            else:
                raise ValidationFailed({"action": ["未知的操作"]})
            return redirect("reporting:slot", pk=s.pk)
        except DomainError as exc:
            if exc.status_code == 403:
                raise DjangoPermissionDenied(exc.text) from None
            _error(request, exc)
            status = exc.status_code
            s = queries.access_slot(request.user, pk)
    reports = list(
        s.reports.select_related("submitted_by", "reviewed_by").defer("file", "rows_packed").order_by("-number")
    )
    may_submit = permissions.allows(scope, "report.submit", town_id=s.unit_id) and s.state in SUBMITTABLE
    not_started = not s.period.has_begun(clock.today())  # submit_report refuses it: no form in vain
    can_submit = may_submit and not not_started
    draft = None
    if can_submit:  # remembered until the next write of the town's cases or reports (audit.memo)
        draft = remembered(("slot_draft", s.pk), functools.partial(queries.draft_summary, s),
                           topics=(*case_topics(), "reporting"), towns=frozenset({s.unit_id}),
                           rows_of=("registry", "reporting", "accounts", "campaigns"))  # fmt: skip
    latest = reports[0] if reports else None
    return render(
        request,
        "reporting/slot.html",
        {
            "slot": s,
            "period": s.period,
            "reports": reports,
            "latest": latest,
            "draft": draft,
            "lines": draft.lines if draft else (fig.lines(latest.figures, latest.previous_figures) if latest else []),
            "can_submit": can_submit,
            "opens_on": s.period.starts_on if may_submit and not_started else None,
            "today": clock.today(),
            "can_review": permissions.allows(scope, "report.review") and s.state == SlotState.SUBMITTED,
            "can_decide": permissions.allows(scope, "report.review") and s.state == SlotState.REOPEN_REQUESTED,
            "can_request": permissions.allows(scope, "report.request_reopen", town_id=s.unit_id)
            and s.state == SlotState.ACCEPTED,
            "can_reveal": permissions.allows(scope, "person.reveal", town_id=s.unit_id),
            "requests": s.reopen_requests.select_related("requested_by", "decided_by"),
            "figure_heads": fig.FIGURE_HEADINGS,
            "post": request.POST if status != 200 else {},
            # Entered once: the names and number of the unit's last report (this period's or an earlier one's).
            "signed": _last_signature(s, request.user),
        },
        status=status,
    )


def _int(value: str | None) -> int | None:
    """The version the form was read at: None when the form sent none; a version no slot has (-1, answered as a
    stale page) when it sent something that is no version (ASCII digits only: "²" passes isdigit(), not int())."""
    return None if value is None else params.pk(value) or -1


def _last_signature(s: Slot, user: Any) -> dict[str, str]:
    last = queries.last_signature(s)
    if last is not None:
        return {"filler": last.filler, "reviewer": last.reviewer, "phone": last.phone}
    return {"filler": getattr(user, "display_name", ""), "reviewer": "", "phone": getattr(user, "phone", "")}


@requires(GET="report.view")
def slot_preview(request: HttpRequest, pk: int) -> FileResponse:
    """The report as it would be submitted now (not frozen, not recorded): for the town to check before submitting."""
    s = queries.access_slot(request.user, pk)
    with one_at_a_time():
        draft = queries.draft_report(s)
        content = exports.report_xlsx(draft.rows, unit_label=s.unit.name, period_label=f"{s.period.label}，{s.period.span}",
                                      as_of=draft.as_of, lines=draft.lines,
                                      previous_label=draft.previous.slot.period.label if draft.previous else "",
                                      signature=Signature(), remark="")  # fmt: skip
    return _download(request, content, f"附件2_{s.unit.name}_{s.period.label}_预览.xlsx", XLSX_CONTENT_TYPE,
                     kind="半月报表预览", rows=len(draft.rows))  # fmt: skip


@requires(GET="report.view")
def report_file(request: HttpRequest, pk: int) -> FileResponse:
    r = queries.access_report(request.user, pk)
    content = bytes(r.file)
    response = _download(request, content, r.filename, XLSX_CONTENT_TYPE, kind="半月报表", rows=len(r.rows))
    response["X-Content-SHA256"] = hashlib.sha256(content).hexdigest()
    return response


@requires(POST="person.reveal")
def report_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """显示完整号码 of a report's 联系电话 (the 填表人's), after the user says why; audited (accounts' one reveal)."""
    r = queries.access_report(request.user, pk)
    require_for(request, "person.reveal", town_id=r.town_id)
    return reveal_page(request, record=r, field="phone", town_id=r.town_id, title=f"{r.slot} · 第{r.number}版",
                       person=r.filler, back_url=reverse("reporting:slot", args=[r.slot_id]))  # fmt: skip


# ---- work plans --------------------------------------------------------------------------------------------------


@requires(GET="workplan.view", POST="workplan.upload")
def workplans(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    campaign = _campaign(request)
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        allowed = [t for t in scope.town_ids if permissions.allows(scope, "workplan.upload", town_id=t)]
        unit = OrgUnit.objects.filter(pk__in=allowed, kind=OrgUnitKind.TOWN).order_by("sort_order").first()
        try:
            if unit is None:
                raise ValidationFailed("您不属于任何镇（街道），不能上传工作方案")
            if upload is None:
                raise ValidationFailed({"file": ["请选择工作方案文件"]})
            if upload.size is not None and upload.size > settings.WORKPLAN_MAX_BYTES:
                raise ValidationFailed({"file": [f"工作方案不能超过 {settings.WORKPLAN_MAX_BYTES // 1048576} MB"]})
            plan = services.upload_workplan(actor=request.user, campaign=campaign, unit=unit,
                                            title=request.POST.get("title", ""), filename=upload.name or "",
                                            content=upload.read())  # fmt: skip
            messages.success(request, f"已上传工作方案（第{plan.number}版）")
            return redirect("reporting:workplans")
        except DomainError as exc:
            if exc.status_code == 403:
                raise DjangoPermissionDenied(exc.text) from None
            _error(request, exc)
            status = 400
    # Every version, withdrawn ones too (marked, with their reason); the latest and the counts are of those in play.
    plans = list(queries.workplans_visible_to(scope, withdrawn=None).filter(campaign=campaign)
                 .select_related("withdrawn_by").order_by("unit__sort_order", "-number"))  # fmt: skip
    latest: dict[int, WorkPlan] = {}
    counts: dict[int, int] = {}
    for plan in plans:
        if plan.is_withdrawn:
            continue
        latest.setdefault(plan.unit_id, plan)
        counts[plan.unit_id] = counts.get(plan.unit_id, 0) + 1
    towns = list(campaign.participants.filter(kind=OrgUnitKind.TOWN).order_by("sort_order", "name"))
    if not scope.sees_district:
        towns = [t for t in towns if t.pk in scope.town_ids]
    return render(request, "reporting/workplans.html", {
        "campaign": campaign, "rows": [(t, latest.get(t.pk), counts.get(t.pk, 0)) for t in towns],
        "uploaded": sum(1 for t in towns if t.pk in latest), "plans": plans,
        "can_upload": permissions.allows(scope, "workplan.upload") and bool(scope.town_ids),
        "withdrawable": {p.pk for p in plans if not p.is_withdrawn
                         and permissions.allows(scope, "workplan.withdraw", town_id=p.unit_id)},
        "can_restore": permissions.allows(scope, "record.restore"),
    }, status=status)  # fmt: skip


@requires(POST="workplan.withdraw")
def withdraw_workplan(request: HttpRequest, pk: int) -> HttpResponse:
    plan = queries.access_workplan(request.user, pk)
    return _withdrawal(request, services.withdraw_workplan, f"已撤回工作方案第{plan.number}版", "/reporting/workplans/",
                       workplan=plan)  # fmt: skip


@requires(POST="record.restore")
def restore_workplan(request: HttpRequest, pk: int) -> HttpResponse:
    plan = queries.access_workplan(request.user, pk)
    return _withdrawal(request, services.restore_workplan, f"已恢复工作方案第{plan.number}版", "/reporting/workplans/",
                       workplan=plan)  # fmt: skip


def _withdrawal(request: HttpRequest, service: Any, done: str, back: str, **record: Any) -> HttpResponse:
    """Run a withdraw or restore service with the posted reason; back to the page with what happened."""
    try:
        service(actor=request.user, reason=request.POST.get("reason", ""), **record)
    except DomainError as exc:
        if exc.status_code == 403:
            raise DjangoPermissionDenied(exc.text) from None
        messages.error(request, exc.text)
    else:
        messages.success(request, done)
    return redirect(back)


@requires(GET="workplan.view")
def workplan_file(request: HttpRequest, pk: int) -> FileResponse:
    plan = queries.access_workplan(request.user, pk)
    return _download(request, bytes(plan.content), plan.filename, plan.content_type, kind="工作方案", rows=None)


# ---- briefs ------------------------------------------------------------------------------------------------------


def _month(value: str | None) -> dt.date | None:
    text = (value or "").strip()[:10]
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:7] + "-01")
    except ValueError:
        raise ValidationFailed({"month": [f"月份“{text}”格式不对，应为“年-月”，如 {clock.today():%Y-%m}"]}) from None


def _own_units(request: HttpRequest) -> list[OrgUnit]:
    scope = scope_for(request.user)
    units = OrgUnit.objects.filter(pk__in=scope.town_ids | scope.department_ids).order_by("kind", "sort_order")
    return [u for u in units if services.may_write_brief(request.user, u)]


@requires(GET="brief.view")
def briefs(request: HttpRequest) -> HttpResponse:
    """Per month who sent how many (the document asks 1-2), and the briefs to read in one place."""
    scope = scope_for(request.user)
    campaign = _campaign(request)
    visible = queries.briefs_visible_to(scope).filter(campaign=campaign)
    try:
        month = _month(request.GET.get("month"))
    except ValidationFailed as exc:
        _error(request, exc)
        month = None
    months = []
    m = campaign.starts_on.replace(day=1)
    while m <= min(campaign.ends_on, clock.today()):
        months.append(m)
        m = (m + dt.timedelta(days=32)).replace(day=1)
    counts = {(r["unit_id"], r["month"]): r["n"] for r in visible.filter(state=BriefState.SUBMITTED)
              .values("unit_id", "month").annotate(n=Count("id"))}  # fmt: skip
    units = list(campaign.participants.order_by("kind", "sort_order", "name"))
    if not scope.sees_district:
        units = [u for u in units if u.pk in scope.town_ids | scope.department_ids]
    matrix = [(u, [(mo, counts.get((u.pk, mo), 0)) for mo in months]) for u in units]
    listing = visible.order_by("-month", "-submitted_at", "-id")
    if month is None:  # the latest month anything was written in; the others one click away
        month = listing.values_list("month", flat=True).first()
    # The month's briefs and, apart and marked, those withdrawn in it (read in the same query).
    listing = queries.briefs_visible_to(scope, withdrawn=None).filter(campaign=campaign).order_by(
        "-month", "-submitted_at", "-id")  # fmt: skip
    if month:
        listing = listing.filter(month=month)
    rows = list(listing.prefetch_related("photos")[:200])
    return render(request, "reporting/briefs.html", {
        "campaign": campaign, "months": months, "matrix": matrix, "month": month,
        "this_month": clock.today().replace(day=1),
        "briefs": [b for b in rows if not b.is_withdrawn], "withdrawn": [b for b in rows if b.is_withdrawn],
        "low": campaign.briefs_min, "high": campaign.briefs_max,
        "can_write": bool(_own_units(request)), "periods": queries.periods_of(campaign).filter(starts_on__lte=clock.today()),
    })  # fmt: skip


def _photo_uploads(request: HttpRequest) -> list[services.PhotoUpload]:
    out = []
    for f in request.FILES.getlist("photos")[:10]:
        if f.size is not None and (refusal := photos.size_refusal(f.size)):
            raise ValidationFailed({"photos": [f"照片“{(f.name or '')[:40]}”：{refusal}"]})
        out.append(services.PhotoUpload(f.name or "photo.jpg", f.read()))
    return out


@requires(GET="brief.submit", POST="brief.submit")
def brief_new(request: HttpRequest) -> HttpResponse:
    return _brief_form(request, None)


@requires(GET="brief.view", POST="brief.submit")
def brief(request: HttpRequest, pk: int) -> HttpResponse:
    b = queries.access_brief(request.user, pk)
    if b.state != BriefState.DRAFT or b.is_withdrawn or not services.may_write_brief(request.user, b.unit):
        status = 200
        if request.method == "POST":
            if not services.may_write_brief(request.user, b.unit):
                raise DjangoPermissionDenied("您只能修改本单位的工作简讯")
            # a sent (or withdrawn) brief no longer changes; the page shows it
            messages.error(request, "该简讯已撤回，不能再修改" if b.is_withdrawn else "该简讯已报送，不能再修改")
            status = 409
        return render(request, "reporting/brief.html", {"brief": b, "photos": b.photos.all(),
                                                        **_brief_withdrawal(request, b)}, status=status)  # fmt: skip
    return _brief_form(request, b)


def _brief_withdrawal(request: HttpRequest, b: Brief) -> dict[str, Any]:
    return {"can_withdraw": not b.is_withdrawn and services.may_withdraw_brief(request.user, b.unit),
            "can_restore": b.is_withdrawn and permissions.allows(scope_for(request.user), "record.restore")}  # fmt: skip


@requires(POST="brief.withdraw")
def withdraw_brief(request: HttpRequest, pk: int) -> HttpResponse:
    b = queries.access_brief(request.user, pk)
    if not services.may_withdraw_brief(request.user, b.unit):
        raise DjangoPermissionDenied("您只能撤回本单位的工作简讯")
    return _withdrawal(request, services.withdraw_brief, f"已撤回简讯《{mask_text(b.title)}》", f"/reporting/briefs/{b.pk}/",
                       brief=b)  # fmt: skip


@requires(POST="record.restore")
def restore_brief(request: HttpRequest, pk: int) -> HttpResponse:
    b = queries.access_brief(request.user, pk)
    return _withdrawal(request, services.restore_brief, f"已恢复简讯《{mask_text(b.title)}》", f"/reporting/briefs/{b.pk}/",
                       brief=b)  # fmt: skip


def _brief_form(request: HttpRequest, b: Brief | None) -> HttpResponse:
    units = _own_units(request)
    campaign = b.campaign if b else _campaign(request)
    status = 200
    if request.method == "POST":
        try:
            if b is not None and not services.may_write_brief(request.user, b.unit):
                raise DjangoPermissionDenied("只能修改本单位的工作简讯")
            raw_unit = request.POST.get("unit", "")
            unit = (
                b.unit
                if b
                else next((u for u in units if str(u.pk) == raw_unit), units[0] if len(units) == 1 else None)
            )
            if unit is None:
                raise ValidationFailed({"unit": ["请选择报送单位"]})
            month = _month(request.POST.get("month")) or clock.today().replace(day=1)
            saved = services.save_brief(actor=request.user, campaign=campaign, unit=unit, month=month,
                                        title=request.POST.get("title", ""), text=request.POST.get("text", ""),
                                        photos_in=_photo_uploads(request), brief=b,
                                        submit=request.POST.get("action") == "submit")  # fmt: skip
            messages.success(request, "已报送" if saved.state == BriefState.SUBMITTED else "已保存草稿")
            return redirect("reporting:brief", pk=saved.pk)
        except DomainError as exc:
            if exc.status_code == 403:
                raise DjangoPermissionDenied(exc.text) from None
            _error(request, exc)
            status = exc.status_code
    values = {"unit": request.POST.get("unit", ""),
              "month": request.POST.get("month") or (b.month if b else clock.today()).strftime("%Y-%m"),
              # A stored draft's numbers shown masked (save_brief puts them back); what was just typed, as typed.
              "title": request.POST.get("title", mask_text(b.title) if b else ""),
              "text": request.POST.get("text", mask_text(b.text) if b else "")}  # fmt: skip
    return render(request, "reporting/brief_form.html", {
        "brief": b, "units": units, "campaign": campaign, "v": values, "photos": b.photos.all() if b else [],
        **(_brief_withdrawal(request, b) if b else {}),
    }, status=status)  # fmt: skip


@requires(GET="brief.view")
def brief_photo(request: HttpRequest, pk: int) -> FileResponse:
    photo = queries.access_brief_photo(request.user, pk)
    response = FileResponse(photos.preview_path(photo.stored_name).open("rb"), content_type="image/jpeg")
    return response


@requires(GET="brief.submit")
def brief_draft(request: HttpRequest) -> FileResponse:
    """A draft 简讯 (.docx) from a period's figures, for the unit to edit and submit; nothing is recorded."""
    units = _own_units(request)
    raw_unit = request.GET.get("unit", "")
    unit = next((u for u in units if str(u.pk) == raw_unit), units[0] if units else None)
    if unit is None:
        raise Http404("没有可以报送简讯的单位")
    raw = request.GET.get("period", "")
    p = Period.objects.filter(pk=params.pk(raw) or 0).select_related("campaign").first()
    if p is None:
        campaign = current_campaign()
        p = queries.current_period(campaign) if campaign else None
        if p is None:
            raise Http404("未找到报送期")
    content = builders.brief_draft(unit, p)
    return _download(request, content, f"工作简讯_{unit.name}_{p.label}.docx", DOCX, kind="工作简讯草稿", rows=None)


# ---- the summary -------------------------------------------------------------------------------------------------


def _summary(request: HttpRequest) -> summary_data.CampaignSummary:
    campaign = _campaign(request)
    as_of = min(campaign.ends_on, clock.today())
    return summary_data.campaign_summary(campaign, as_of)


@requires(GET="summary.download")
def summary(request: HttpRequest) -> HttpResponse:
    data = _summary(request)
    header, rows = summary_data.table(data)
    # Whole numbers as text before the template: it would localise the ~300 of them one by one (7 % of the page's
    # time, cProfile), to the same digits.
    rows = [[str(v) if type(v) is int else v for v in row] for row in rows]
    return render(request, "reporting/summary.html", {"s": data, "header": header, "rows": rows,
                                                      "campaigns": Campaign.objects.order_by("-starts_on")})  # fmt: skip


@requires(GET="summary.download")
def summary_docx(request: HttpRequest) -> FileResponse:
    data = _summary(request)
    # Its tables: enforcement by kind, then every unit and the district.
    rows = len(data.enforcement_kinds) + len(data.units) + 1
    with one_at_a_time():
        content = documents.summary_docx(data)
    return _download(request, content, f"{data.campaign.name}工作总结_{data.as_of:%Y-%m-%d}.docx",
                     DOCX, kind="工作总结", rows=rows)  # fmt: skip


@requires(GET="summary.download")
def summary_xlsx(request: HttpRequest) -> FileResponse:
    data = _summary(request)
    header, rows = summary_data.table(data)
    # 罚款 as a number the sheet can sum (the page and the document show it as text with two decimals).
    fines_at = 1 + [key for key, _label in summary_data.COLUMNS].index("fines")
    rows = [[float(v) if i == fines_at else v for i, v in enumerate(row)] for row in rows]
    buffer = io.BytesIO()
    enforcement = [[k, n, float(a)] for k, n, a in data.enforcement_kinds]
    periods = queries.periods_of(data.campaign).filter(due_on__lte=data.as_of)
    rates = queries.period_rates(periods)
    period_rows = [[p.label, p.due_on.isoformat(), r.expected, r.submitted, r.on_time, r.late, r.missing,
                    r.completeness, r.timeliness] for p in periods for r in [rates.get(p.pk, queries.Rates())]]  # fmt: skip
    with one_at_a_time():
        exports.table_xlsx(buffer, title=f"{data.campaign.name}工作总结（截至{data.as_of:%Y-%m-%d}）", sheets=[
            ("各单位情况", header, rows),
            ("执法情况", ["执法类别", "件数", "罚款（元）"], enforcement),
            ("报送情况", ["报送期", "截止日期", "应报", "已报", "按时", "逾期", "未报", "完整率", "及时率"], period_rows),
        ])  # fmt: skip
    return _download(request, buffer.getvalue(), f"{data.campaign.name}工作总结_{data.as_of:%Y-%m-%d}.xlsx",
                     XLSX_CONTENT_TYPE, kind="工作总结", rows=len(rows) + len(enforcement) + len(period_rows))  # fmt: skip
