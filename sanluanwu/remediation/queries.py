"""Scoped reads of the remediation work: tasks (work lists), a case's whole remediation, warnings for the office."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from sanluanwu.accounts import permissions
from sanluanwu.accounts.scope import Scope, scope_for
from sanluanwu.core import clock, params
from sanluanwu.registry.choices import CaseStatus, RemediationType, Stage
from sanluanwu.registry.models import Case
from sanluanwu.remediation import services
from sanluanwu.remediation.choices import (
    BLANKET_SHUTDOWN_MIN,
    TWO_CUTS_THREE_CLEARS,
    ClassificationState,
    EvidenceStep,
    PlanState,
    ReviewResult,
    SignoffState,
    TaskState,
)
from sanluanwu.remediation.models import Classification, Evidence, Plan, Review, Task


def _scope(user_or_scope: Any) -> Scope:
    return user_or_scope if isinstance(user_or_scope, Scope) else scope_for(user_or_scope)


def assigned_case_condition(scope: Scope) -> Q | None:
    """registry.visibility hook: a department sees the cases it holds a task on (as owner or coordinator), leads, or
    recorded enforcement on. Utilities read no case: their own tasks only, through the task pages."""
    units = scope.department_ids
    if not units:
        return None
    return Q(pk__in=Task.objects.filter(Q(owner_unit_id__in=units) | Q(coordinator_unit_id__in=units))
             .values("case_id")) | Q(pk__in=Classification.objects.filter(lead_unit_id__in=units)
             .values("case_id"))  # fmt: skip


def tasks_visible_to(user_or_scope: Any) -> QuerySet[Task]:
    """Every task for the office and leaders; the own towns' cases' tasks for a town user; a department's or
    utility's own (as owner or coordinator)."""
    scope = _scope(user_or_scope)
    tasks = Task.objects.all()
    if not permissions.allows(scope, "task.view"):
        return tasks.none()
    if scope.sees_district:
        return tasks
    units = scope.department_ids | scope.utility_ids
    return tasks.filter(Q(case__town_id__in=scope.town_ids) | Q(owner_unit_id__in=units)
                        | Q(coordinator_unit_id__in=units))  # fmt: skip


def access_task(user: Any, pk: Any) -> Task:
    try:
        return tasks_visible_to(user).select_related("kind", "owner_unit", "coordinator_unit", "case__enterprise",
                                                     "case__town").get(pk=params.pk(pk) or 0)  # fmt: skip
    except Task.DoesNotExist:
        raise Http404("未找到该任务") from None


def work_list(user_or_scope: Any, *, state: str = "open", overdue: bool = False, kind: str = "",
              mine: bool = True) -> QuerySet[Task]:  # fmt: skip
    """A unit's tasks: open first by due date; filters by state, overdue and kind."""
    scope = _scope(user_or_scope)
    tasks = tasks_visible_to(scope).select_related("kind", "owner_unit", "case__enterprise", "case__town")
    if mine and not scope.sees_district:
        units = scope.department_ids | scope.utility_ids | scope.town_ids
        tasks = tasks.filter(Q(owner_unit_id__in=units) | Q(coordinator_unit_id__in=units))
    if state in TaskState.values:
        tasks = tasks.filter(state=state)
    if overdue:
        tasks = tasks.filter(state__in=[TaskState.OPEN, TaskState.BLOCKED], due_on__lt=clock.today())
    if kind:
        tasks = tasks.filter(kind__code=kind)
    return tasks.order_by("due_on", "id")


@dataclass
class Pending:
    """Work waiting for a user, by kind, for their home page and the bell's page."""

    label: str
    url: str
    count: int


def pending_for(user: Any) -> list[Pending]:
    scope = _scope(user)
    out: list[Pending] = []
    if permissions.allows(scope, "task.view") and (scope.department_ids or scope.utility_ids or scope.town_ids):
        n = work_list(scope).count()
        late = work_list(scope, overdue=True).count()
        if n:
            out.append(Pending(f"待办任务（其中逾期 {late} 项）" if late else "待办任务", "/remediation/tasks/", n))
    if scope.department_ids:
        n = Classification.objects.filter(lead_unit_id__in=scope.department_ids,
                                          state=ClassificationState.PROPOSED).count()  # fmt: skip
        if n:
            out.append(Pending("待确认整治类型", "/remediation/todo/?what=types", n))
        n = Plan.objects.filter(state=PlanState.SUBMITTED, case__classifications__state=ClassificationState.CONFIRMED,
                                case__classifications__lead_unit_id__in=scope.department_ids).distinct().count()  # fmt: skip
        if n:
            out.append(Pending("待审批整改方案", "/remediation/todo/?what=plans", n))
        n = Review.objects.filter(signoff_state=SignoffState.PENDING, signoff_unit_id__in=scope.department_ids).count()
        if n:
            out.append(Pending("待签认销号", "/remediation/todo/?what=signoffs", n))
    if scope.sees_district and permissions.allows(scope, "remediation.view"):
        late = Task.objects.filter(state__in=[TaskState.OPEN, TaskState.BLOCKED], due_on__lt=clock.today()).count()
        if late:
            out.append(Pending("逾期未办的整治任务", "/remediation/#overdue-tasks", late))
        n = overdue_rectifications(Case.objects.all()).count()
        if n:
            out.append(Pending("超过治理期限的治理改造", "/remediation/#overdue-rectifications", n))
    if scope.town_ids:
        base = Case.objects.filter(town_id__in=scope.town_ids)
        if permissions.allows(scope, "case.pass_review"):
            n = base.filter(status=CaseStatus.AWAITING_REVIEW).count()
            if n:
                out.append(Pending("待现场审核", "/cases/?status=awaiting_review", n))
        n = base.filter(status=CaseStatus.REMEDIATING, stage=Stage.TASKS_DONE).count()
        n += base.filter(status=CaseStatus.REMEDIATING, stage__regex=rf"^{Stage.RECTIFYING}（(\d+)/\1项）$").count()
        if n:
            out.append(Pending("可申请现场审核", "/cases/?status=remediating", n))
        n = base.filter(status=CaseStatus.STOPPED).exclude(stage=Stage.AWAITING_TYPE).count()
        if n:
            out.append(Pending("待提出整治类型", "/cases/?status=stopped", n))
        n = base.filter(status=CaseStatus.LISTED).count()
        if n:
            out.append(Pending("待登记停产（先停后治）", "/cases/?status=listed", n))
    return out


def todo_cases(user: Any, what: str) -> QuerySet[Case]:
    """A department's decisions to take: types to confirm, plans to approve, sign-offs to give."""
    scope = _scope(user)
    units = scope.department_ids
    cases = Case.objects.select_related("enterprise", "town")
    if what == "types":
        return cases.filter(classifications__lead_unit_id__in=units,
                            classifications__state=ClassificationState.PROPOSED).distinct()  # fmt: skip
    if what == "plans":
        return cases.filter(plans__state=PlanState.SUBMITTED, classifications__state=ClassificationState.CONFIRMED,
                            classifications__lead_unit_id__in=units).distinct()  # fmt: skip
    if what == "signoffs":
        return cases.filter(reviews__signoff_state=SignoffState.PENDING, reviews__signoff_unit_id__in=units).distinct()
    return cases.none()


# ---- warnings for the office and the towns --------------------------------------------------------------------


@dataclass
class BlanketWarning:
    town_id: int
    town_name: str
    classified: int
    justified: bool


def blanket_warnings(scope: Scope, campaign_id: int | None) -> list[BlanketWarning]:
    """一刀切: towns whose classified cases (at least 5) are all shutdowns."""
    if campaign_id is None:
        return []
    rows = (Classification.objects.filter(case__campaign_id=campaign_id)
            .exclude(state__in=[ClassificationState.SUPERSEDED, ClassificationState.RETURNED])
            .values("case__town_id", "case__town__name")
            .annotate(n=Count("case_id", distinct=True),
                      shut=Count("case_id", distinct=True, filter=Q(remediation_type=RemediationType.SHUTDOWN))))  # fmt: skip
    out = []
    for r in rows:
        town = r["case__town_id"]
        if not scope.sees_district and town not in scope.town_ids:
            continue
        if r["n"] >= BLANKET_SHUTDOWN_MIN and r["n"] == r["shut"]:
            _n, _all, justified = services.blanket_status(town, campaign_id)
            out.append(BlanketWarning(town, r["case__town__name"], r["n"], justified))
    return out


def overdue_rectifications(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Rectifications past their deadline, still open: the town (with the lead department) may turn them into
    shutdowns."""
    return cases.filter(remediation_type=RemediationType.RECTIFICATION, status=CaseStatus.REMEDIATING,
                        planned_completion__lt=clock.today())  # fmt: skip


# ---- one case's remediation, for its panel, the ledger and the API ---------------------------------------------


@dataclass
class Action:
    """A step of the work on this case: a link to its form when the user may take it now, else the reason why not."""

    key: str
    label: str
    url: str = ""
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return not self.reason


@dataclass
class CaseWork:
    case: Case
    stops: list[Any]
    classifications: list[Classification]
    tasks: list[Task]
    items: list[dict[str, Any]]  # the five 两断三清 items: label, task, state
    plans: list[Plan]
    reviews: list[Review]
    enforcements: list[Any]
    evidence: dict[tuple[str, int | None], list[Evidence]]
    actions: list[Action] = field(default_factory=list)
    overdue_rectification: bool = False

    def photos(self, step: str, subject_id: int | None) -> list[Evidence]:
        return self.evidence.get((step, subject_id), [])


def case_work(case: Case, scope: Scope) -> CaseWork:
    tasks = list(case.tasks.select_related("kind", "owner_unit", "coordinator_unit", "done_by").order_by(
        "kind__sort_order", "id"))  # fmt: skip
    by_item = {t.kind.item_code: t for t in tasks if t.kind.item_code}
    evidence: dict[tuple[str, int | None], list[Evidence]] = {}
    for e in case.evidence.select_related("uploaded_by"):
        evidence.setdefault((e.step, e.subject_id), []).append(e)
    work = CaseWork(
        case=case,
        stops=list(case.stop_records.select_related("ordered_by", "recorded_by")),
        classifications=list(case.classifications.select_related("lead_unit", "proposed_by", "decided_by")),
        tasks=tasks,
        items=[{"code": code, "label": label, "task": by_item.get(code)} for code, label in TWO_CUTS_THREE_CLEARS],
        plans=list(case.plans.prefetch_related("items").select_related("created_by", "decided_by")),
        reviews=list(
            case.reviews.prefetch_related("checks").select_related(
                "requested_by", "reviewer", "signoff_by", "signoff_unit"
            )
        ),
        enforcements=list(case.enforcements.select_related("unit", "recorded_by")),
        evidence=evidence,
    )
    for kind, rows in (
        ("task", work.tasks),
        ("stop", work.stops),
        ("enforcement", work.enforcements),
        ("review", work.reviews),
    ):
        for row in rows:
            row.photos = evidence.get((kind, row.pk), [])  # type: ignore[union-attr]
    work.overdue_rectification = bool(
        case.remediation_type == RemediationType.RECTIFICATION and case.status == CaseStatus.REMEDIATING
        and case.planned_completion and case.planned_completion < clock.today())  # fmt: skip
    work.actions = case_actions(case, scope, work)
    return work


def _deny(scope: Scope, code: str, case: Case, *, assigned: bool = False) -> str:
    return permissions.denial(scope, code, town_id=case.town_id, assigned=assigned) or ""


def case_actions(case: Case, scope: Scope, work: CaseWork) -> list[Action]:
    """Every step of the work that applies to the case now, with a link for whoever may take it and, for everyone
    else, why not (e.g. "待供电公司断电（12月10日到期）")."""
    base = f"/remediation/cases/{case.pk}"
    s = case.status
    out: list[Action] = []
    current = next((c for c in reversed(work.classifications) if c.state != ClassificationState.SUPERSEDED), None)
    if s == CaseStatus.LISTED:
        out.append(Action("stop_production", "登记停产", f"{base}/stop/", _deny(scope, "case.stop_production", case)))
    elif s == CaseStatus.STOPPED:
        if current is not None and current.state == ClassificationState.PROPOSED:
            lead = current.lead_unit_id in scope.department_ids
            reason = "" if lead else f"待{current.lead_unit.display_name}确认整治类型"
            if lead:
                reason = _deny(scope, "case.start_remediation", case, assigned=True)
            out.append(Action("confirm_type", f"确认整治类型（{current.get_remediation_type_display()}）",
                              f"{base}/type/{current.pk}/", reason))  # fmt: skip
        else:
            out.append(Action("propose_type", "提出整治类型", f"{base}/type/",
                              _deny(scope, "remediation.propose_type", case)))  # fmt: skip
    elif s == CaseStatus.REMEDIATING:
        if current is not None and current.state == ClassificationState.PROPOSED and current.is_conversion:
            lead = current.lead_unit_id in scope.department_ids
            out.append(Action("confirm_type", "确认转为关停取缔", f"{base}/type/{current.pk}/",
                              "" if lead else f"待{current.lead_unit.display_name}确认转为关停取缔"))  # fmt: skip
        if case.remediation_type == RemediationType.RECTIFICATION:
            plan = work.plans[-1] if work.plans else None
            live = plan if plan and plan.state != PlanState.SUPERSEDED else None
            if live is None or live.state in (PlanState.DRAFT, PlanState.RETURNED):
                out.append(Action("edit_plan", "编制整改方案" if live is None else "修改整改方案", f"{base}/plan/",
                                  _deny(scope, "plan.edit", case)))  # fmt: skip
            elif live.state == PlanState.SUBMITTED:
                lead = bool(current and current.lead_unit_id in scope.department_ids)
                out.append(Action("decide_plan", "审批整改方案", f"{base}/plan/{live.pk}/decide/",
                                  _deny(scope, "plan.decide", case, assigned=True) if lead
                                  else "待生态环境局审批整改方案"))  # fmt: skip
            if work.overdue_rectification and not (current and current.state == ClassificationState.PROPOSED):
                out.append(Action("convert", "转为关停取缔（治理期限已过）", f"{base}/type/",
                                  _deny(scope, "remediation.propose_type", case)))  # fmt: skip
        remaining = services.work_remaining(case)
        out.append(Action("submit_for_review", "申请现场审核", f"{base}/review/request/",
                          "；".join(remaining) or _deny(scope, "case.submit_for_review", case)))  # fmt: skip
    elif s == CaseStatus.AWAITING_REVIEW:
        review = next((r for r in reversed(work.reviews) if not r.result), None)
        reason = _deny(scope, "case.pass_review", case)
        if not reason and review and review.requested_by_id == scope.user_id:
            reason = "您申请了本次现场审核，须由本镇（街道）其他管理人员或区办公室审核（四眼原则）"
        out.append(Action("record_review", "填写现场审核记录", f"{base}/review/{review.pk if review else 0}/", reason))
    elif s == CaseStatus.AWAITING_SIGNOFF:
        review = next((r for r in reversed(work.reviews) if r.signoff_state == SignoffState.PENDING), None)
        unit = review.signoff_unit if review else None
        lead = bool(unit and unit.pk in scope.department_ids)
        out.append(Action("approve_closure", "签认销号", f"{base}/signoff/{review.pk if review else 0}/",
                          _deny(scope, "case.approve_closure", case, assigned=True) if lead
                          else f"待{unit.display_name if unit else '牵头部门'}签认销号"))  # fmt: skip
    if (s != CaseStatus.LISTED and case.is_open
            and permissions.allows(scope, "enforcement.record", town_id=case.town_id,
                                   assigned=bool(scope.department_ids))):  # fmt: skip
        out.append(Action("record_enforcement", "登记执法记录", f"{base}/enforcement/"))
    return out


def evidence_for(user: Any, pk: Any) -> Evidence:
    """A photo of the work, if the user may see its case (or, for a utility, its own task)."""
    scope = _scope(user)
    from sanluanwu.registry.queries import cases_visible_to

    ev = Evidence.objects.filter(pk=params.pk(pk) or 0).first()
    if ev is None:
        raise Http404("未找到该照片")
    if cases_visible_to(scope).filter(pk=ev.case_id).exists():
        return ev
    if ev.step == EvidenceStep.TASK and tasks_visible_to(scope).filter(pk=ev.subject_id or 0).exists():
        return ev
    raise Http404("未找到该照片")


def recent_reviews_failed(case: Case) -> list[Review]:
    return list(case.reviews.filter(result=ReviewResult.FAILED))


def today() -> dt.date:
    return clock.today()


def case_steps(scope: Scope, case: Case) -> list[dict[str, str]]:
    """registry.panels hook: the steps of the work on a case, for the API's allowed_actions and next_steps."""
    if not permissions.allows(scope, "remediation.view"):
        return []
    return [{"action": a.key, "label": a.label, "url": a.url, "reason": a.reason}
            for a in case_work(case, scope).actions]  # fmt: skip
