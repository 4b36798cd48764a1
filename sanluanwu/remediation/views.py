"""Thin views of the remediation work: read the form, call one service, render or redirect."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string

from sanluanwu.accounts import permissions
from sanluanwu.accounts.decorators import requires
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.scope import scope_for
from sanluanwu.audit.memo import remembered
from sanluanwu.campaigns.queries import current_campaign
from sanluanwu.core import clock, params, photos, staging
from sanluanwu.core.errors import DomainError, ValidationFailed
from sanluanwu.core.text import full_address
from sanluanwu.core.withdrawal import ACTIVE
from sanluanwu.registry import workflow
from sanluanwu.registry.queries import access_case, cases_visible_to
from sanluanwu.remediation import ledger, queries, services
from sanluanwu.remediation.choices import (
    TWO_CUTS_THREE_CLEARS,
    EnforcementKind,
    EvidencePhase,
    ItemState,
    PlanItemCategory,
    PlanState,
    TaskState,
)
from sanluanwu.remediation.evidence import uploads as evidence_uploads
from sanluanwu.remediation.models import Classification, PlanItem, Review


def _date(value: str | None) -> dt.date | None:
    """A form's date: None when left empty (the service says it is needed); written wrong, refused as such."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(f"日期“{text[:20]}”格式不对，应为“年-月-日”，如 {clock.today():%Y-%m-%d}") from None


def _uploads(request: HttpRequest, name: str, item_code: str = "", phase: str = "") -> list[services.Upload]:
    return evidence_uploads(request.FILES.getlist(name), item_code=item_code, phase=phase)


class _Photos:
    """The photos of one try of a form: those chosen now and those kept from the user's last refused try of the same
    form (core.staging: a file input cannot be refilled), unless the user ticked drop_kept. `uploads(field, …)` gives
    a field's photos for the service; after the service, `refused()` keeps them all for the next try, `done()` forgets
    them."""

    def __init__(self, request: HttpRequest, form: str):
        self.request, self.form = request, form
        if request.method == "POST" and request.POST.get("drop_kept") == "1":
            staging.discard(request, form)
        self.kept: dict[str, list[staging.Kept]] = {}
        if request.method == "POST":
            for k in staging.kept(request, form):
                self.kept.setdefault(k.field, []).append(k)
        self.sent: list[staging.Kept] = []

    def uploads(self, field: str, item_code: str = "", phase: str = "") -> list[services.Upload]:
        out = [services.Upload(k.data, k.name, item_code, phase) for k in self.kept.get(field, [])]
        out += _uploads(self.request, field, item_code, phase)
        self.sent += [staging.Kept(field, u.name, u.data) for u in out]
        return out

    def refused(self, context: dict[str, Any]) -> None:
        staging.keep(self.request, self.form, self.sent)
        context["kept"] = staging.names(self.request, self.form)

    def done(self) -> None:
        staging.discard(self.request, self.form)

    def names(self) -> dict[str, list[str]]:
        return staging.names(self.request, self.form)


def _fail(request: HttpRequest, template: str, context: dict[str, Any], exc: DomainError) -> HttpResponse:
    context.update(errors=list(exc.errors.items()), error_text=exc.text, data=request.POST)
    return render(
        request,
        template,
        context,
        status=409 if exc.__class__.__name__ in ("Conflict", "TransitionNotAllowed") else 400,
    )


def _back(request: HttpRequest, case_pk: int, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect(f"/cases/{case_pk}/#remediation")


def _not_offered(request: HttpRequest, case: Any, what: str) -> HttpResponse | None:
    """A step's form is opened only while the case page offers the step (queries.case_actions, the one list of what
    applies to a case now): an old link, a second tab or a typed address for a case that has moved on (a 已销号 case's
    stop form, a review already recorded) goes back to the case, saying where it stands, instead of a form that can
    only be refused. A POST is left to the service, which refuses it with its own reason."""
    if request.method == "POST":
        return None
    work = queries.case_work(case, scope_for(request.user), remember=True)
    if any(a.url == request.path for a in work.actions):
        return None
    messages.error(request, f"该案件当前为“{case.get_status_display()}”，不能{what}")
    return redirect(f"/cases/{case.pk}/#remediation")


# ---- work lists ------------------------------------------------------------------------------------------------


@requires(GET="task.view")
def worklist(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    state = request.GET.get("state", "open")
    overdue = request.GET.get("overdue") == "1"
    kind = request.GET.get("kind", "")[:40]
    mine = request.GET.get("all") != "1"
    status = 200
    try:
        tasks = queries.work_list(scope, state=state, overdue=overdue, kind=kind, mine=mine)
    except ValidationFailed as exc:  # a bad filter is said, and the list is empty until it is corrected
        messages.error(request, f"筛选条件有误：{exc.text}")
        tasks, status, state, kind = queries.tasks_visible_to(scope).none(), 400, "", ""
    utility_only = bool(scope.utility_ids) and not (scope.department_ids or scope.town_ids or scope.sees_district)
    today = clock.today()

    def read() -> dict[str, Any]:
        rows = {"tasks": tasks[:500], "today": today, "utility_only": utility_only}
        return {"total": tasks.count(), "rows": render_to_string("remediation/_worklist_rows.html", rows)}

    # The rows, remembered for users of the same units until a write that may change them (queries.work_memo: a
    # unit's own tasks until the next event naming its units or town): the list every department and utility opens
    # again and again at a deadline. Not the empty list of a bad filter.
    key = ("worklist", scope.memo_key, state, overdue, kind, mine)
    body = remembered(key, read, **queries.work_memo(scope, mine=mine)) if status == 200 else read()
    return render(request, "remediation/worklist.html", {
        **body, "state": state, "overdue": overdue, "kind": kind, "states": TaskState.choices,
        "pending": queries.pending_for(request.user), "utility_only": utility_only,
    }, status=status)  # fmt: skip


@requires(GET="remediation.view")
def todo(request: HttpRequest) -> HttpResponse:
    labels = queries.todo_labels(request.user)
    what = request.GET.get("what") or next(iter(labels), "")
    if what and what not in labels:
        raise Http404("未知的待办类别，或不是您单位的待办")
    # A unit with no lists of its own (the office, the leader) sees the page empty, not an error.
    cases = queries.todo_cases(request.user, what)
    return render(
        request,
        "remediation/todo.html",
        {
            "cases": cases[:500],
            "what": what,
            "label": labels.get(what, "待办"),
            "labels": labels,
            "pending": queries.pending_for(request.user),
        },
    )


@requires(GET="remediation.view")
def overview(request: HttpRequest) -> HttpResponse:
    """The office's and a town's view of the work: 一刀切 warnings, overdue rectifications, overdue tasks, enforcement."""
    from django.db.models import Count, Sum

    from sanluanwu.remediation.models import Enforcement

    scope = scope_for(request.user)
    campaign = current_campaign()
    visible = cases_visible_to(scope)
    enforcement = (Enforcement.objects.filter(case__in=visible).values("kind")
                   .annotate(n=Count("id"), total=Sum("amount")).order_by("kind"))  # fmt: skip
    return render(request, "remediation/overview.html", {
        "blanket": queries.blanket_warnings(scope, campaign.pk if campaign else None),
        # Only what the rows show: a list of 200 full cases and tasks with their joins built ~600 model instances
        # of every column (70 ms of CPU for the office, most of the page).
        "overdue_rect": queries.overdue_rectifications(visible).select_related("enterprise", "town").only(
            "id", "planned_completion", "status", "progress_note", "closed_on", "stage", "enterprise__name",
            "town__name")[:200],
        "overdue_tasks": queries.work_list(scope, overdue=True, state="", mine=False).only(
            "id", "due_on", "kind__label", "case__id", "case__enterprise__name", "owner_unit__name",
            "owner_unit__short_name", "case__town__name")[:200],
        "enforcement": [{"label": EnforcementKind(r["kind"]).label, **r} for r in enforcement],
        "today": clock.today(),
    })  # fmt: skip


# ---- tasks -----------------------------------------------------------------------------------------------------


@requires(GET="task.view", POST="task.complete")
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A task as its owner sees it. A utility sees the enterprise's name, address, place and its own task only."""
    task = queries.access_task(request.user, pk)
    scope = scope_for(request.user)
    enterprise = task.case.enterprise
    photos = list(task.case.evidence.filter(step="task", subject_id=task.pk))
    context = {"task": task, "case": task.case, "enterprise": enterprise, "today": clock.today(),
               "address": full_address(task.case.town.name, enterprise.village, enterprise.address),
               "denial": "该任务已撤回" if task.is_withdrawn else queries.task_permission(scope, task),
               "can_withdraw": not task.is_withdrawn and task.case.status == "remediating"
               and permissions.allows(scope, "task.withdraw", town_id=task.case.town_id),
               "can_restore": task.is_withdrawn and task.case.status == "remediating"
               and permissions.allows(scope, "record.restore", town_id=task.case.town_id),
               "photos": photos,
               "photo_warnings": queries.photo_warnings(task.case, photos, task.acted_on),
               "rework": queries.task_rework(task),
               "sees_case": cases_visible_to(scope).filter(pk=task.case_id).exists(),
               "can_waive": task.state == TaskState.BLOCKED and not task.is_withdrawn and _leads(scope, task.case)}  # fmt: skip
    kept = _Photos(request, f"task:{task.pk}")
    completing = request.POST.get("action") not in ("block", "waive")
    if request.method == "POST":
        try:
            if request.POST.get("action") == "block":
                services.block_task(actor=request.user, task=task, reason=request.POST.get("reason", ""))
                messages.success(request, "已登记无法办理的原因，属地镇（街道）将收到提醒")
            elif request.POST.get("action") == "waive":
                services.waive_task(actor=request.user, task=task, reason=request.POST.get("reason", ""))
                messages.success(request, "已核实：该任务无需办理")
            else:
                pictures = kept.uploads("photos")  # first: kept even if a field is wrong
                services.complete_task(
                    actor=request.user, task=task, acted_on=_date(request.POST.get("acted_on")),  # type: ignore[arg-type]
                    note=request.POST.get("note", ""), document_no=request.POST.get("document_no", ""),
                    account_no=request.POST.get("account_no", ""), final_reading=request.POST.get("final_reading"),
                    photos=pictures, expected_version=_version(request.POST.get("version")),
                )  # fmt: skip
                kept.done()
                messages.success(request, f"“{task.kind.label}”已登记完成")
        except DomainError as exc:
            if completing:
                kept.refused(context)
            return _fail(request, "remediation/task_detail.html", context, exc)
        return redirect("remediation:task_detail", pk=task.pk)
    context["kept"] = kept.names()
    return render(request, "remediation/task_detail.html", context)


def _lenient_date(value: str | None) -> dt.date | None:
    """An item's date in a list of rows: unreadable is None, and the service names the row that needs one."""
    try:
        return _date(value)
    except ValidationFailed:
        return None


def _leads(scope: Any, case: Any) -> bool:
    lead = queries.confirmed_classification(case)
    return lead is not None and lead.lead_unit_id in scope.department_ids


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _version(value: str | None) -> int | None:
    """The version a form was read at: None when it sent none (a new plan's form); one no record has (-1, refused as a
    stale page) when it sent something that is no version (helper-33: "abc" skipped the check), as reporting's do."""
    return None if value is None or value.strip() == "" else params.pk(value) or -1


# ---- withdrawal instead of deletion (core.withdrawal) ------------------------------------------------------------


def _withdrawal(request: HttpRequest, service: Any, done: str, back: str, **record: Any) -> HttpResponse:
    """Run a withdraw or restore service with the posted reason; back to the record's page with what happened."""
    try:
        service(actor=request.user, reason=request.POST.get("reason", ""), **record)
    except DomainError as exc:
        if exc.status_code == 403:
            raise DjangoPermissionDenied(exc.text) from None
        messages.error(request, exc.text)
    else:
        messages.success(request, done)
    return redirect(back)


def _task_for(request: HttpRequest, pk: int, code: str) -> Any:
    task = queries.access_task(request.user, pk)
    if reason := permissions.denial(scope_for(request.user), code, town_id=task.case.town_id):
        raise DjangoPermissionDenied(reason)
    return task


@requires(POST="task.withdraw")
def withdraw_task(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for(request, pk, "task.withdraw")
    return _withdrawal(request, services.withdraw_task, f"已撤回任务“{task.kind.label}”，办理单位将收到通知",
                       f"/remediation/tasks/{task.pk}/", task=task)  # fmt: skip


@requires(POST="record.restore")
def restore_task(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for(request, pk, "record.restore")
    return _withdrawal(request, services.restore_task, f"已恢复任务“{task.kind.label}”", f"/remediation/tasks/{task.pk}/",
                       task=task)  # fmt: skip


@requires(POST="plan.withdraw")
def withdraw_plan(request: HttpRequest, pk: int, plan_pk: int) -> HttpResponse:
    case = _case(request, pk, "plan.withdraw")
    plan = get_object_or_404(case.plans, pk=plan_pk)
    return _withdrawal(request, services.withdraw_plan, f"已撤回整改方案第 {plan.number} 版",
                       f"/cases/{case.pk}/#remediation", plan=plan)  # fmt: skip


@requires(POST="record.restore")
def restore_plan(request: HttpRequest, pk: int, plan_pk: int) -> HttpResponse:
    case = _case(request, pk, "record.restore")
    plan = get_object_or_404(case.plans, pk=plan_pk)
    return _withdrawal(request, services.restore_plan, f"已恢复整改方案第 {plan.number} 版",
                       f"/cases/{case.pk}/#remediation", plan=plan)  # fmt: skip


@requires(GET="task.view")
def evidence(request: HttpRequest, pk: int) -> FileResponse:
    e = queries.evidence_for(request.user, pk)
    response = FileResponse(photos.preview_path(e.stored_name).open("rb"), content_type="image/jpeg")
    return response


# ---- the steps on a case ---------------------------------------------------------------------------------------


def _lead_only(request: HttpRequest, unit: Any, what: str) -> None:
    """A decision of the lead department: any other user gets 403 with whose decision it is, before the form."""
    if unit is None or unit.pk not in scope_for(request.user).department_ids:
        raise DjangoPermissionDenied(f"{what}由{unit.name if unit else '牵头部门'}办理")


def _case(request: HttpRequest, pk: int, code: str, *, assigned: bool = False) -> Any:
    case = access_case(request.user, pk)
    if reason := permissions.denial(scope_for(request.user), code, town_id=case.town_id, assigned=assigned):
        raise DjangoPermissionDenied(reason)
    return case


@requires(GET="case.stop_production", POST="case.stop_production")
def stop(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, "case.stop_production")
    units = OrgUnit.objects.filter(kind__in=["town", "department", "office"], is_active=True).order_by(
        "kind", "sort_order"
    )
    context = {"case": case, "units": units, "today": clock.today()}
    if gone := _not_offered(request, case, workflow.TRANSITIONS["stop_production"].label):
        return gone
    kept = _Photos(request, f"stop:{case.pk}")
    if request.method == "POST":
        try:
            pictures = kept.uploads("photos", phase=EvidencePhase.BEFORE)  # first: kept even if a field is wrong
            ordered = request.POST.get("ordered_by")
            services.record_stop(
                actor=request.user, case=case, stopped_on=_date(request.POST.get("stopped_on")),  # type: ignore[arg-type]
                ordered_by=units.filter(pk=_int(ordered) or 0).first() if ordered else None,
                document_no=request.POST.get("document_no", ""), note=request.POST.get("note", ""),
                photos=pictures,
            )  # fmt: skip
        except DomainError as exc:
            kept.refused(context)
            return _fail(request, "remediation/stop_form.html", context, exc)
        kept.done()
        return _back(request, case.pk, "已登记停产；下一步：提出整治类型")
    context["kept"] = kept.names()
    return render(request, "remediation/stop_form.html", context)


@requires(GET="remediation.propose_type", POST="remediation.propose_type")
def propose_type(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, "remediation.propose_type")
    if gone := _not_offered(request, case, "提出整治类型"):
        return gone
    campaign_id = case.campaign_id
    n, all_shut, justified = queries.blanket_status(case.town_id, campaign_id, adding="shutdown")
    context = {"case": case, "today": clock.today(), "blanket": n >= 5 and all_shut and not justified, "n": n,
               "conversion": case.status == "remediating"}  # fmt: skip
    if request.method == "POST":
        try:
            services.propose_type(
                actor=request.user, case=case, remediation_type=request.POST.get("remediation_type", ""),
                reason=request.POST.get("reason", ""),
                planned_completion=_date(request.POST.get("planned_completion")),  # type: ignore[arg-type]
                holds_water_permit=request.POST.get("holds_water_permit") == "on",
                illegal_land=request.POST.get("illegal_land") == "on",
                justification=request.POST.get("justification", ""),
            )  # fmt: skip
        except DomainError as exc:
            context["blanket"] = context["blanket"] or "justification" in exc.errors
            return _fail(request, "remediation/type_form.html", context, exc)
        return _back(request, case.pk, "已提出整治类型，等待牵头部门确认")
    return render(request, "remediation/type_form.html", context)


@requires(GET="case.start_remediation", POST="case.start_remediation")
def decide_type(request: HttpRequest, pk: int, cid: int) -> HttpResponse:
    case = access_case(request.user, pk)
    c = get_object_or_404(Classification.objects.select_related("lead_unit", "proposed_by"), pk=cid, case=case)
    _lead_only(request, c.lead_unit, "确认整治类型")
    if gone := _not_offered(request, case, "确认这次提出的整治类型（已确认、已退回或已被替代）"):
        return gone
    context = {"case": case, "c": c, "kinds": _task_preview(case, c)}
    if request.method == "POST":
        try:
            services.decide_type(actor=request.user, classification=c, confirm=request.POST.get("decision") == "confirm",
                                 note=request.POST.get("note", ""))  # fmt: skip
        except DomainError as exc:
            return _fail(request, "remediation/type_decide.html", context, exc)
        return _back(request, case.pk, "已确认整治类型" if request.POST.get("decision") == "confirm" else "已退回")
    return render(request, "remediation/type_decide.html", context)


def _task_preview(case: Any, c: Classification) -> list[Any]:
    from sanluanwu.remediation.models import TaskKind

    if c.remediation_type != "shutdown":
        return []
    return [k for k in TaskKind.objects.filter(is_active=True).select_related("owner_unit")
            if queries.applies(k, case, c)]  # fmt: skip


@requires(GET="plan.edit", POST="plan.edit")
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, "plan.edit")
    if gone := _not_offered(request, case, "编制或修改整改方案"):
        return gone
    plan = queries.latest_plan(case)
    items = list(plan.items.all()) if plan else []
    # What the form starts from: the latest version (a returned one is revised as the next), or the case's own values.
    start = {"responsible": plan.responsible if plan else case.responsible_person, "goal": plan.goal if plan else "",
             "measures": plan.measures if plan else "",
             "deadline": (plan.deadline if plan else case.planned_completion or "") and
             f"{(plan.deadline if plan else case.planned_completion):%Y-%m-%d}"}  # fmt: skip
    context = {"case": case, "plan": plan, "items": items, "categories": PlanItemCategory.choices, "v": start,
               "blank_rows": range(max(3, 6 - len(items)))}  # fmt: skip
    if request.method == "POST":
        rows: list[dict[str, Any]] = []
        try:
            rows = [{"category": c, "text": t, "deadline": _lenient_date(d)} for c, t, d in zip(
                request.POST.getlist("item_category"), request.POST.getlist("item_text"),
                request.POST.getlist("item_deadline"), strict=False)][:60]  # fmt: skip
            with transaction.atomic():  # saved and submitted together, or neither
                saved = services.save_plan(
                    actor=request.user, case=case, responsible=request.POST.get("responsible", ""),
                    goal=request.POST.get("goal", ""), measures=request.POST.get("measures", ""),
                    deadline=_date(request.POST.get("deadline")), items=rows,  # type: ignore[arg-type]
                    expected_version=_version(request.POST.get("version")),
                )  # fmt: skip
                if request.POST.get("submit") == "1":
                    services.submit_plan(actor=request.user, plan=saved)
        except DomainError as exc:
            from types import SimpleNamespace

            # The rows as typed (numbers too: the stored plan's are shown masked and restored by the service).
            context["typed_items"] = [SimpleNamespace(**r) for r in rows if str(r["text"] or "").strip()]
            return _fail(request, "remediation/plan_form.html", context, exc)
        return _back(
            request, case.pk, "整改方案已提交生态环境局审批" if request.POST.get("submit") == "1" else "整改方案已保存"
        )
    return render(request, "remediation/plan_form.html", context)


@requires(GET="plan.decide", POST="plan.decide")
def plan_decide(request: HttpRequest, pk: int, plan_pk: int) -> HttpResponse:
    case = access_case(request.user, pk)
    plan = get_object_or_404(case.plans, pk=plan_pk)
    confirmed = queries.confirmed_classification(case)
    _lead_only(request, confirmed.lead_unit if confirmed else None, "审批整改方案")
    if gone := _not_offered(request, case, "审批这一版整改方案（已审批、已退回或未提交）"):
        return gone
    context = {"case": case, "plan": plan, "earlier": case.plans.exclude(pk=plan.pk).order_by("-number")}
    if request.method == "POST":
        try:
            services.decide_plan(actor=request.user, plan=plan, approve=request.POST.get("decision") == "approve",
                                 note=request.POST.get("note", ""))  # fmt: skip
        except DomainError as exc:
            return _fail(request, "remediation/plan_decide.html", context, exc)
        return _back(
            request, case.pk, "已批准整改方案" if request.POST.get("decision") == "approve" else "已退回整改方案"
        )
    return render(request, "remediation/plan_decide.html", context)


@requires(GET="plan.progress", POST="plan.progress")
def item_done(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    case = _case(request, pk, "plan.progress")
    item = get_object_or_404(PlanItem.objects.select_related("plan"), pk=item_pk, plan__case=case)
    if request.method != "POST" and not (item.plan.state == PlanState.APPROVED and item.state == ItemState.OPEN):
        # The panel's own condition for the link (and the service's).
        messages.error(request, f"该整改事项当前为“{item.get_state_display()}”，所属方案为“"
                                f"{item.plan.get_state_display()}”，不能登记完成")  # fmt: skip
        return redirect(f"/cases/{case.pk}/#remediation")
    context = {"case": case, "item": item, "today": clock.today()}
    kept = _Photos(request, f"item:{item.pk}")
    if request.method == "POST":
        try:
            pictures = kept.uploads("photos")  # first: kept even if a field is wrong
            services.complete_plan_item(actor=request.user, item=item, done_on=_date(request.POST.get("done_on")),  # type: ignore[arg-type]
                                        note=request.POST.get("note", ""), photos=pictures)  # fmt: skip
        except DomainError as exc:
            kept.refused(context)
            return _fail(request, "remediation/item_form.html", context, exc)
        kept.done()
        return _back(request, case.pk, "已登记整改事项完成")
    context["kept"] = kept.names()
    return render(request, "remediation/item_form.html", context)


@requires(GET="case.submit_for_review", POST="case.submit_for_review")
def request_review(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, "case.submit_for_review")
    if gone := _not_offered(request, case, "申请现场审核"):
        return gone
    context = {"case": case, "remaining": queries.work_remaining(case)}
    if request.method == "POST":
        try:
            services.request_review(actor=request.user, case=case)
        except DomainError as exc:
            return _fail(request, "remediation/review_request.html", context, exc)
        return _back(request, case.pk, "已申请现场审核，本镇（街道）管理人员将收到提醒")
    return render(request, "remediation/review_request.html", context)


@requires(GET="case.pass_review", POST="case.pass_review")
def review(request: HttpRequest, pk: int, review_pk: int) -> HttpResponse:
    case = _case(request, pk, "case.pass_review")
    r = get_object_or_404(Review.objects.select_related("requested_by"), pk=review_pk, case=case)
    if gone := _not_offered(request, case, "填写这次现场审核记录（已记录或已被替代）"):
        return gone
    items = queries.review_items(case)
    tasks = {
        t.kind.item_code or f"task:{t.pk}": t for t in case.tasks.filter(ACTIVE).select_related("kind", "owner_unit")
    }
    before: dict[str, list[Any]] = {}
    for e in case.evidence.exclude(step="review"):
        before.setdefault(e.item_code, []).append(e)
    rows: list[dict[str, Any]] = [{"code": code, "label": label, "task": tasks.get(code), "earlier": before.get(code, []),
             "is_five": code in dict(TWO_CUTS_THREE_CLEARS)} for code, label in items]  # fmt: skip
    context = {"case": case, "review": r, "rows": rows, "today": clock.today(), "before": case.evidence.filter(step="stop"),
               "four_eyes": r.requested_by_id == request.user.pk}  # fmt: skip
    kept = _Photos(request, f"review:{r.pk}")
    if request.method == "POST":
        checks = {row["code"]: (request.POST.get(f"ok_{row['code']}") == "on", request.POST.get(f"note_{row['code']}", ""))
                  for row in rows}  # fmt: skip
        for row in rows:  # shown again as typed if the record is refused
            row["ok"], row["note"] = checks[row["code"]]
        uploads: list[services.Upload] = []
        try:
            for row in rows:
                uploads += kept.uploads(f"photos_{row['code']}", row["code"], EvidencePhase.AFTER)
            services.record_review(
                actor=request.user, review=r, reviewed_on=_date(request.POST.get("reviewed_on")),  # type: ignore[arg-type]
                participants=request.POST.get("participants", ""), checks=checks,
                result=request.POST.get("result", ""), reasons=request.POST.get("reasons", ""), photos=uploads,
                warnings_note=request.POST.get("warnings_note", ""),
            )  # fmt: skip
        except DomainError as exc:
            context["warnings"] = exc.warnings  # of the photos just sent (kept for the next try, core.staging)
            kept.refused(context)
            for row in rows:
                row["kept"] = context["kept"].get(f"photos_{row['code']}", [])
            return _fail(request, "remediation/review_form.html", context, exc)
        kept.done()
        return _back(request, case.pk, "已记录现场审核")
    context["warnings"] = queries.review_warnings(case, r)
    context["kept"] = kept.names()
    for row in rows:
        row["kept"] = context["kept"].get(f"photos_{row['code']}", [])
    return render(request, "remediation/review_form.html", context)


@requires(GET="case.approve_closure", POST="case.approve_closure")
def signoff(request: HttpRequest, pk: int, review_pk: int) -> HttpResponse:
    case = access_case(request.user, pk)
    r = get_object_or_404(Review.objects.prefetch_related("checks").select_related("signoff_unit"), pk=review_pk,
                          case=case)  # fmt: skip
    _lead_only(request, r.signoff_unit, "签认销号")
    if gone := _not_offered(request, case, "签认这次审核（已签认或已退回）"):
        return gone
    context = {"case": case, "review": r, "photos": case.evidence.filter(step="review", subject_id=r.pk)}
    if request.method == "POST":
        try:
            services.sign_off(actor=request.user, review=r, sign=request.POST.get("decision") == "sign",
                              note=request.POST.get("note", ""))  # fmt: skip
        except DomainError as exc:
            return _fail(request, "remediation/signoff_form.html", context, exc)
        return _back(
            request, case.pk, "已签认，该对象已销号" if request.POST.get("decision") == "sign" else "已退回整治"
        )
    return render(request, "remediation/signoff_form.html", context)


@requires(GET="enforcement.record", POST="enforcement.record")
def enforcement(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(request.user, pk)
    scope = scope_for(request.user)
    units = OrgUnit.objects.filter(kind="department", is_active=True).order_by("sort_order")
    if scope.department_ids:
        units = units.filter(pk__in=scope.department_ids)
    if gone := _not_offered(request, case, "登记执法记录"):
        return gone
    context = {"case": case, "kinds": EnforcementKind.choices, "today": clock.today(), "units": units}
    kept = _Photos(request, f"enforcement:{case.pk}")
    if request.method == "POST":
        try:
            pictures = kept.uploads("photos")  # first: kept even if a field is wrong
            services.record_enforcement(
                actor=request.user, case=case, kind=request.POST.get("kind", ""),
                unit=units.filter(pk=_int(request.POST.get("unit")) or 0).first(),
                legal_basis=request.POST.get("legal_basis", ""), document_no=request.POST.get("document_no", ""),
                decided_on=_date(request.POST.get("decided_on")), amount=request.POST.get("amount"),  # type: ignore[arg-type]
                note=request.POST.get("note", ""), photos=pictures,
            )  # fmt: skip
        except DomainError as exc:
            kept.refused(context)
            return _fail(request, "remediation/enforcement_form.html", context, exc)
        kept.done()
        return _back(request, case.pk, "已登记执法记录")
    context["kept"] = kept.names()
    return render(request, "remediation/enforcement_form.html", context)


# ---- the ledger (台账) -----------------------------------------------------------------------------------------


@requires(GET="ledger.download")
def ledger_page(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(request.user, pk)
    return render(request, "remediation/ledger.html", {"l": ledger.case_ledger(case, scope_for(request.user))})


@requires(GET="ledger.download")
def ledger_docx(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(request.user, pk)
    data = ledger.docx_for([case], scope_for(request.user), title=f"{case.enterprise.name} 整治台账")
    return _docx(request, data, f"整治台账-{case.enterprise.name}.docx", rows=1)


@requires(GET="ledger.download")
def town_ledger(request: HttpRequest) -> HttpResponse:
    """A town's whole ledger as one .docx (?town=); without a town, the towns the user may download, to choose from."""
    from django.db.models import Count

    scope = scope_for(request.user)
    visible = cases_visible_to(scope)
    town = OrgUnit.objects.filter(pk=_int(request.GET.get("town")) or 0, kind="town").first()
    if town is None:
        towns = visible.values("town_id", "town__name").annotate(n=Count("id")).order_by("town__sort_order")
        return render(request, "remediation/town_ledger.html", {"towns": towns, "asked": request.GET.get("town")},
                      status=404 if request.GET.get("town") else 200)  # fmt: skip
    cases = visible.filter(town=town).select_related("enterprise", "town", "campaign").order_by("id")
    limit = settings.LEDGER_MAX_CASES
    chosen = list(cases[: limit + 1])
    if not chosen:
        raise Http404("该镇（街道）没有您可查看的整治对象")
    if len(chosen) > limit:
        messages.error(request, f"{town.name}的整治对象超过 {limit} 个，请按整治对象分别下载台账")
        return redirect("remediation:town_ledger")
    data = ledger.docx_for(chosen, scope, title=f"{town.name} 散乱污整治台账")
    return _docx(request, data, f"整治台账-{town.name}.docx", rows=len(chosen))


def _docx(request: HttpRequest, data: bytes, filename: str, *, rows: int) -> HttpResponse:
    """A ledger download: masked (ledger.case_ledger) and audited like every export (one event per file)."""
    import hashlib

    from sanluanwu.registry.services import record_export

    record_export(actor=request.user, kind="整治台账", filename=filename, sha256=hashlib.sha256(data).hexdigest(),
                  rows=rows)  # fmt: skip
    from urllib.parse import quote

    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response


def home_page(scope: Any) -> str | None:
    """A utility (no list to read) lands on its work list."""
    if permissions.allows(scope, "task.view") and not permissions.allows(scope, "case.view"):
        return "/remediation/tasks/"
    return None
