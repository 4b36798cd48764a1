"""Scoped reads of the remediation work: tasks (work lists), a case's whole remediation, warnings for the office."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from sanluanwu.accounts import permissions
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.scope import ANONYMOUS, Scope, scope_for
from sanluanwu.audit.memo import refreshed, remembered
from sanluanwu.core import clock, params
from sanluanwu.core.errors import ValidationFailed
from sanluanwu.core.masking import mask_text
from sanluanwu.core.withdrawal import ACTIVE
from sanluanwu.registry.choices import CaseStatus, LicenceStatus, RemediationType, Stage
from sanluanwu.registry.models import Case
from sanluanwu.registry.visibility import case_memo, case_topics
from sanluanwu.remediation import evidence as ev
from sanluanwu.remediation.choices import (
    BLANKET_SHUTDOWN_MIN,
    FINISHED_TASK_STATES,
    TWO_CUTS_THREE_CLEARS,
    TWO_CUTS_THREE_CLEARS_CODES,
    ClassificationState,
    EvidenceStep,
    ItemState,
    PlanState,
    ReviewResult,
    SignoffState,
    TaskCondition,
    TaskState,
)
from sanluanwu.remediation.models import (
    BlanketJustification,
    Classification,
    Evidence,
    LeadUnit,
    Plan,
    Review,
    Task,
    TaskKind,
)


def _scope(user_or_scope: Any) -> Scope:
    return user_or_scope if isinstance(user_or_scope, Scope) else scope_for(user_or_scope)


def assigned_case_condition(scope: Scope) -> Q | None:
    """registry.visibility hook: a department sees the cases it holds a task on (as owner or coordinator), leads, or
    recorded enforcement on. Utilities read no case: their own tasks only, through the task pages."""
    units = scope.department_ids
    if not units:
        return None
    return Q(pk__in=Task.objects.filter(ACTIVE, Q(owner_unit_id__in=units) | Q(coordinator_unit_id__in=units))
             .values("case_id")) | Q(pk__in=Classification.objects.filter(lead_unit_id__in=units)
             .values("case_id"))  # fmt: skip


def tasks_visible_to(user_or_scope: Any, *, withdrawn: bool | None = False) -> QuerySet[Task]:
    """Every task for the office and leaders; the own towns' cases' tasks for a town user; a department's or
    utility's own (as owner or coordinator), and for a department every task of a case it leads (it settles those
    that cannot be done). Work lists and counts read the tasks in play (`withdrawn=False`); the task's own page both
    (None); the office's list of withdrawn tasks those (True)."""
    scope = _scope(user_or_scope)
    tasks = Task.objects.all()
    if withdrawn is not None:
        tasks = tasks.exclude(ACTIVE) if withdrawn else tasks.filter(ACTIVE)
    if not permissions.allows(scope, "task.view"):
        return tasks.none()
    if scope.sees_district:
        return tasks
    units = scope.department_ids | scope.utility_ids
    led = Classification.objects.filter(lead_unit_id__in=scope.department_ids).values("case_id")
    return tasks.filter(Q(case__town_id__in=scope.town_ids) | Q(owner_unit_id__in=units)
                        | Q(coordinator_unit_id__in=units) | Q(case_id__in=led))  # fmt: skip


def access_task(user: Any, pk: Any) -> Task:
    try:
        return tasks_visible_to(user, withdrawn=None).select_related("kind", "owner_unit", "coordinator_unit", "case__enterprise",
                                                     "case__town").get(pk=params.pk(pk) or 0)  # fmt: skip
    except Task.DoesNotExist:
        raise Http404("未找到该任务") from None


@dataclass(frozen=True)
class Rework:
    """Why a task is open again: the failed on-site review that returned it, and what it said of this task."""

    reviewed_on: dt.date | None
    reviewed_at: dt.datetime | None
    reasons: str
    item_note: str


def task_rework(task: Task) -> Rework | None:
    """The failed review that sent a completed task back (services._rework), while the task waits to be done again:
    its owner must see why, not only the old 办理情况."""
    if task.state != TaskState.OPEN or task.done_at is None:
        return None
    review = (Review.objects.filter(case_id=task.case_id, result=ReviewResult.FAILED, reviewed_at__gte=task.done_at)
              .order_by("-reviewed_at", "-id").first())  # fmt: skip
    if review is None:
        return None
    code = task.kind.item_code or f"task:{task.pk}"
    check = review.checks.filter(item_code=code).first()
    return Rework(review.reviewed_on, review.reviewed_at, review.reasons, check.note if check else "")


def work_list(user_or_scope: Any, *, state: str = "open", overdue: bool = False, kind: str = "",
              mine: bool = True, withdrawn: bool = False) -> QuerySet[Task]:  # fmt: skip
    """A unit's tasks: open first by due date; filters by state ("" for all), overdue and kind (a task kind's code).
    A filter that is no state or no code is refused with the reason, never dropped."""
    if state and state not in TaskState.values:
        raise ValidationFailed(
            {"state": [f"状态应为：{'、'.join(f'{v}（{label}）' for v, label in TaskState.choices)}"]}
        )
    if kind and not re.fullmatch(r"[a-z0-9_-]{1,40}", kind):
        raise ValidationFailed({"kind": ["任务类型代码只含小写字母、数字、下划线，如 water_cut"]})
    if kind and not TaskKind.objects.filter(code=kind).exists():
        codes = "、".join(f"{code}（{label}）" for code, label in TaskKind.objects.order_by("sort_order", "id")
                         .values_list("code", "label"))  # fmt: skip
        raise ValidationFailed({"kind": [f"没有任务类型“{kind}”；可用：{codes}"]})
    scope = _scope(user_or_scope)
    tasks = tasks_visible_to(scope, withdrawn=withdrawn).select_related("kind", "owner_unit", "case__enterprise",
                                                                        "case__town")  # fmt: skip
    if mine and not scope.sees_district:
        units = scope.department_ids | scope.utility_ids | scope.town_ids
        tasks = tasks.filter(Q(owner_unit_id__in=units) | Q(coordinator_unit_id__in=units))
    if state:
        tasks = tasks.filter(state=state)
    if overdue:
        tasks = tasks.filter(state__in=[TaskState.OPEN, TaskState.BLOCKED], due_on__lt=clock.today())
    if kind:
        tasks = tasks.filter(kind__code=kind)
    return tasks.order_by("due_on", "id")


def work_memo(scope: Scope, *, mine: bool = True) -> dict[str, Any]:
    """audit.memo.remembered()'s keywords for a read of work_list(scope, mine=mine) (its rows or its counts).

    A town user's tasks are those of its towns' cases (tasks_visible_to), each written only by this app's services
    with an event naming the case's town: per town as the case list is (registry.visibility.case_memo). A department's
    or utility's own tasks (`mine`) are those its units own or coordinate, whose events name those units
    (services._task_event): per unit. So a task done in another town or by another unit, in this process or another,
    keeps them. Everything else (the district's list, a department's list of the cases it leads) until the next write
    of cases or tasks."""
    if not mine or scope.sees_district:
        return {"topics": case_topics()}
    by_town = case_memo(scope)
    if "towns" in by_town:
        return by_town
    return {"topics": case_topics(), "units": frozenset(scope.department_ids | scope.utility_ids | scope.town_ids)}


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
        # One query for both numbers (the list page shows this banner on every plain visit).
        # Open tasks only: an open task past its due date is what overdue=True lists. Remembered until the next write.
        late_filter = Q(due_on__lt=clock.today())
        counts = remembered(
            ("pending_tasks", scope.memo_key),
            lambda: work_list(scope).order_by().aggregate(n=Count("pk"), late=Count("pk", filter=late_filter)),
            **work_memo(scope),
        )
        n, late = counts["n"], counts["late"]
        if n:
            out.append(Pending(f"待办任务（其中逾期 {late} 项）" if late else "待办任务", "/remediation/tasks/", n))
    if scope.department_ids:
        n = Classification.objects.filter(lead_unit_id__in=scope.department_ids,
                                          state=ClassificationState.PROPOSED).count()  # fmt: skip
        if n:
            out.append(Pending("待确认整治类型", "/remediation/todo/?what=types", n))
        n = Plan.objects.filter(ACTIVE, state=PlanState.SUBMITTED, case__classifications__state=ClassificationState.CONFIRMED,
                                case__classifications__lead_unit_id__in=scope.department_ids).distinct().count()  # fmt: skip
        if n:
            out.append(Pending("待审批整改方案", "/remediation/todo/?what=plans", n))
        n = Review.objects.filter(signoff_state=SignoffState.PENDING, signoff_unit_id__in=scope.department_ids).count()
        if n:
            out.append(Pending("待签认销号", "/remediation/todo/?what=signoffs", n))
    if scope.sees_district and permissions.allows(scope, "remediation.view"):
        late, rect = _district_overdue()
        if late:
            out.append(Pending("逾期未办的整治任务", "/remediation/#overdue-tasks", late))
        if rect:
            out.append(Pending("超过治理期限的治理改造", "/remediation/#overdue-rectifications", rect))
    if scope.town_ids:
        # The town's cases by (status, stage) in one pass over the (town, status, stage) index, instead of a count per
        # kind of work: at a million cases each count read the town's rows again.
        # Remembered until the next write (audit.memo): the town's list shows it on every plain visit.
        # Only the towns' case rows are read: remembered under the writes naming those towns (audit.memo).
        by_state = remembered(("town_work", tuple(sorted(scope.town_ids))), lambda: _town_work(scope.town_ids),
                              topics=case_topics(), towns=frozenset(scope.town_ids),
                              rows_of=("registry",))  # fmt: skip

        def count(status: str, stage_test: Callable[[str], bool] = lambda stage: True) -> int:
            return sum(n for (st, stage), n in by_state.items() if st == status and stage_test(stage))

        if permissions.allows(scope, "case.pass_review"):
            n = count(CaseStatus.AWAITING_REVIEW)
            if n:
                out.append(Pending("待现场审核", "/cases/?status=awaiting_review", n))
        # The two counts are todo_cases("ready") and todo_cases("to_propose"), which their cards link to, each for a
        # role that has that list (_town_lists).
        lists = _town_lists(scope)
        if "ready" in lists:
            n = count(CaseStatus.REMEDIATING,
                      lambda stage: stage in READY_STAGES)  # fmt: skip
            if n:
                out.append(Pending(lists["ready"], "/remediation/todo/?what=ready", n))
        if "to_propose" in lists:
            n = count(CaseStatus.STOPPED, lambda stage: stage != Stage.AWAITING_TYPE)
            if n:
                out.append(Pending(lists["to_propose"], "/remediation/todo/?what=to_propose", n))
        if permissions.allows(scope, "case.stop_production"):
            n = count(CaseStatus.LISTED)
            if n:
                out.append(Pending("待登记停产（先停后治）", "/cases/?status=listed", n))
    return out


def _town_work(town_ids: Iterable[int]) -> dict[tuple[str, str], int]:
    by_state: dict[tuple[str, str], int] = {}
    waiting = [CaseStatus.AWAITING_REVIEW, CaseStatus.REMEDIATING, CaseStatus.STOPPED, CaseStatus.LISTED]
    for row in (Case.objects.filter(town_id__in=town_ids, status__in=waiting).order_by()
                .values_list("status", "stage").annotate(n=Count("*"))):  # fmt: skip
        by_state[(row[0], row[1])] = row[2]
    return by_state


# The work is done and the town may ask for the review: every task of a shutdown, every item of a rectification.
READY_STAGES = (Stage.TASKS_DONE, Stage.ITEMS_DONE)


DISTRICT_OVERDUE_SECONDS = 120.0  # how old the office's overdue figures may be (_district_overdue)


def _district_overdue() -> tuple[int, int]:
    """Overdue tasks and rectifications in the whole district: counted at most every two minutes in each process (the
    office's list page shows them on every visit, and at a million cases the second count reads many rows), by one
    thread while the others show the previous figures (audit.memo.refreshed)."""

    def count() -> tuple[int, int]:
        return (Task.objects.filter(ACTIVE, state__in=[TaskState.OPEN, TaskState.BLOCKED],
                                    due_on__lt=clock.today()).count(),
                overdue_rectifications(Case.objects.all()).count())  # fmt: skip

    return refreshed(("remediation:district-overdue",), count, every=DISTRICT_OVERDUE_SECONDS)


# The lists behind the to-do cards (pending_for): a department's decisions, a town's next steps. Each card's count
# and the list it links to are the same query, so the figure on the card is the number of rows behind it.
DEPARTMENT_WORK_LISTS = {"types": "待确认整治类型", "plans": "待审批整改方案", "signoffs": "待签认销号"}
TOWN_WORK_LISTS = {"ready": "可申请现场审核", "to_propose": "待提出整治类型"}
# A town's list is a role's only where it may do that work (an inspector saw 待提出整治类型 and found the button
# refused on every case behind it): read by the cards and by the list page alike.
TOWN_WORK_PERMISSIONS = {"ready": "case.submit_for_review", "to_propose": "remediation.propose_type"}


def _town_lists(scope: Scope) -> dict[str, str]:
    if not scope.town_ids:
        return {}
    return {what: label for what, label in TOWN_WORK_LISTS.items()
            if permissions.allows(scope, TOWN_WORK_PERMISSIONS[what])}  # fmt: skip


def todo_labels(user: Any) -> dict[str, str]:
    """The to-do lists this user has: a department's, a town's, or both."""
    scope = _scope(user)
    return {**(DEPARTMENT_WORK_LISTS if scope.department_ids else {}), **_town_lists(scope)}


def _ready_for_review(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Remediating with all the work done (every task finished, or every item of the plan): 可申请现场审核."""
    return cases.filter(status=CaseStatus.REMEDIATING, stage__in=READY_STAGES)


def todo_cases(user: Any, what: str) -> QuerySet[Case]:
    """A department's decisions to take (types to confirm, plans to approve, sign-offs to give) or a town's next
    steps (cases ready for their review, stopped cases waiting for a proposed type)."""
    scope = _scope(user)
    units = scope.department_ids
    from sanluanwu.registry.queries import cases_visible_to

    cases = cases_visible_to(scope).select_related("enterprise", "town")
    if what == "ready":
        return _ready_for_review(cases.filter(town_id__in=scope.town_ids))
    if what == "to_propose":
        return cases.filter(town_id__in=scope.town_ids, status=CaseStatus.STOPPED).exclude(stage=Stage.AWAITING_TYPE)
    if what == "types":
        return cases.filter(classifications__lead_unit_id__in=units,
                            classifications__state=ClassificationState.PROPOSED).distinct()  # fmt: skip
    if what == "plans":
        return cases.filter(plans__state=PlanState.SUBMITTED, plans__withdrawn_at=None,
                            classifications__state=ClassificationState.CONFIRMED,
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
            _n, _all, justified = blanket_status(town, campaign_id)
            out.append(BlanketWarning(town, r["case__town__name"], r["n"], justified))
    return out


def overdue_rectifications(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Rectifications past their deadline, still open with items to do: the town (with the lead department) may turn
    them into shutdowns. One whose every item is done waits for its review, not for a conversion."""
    return cases.filter(remediation_type=RemediationType.RECTIFICATION, status=CaseStatus.REMEDIATING,
                        planned_completion__lt=clock.today()).exclude(stage=Stage.ITEMS_DONE)  # fmt: skip


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
    tasks: list[Task]  # every task, withdrawn ones too (the case's history shows them marked)
    items: list[dict[str, Any]]  # the five 两断三清 items: label, task, state
    plans: list[Plan]  # every version, withdrawn ones too

    @property
    def active_tasks(self) -> list[Task]:
        return [t for t in self.tasks if not t.is_withdrawn]

    @property
    def active_plans(self) -> list[Plan]:
        return [p for p in self.plans if not p.is_withdrawn]

    reviews: list[Review]
    enforcements: list[Any]
    evidence: dict[tuple[str, int | None], list[Evidence]]
    actions: list[Action] = field(default_factory=list)
    overdue_rectification: bool = False

    def photos(self, step: str, subject_id: int | None) -> list[Evidence]:
        return self.evidence.get((step, subject_id), [])


# The kinds of records of the work on a case (Case's reverse relations), in the order case_work reads them.
_RECORDS = ("tasks", "evidence", "stop_records", "classifications", "plans", "reviews", "enforcements")


def _records_present(case: Case) -> set[str]:
    """Which kinds of the case's records exist, in one query. Each kind's own query costs 1-3 ms of ORM work (most of
    it compiling the joins), and most cases have none of several kinds (no review yet, no enforcement): those are not
    read. Plain EXISTS over the table, whatever the manager filters: it can only say "read it" too often."""
    quote = connection.ops.quote_name
    parts = []
    for name in _RECORDS:
        relation = Case._meta.get_field(name)
        table, column = relation.related_model._meta.db_table, relation.field.column  # type: ignore[union-attr]
        parts.append(f"EXISTS (SELECT 1 FROM {quote(table)} WHERE {quote(column)} = %s)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), [case.pk] * len(parts))
        row = cursor.fetchone()
    return {name for name, flag in zip(_RECORDS, row, strict=True) if flag}


# The apps whose rows the record of the work is read from (audit.memo's rows_of): its own, and the users and units
# it names. Every write of them comes with a remediation event naming the case's town.
_WORK_ROWS_OF = ("remediation", "accounts")


def case_work(case: Case, scope: Scope, *, with_actions: bool = True, remember: bool = False) -> CaseWork:
    """The record of the work on a case and, `with_actions`, what `scope` may do next. With `remember` (the case page,
    read again and again at a deadline), the record is remembered until the next write of the case's town's cases or
    work (audit.memo): the seven reads and their joins were half of the page's CPU. The lists of a remembered record
    are shared by the threads of the process: read them, never change them."""
    if remember:
        record = remembered(("case_work", case.pk), lambda: _case_record(case), topics=case_topics(),
                            towns=frozenset({case.town_id}), rows_of=_WORK_ROWS_OF)  # fmt: skip
    else:
        record = _case_record(case)
    work = dataclasses.replace(record, case=case, actions=[])
    if with_actions:  # the next steps and their reasons (the panel, the API); the ledger needs only the record
        work.actions = case_actions(case, scope, work)
    return work


def _case_record(case: Case) -> CaseWork:
    present = _records_present(case)

    def read(name: str, qs: Callable[[], Iterable[Any]]) -> list[Any]:
        return list(qs()) if name in present else []

    tasks: list[Task] = read("tasks", lambda: case.tasks.select_related(
        "kind", "owner_unit", "coordinator_unit", "done_by").order_by("kind__sort_order", "id"))  # fmt: skip
    by_item = {t.kind.item_code: t for t in tasks if t.kind.item_code and not t.is_withdrawn}
    evidence: dict[tuple[str, int | None], list[Evidence]] = {}
    for e in read("evidence", lambda: case.evidence.select_related("uploaded_by")):
        evidence.setdefault((e.step, e.subject_id), []).append(e)
    work = CaseWork(
        case=case,
        stops=read("stop_records", lambda: case.stop_records.select_related("ordered_by", "recorded_by")),
        classifications=read(
            "classifications", lambda: case.classifications.select_related("lead_unit", "proposed_by", "decided_by")
        ),
        tasks=tasks,
        items=[{"code": code, "label": label, "task": by_item.get(code)} for code, label in TWO_CUTS_THREE_CLEARS],
        plans=read("plans", lambda: case.plans.prefetch_related("items").select_related("created_by", "decided_by")),
        reviews=read(
            "reviews",
            lambda: case.reviews.prefetch_related("checks").select_related(
                "requested_by", "reviewer", "signoff_by", "signoff_unit"
            ),
        ),
        enforcements=read("enforcements", lambda: case.enforcements.select_related("unit", "recorded_by")),
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
        and case.planned_completion and case.planned_completion < clock.today()
        and case.stage != Stage.ITEMS_DONE)  # fmt: skip
    return work


def _deny(scope: Scope, code: str, case: Case, *, assigned: bool = False) -> str:
    return permissions.denial(scope, code, town_id=case.town_id, assigned=assigned) or ""


def case_actions(case: Case, scope: Scope, work: CaseWork) -> list[Action]:
    """Every step of the work that applies to the case now, with a link for whoever may take it and, for everyone
    else, why not (e.g. "待供电公司断电（2026-12-10到期）")."""
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
            plan = work.active_plans[-1] if work.active_plans else None
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
        if current is not None and current.lead_unit_id in scope.department_ids:  # the lead settles blocked tasks
            out.extend(Action("waive_task", f"核实“{t.kind.label}”无法办理的原因", f"/remediation/tasks/{t.pk}/")
                       for t in work.active_tasks if t.state == TaskState.BLOCKED)  # fmt: skip
        remaining = work_remaining(case, work)
        # A role that may never ask is told so first, not the work left (as if it could ask once it is done).
        out.append(Action("submit_for_review", "申请现场审核", f"{base}/review/request/",
                          _deny(scope, "case.submit_for_review", case) or "；".join(remaining)))  # fmt: skip
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
    # Enforcement (立案处罚, a fine) may come before the stop as after it, as the service takes it: any open case.
    if case.is_open and permissions.allows(scope, "enforcement.record", town_id=case.town_id,
                                           assigned=bool(scope.department_ids)):  # fmt: skip
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
    if ev.step == EvidenceStep.TASK and tasks_visible_to(scope, withdrawn=None).filter(pk=ev.subject_id or 0).exists():
        return ev
    raise Http404("未找到该照片")


def case_steps(scope: Scope, case: Case) -> list[dict[str, str]]:
    """registry.panels hook: the steps of the work on a case, for the API's allowed_actions and next_steps."""
    if not permissions.allows(scope, "remediation.view"):
        return []
    return [{"action": a.key, "label": a.label, "url": a.url, "reason": mask_text(a.reason)}
            for a in case_work(case, scope).actions]  # fmt: skip


# ---- reads the services and the pages share ------------------------------------------------------------------


def lead_unit(remediation_type: str) -> OrgUnit:
    lead = LeadUnit.objects.select_related("unit").filter(remediation_type=remediation_type).first()
    if lead is None:
        raise ValidationFailed(
            f"尚未设置“{RemediationType(remediation_type).label}”的牵头部门，请系统管理员在基础数据中设置"
        )
    return lead.unit


def current_classification(case: Case) -> Classification | None:
    return case.classifications.exclude(state=ClassificationState.SUPERSEDED).order_by("-proposed_at", "-id").first()


def confirmed_classification(case: Case) -> Classification | None:
    return case.classifications.filter(state=ClassificationState.CONFIRMED).order_by("-decided_at", "-id").first()


def derive_stage(case: Case) -> str:
    """整治进度 in words from the case and its records: 待部门确认类型, 两断三清进行中（3/5）, 整改中（2/4项）…"""
    status = case.status
    current = current_classification(case)
    if status == CaseStatus.STOPPED:
        if current and current.state == ClassificationState.PROPOSED:
            return Stage.AWAITING_TYPE
        if current and current.state == ClassificationState.RETURNED:
            return Stage.TYPE_RETURNED
        return ""
    if status != CaseStatus.REMEDIATING:
        return ""
    if current and current.state == ClassificationState.PROPOSED and current.is_conversion:
        return Stage.AWAITING_TYPE
    if case.remediation_type == RemediationType.SHUTDOWN:
        tasks = list(case.tasks.filter(ACTIVE).select_related("kind"))
        items = [t for t in tasks if t.kind.item_code in TWO_CUTS_THREE_CLEARS_CODES]
        done_items = {t.kind.item_code for t in items if t.state == TaskState.DONE}
        if tasks and all(t.state in FINISHED_TASK_STATES for t in tasks):
            return Stage.TASKS_DONE
        return f"{Stage.TWO_CUTS_THREE_CLEARS}（{len(done_items)}/{len(TWO_CUTS_THREE_CLEARS)}）"
    plan = latest_plan(case)
    if plan is None:
        return Stage.PLAN_TO_DRAFT
    if plan.state == PlanState.SUBMITTED:
        return Stage.PLAN_SUBMITTED
    if plan.state in (PlanState.DRAFT, PlanState.RETURNED):
        return Stage.PLAN_RETURNED if plan.state == PlanState.RETURNED or plan.number > 1 else Stage.PLAN_TO_DRAFT
    states = list(plan.items.values_list("state", flat=True))
    if states and all(state == ItemState.DONE for state in states):
        return Stage.ITEMS_DONE
    return f"{Stage.RECTIFYING}（{states.count(ItemState.DONE)}/{len(states)}项）"


def blanket_status(town_id: int, campaign_id: int, *, adding: str | None = None) -> tuple[int, bool, bool]:
    """(classified cases, all of them shutdowns, a justification is on record) for a town in a campaign, with one
    more proposal of type `adding` counted in."""
    types = list(Classification.objects.filter(case__town_id=town_id, case__campaign_id=campaign_id)
                 .exclude(state__in=[ClassificationState.SUPERSEDED, ClassificationState.RETURNED])
                 .values_list("case_id", "remediation_type"))  # fmt: skip
    by_case = dict(types)
    n = len(by_case) + (1 if adding else 0)
    all_shut = n > 0 and all(t == RemediationType.SHUTDOWN for t in by_case.values()) and adding in (None, "shutdown")
    justified = BlanketJustification.objects.filter(town_id=town_id, campaign_id=campaign_id).exists()
    return n, all_shut, justified


def applies(kind: TaskKind, case: Case, c: Classification) -> bool:
    if kind.condition == TaskCondition.LICENSED:
        return case.enterprise.licence_status == LicenceStatus.LICENSED
    if kind.condition == TaskCondition.WATER_PERMIT:
        return c.holds_water_permit
    if kind.condition == TaskCondition.ILLEGAL_LAND:
        return c.illegal_land
    return True


def task_permission(scope: Scope, task: Task, code: str = "task.complete") -> str | None:
    """Why the actor may not act on this task, or None: the owner unit's staff, or the town's own people."""
    if task.owner_unit_id == task.case.town_id:
        return permissions.denial(scope, code, town_id=task.case.town_id)
    if task.owner_unit_id in (scope.department_ids | scope.utility_ids):
        return permissions.denial(scope, code, town_id=task.case.town_id, assigned=True)
    return f"该任务由{task.owner_unit.name}办理"


def latest_plan(case: Case) -> Plan | None:
    return case.plans.filter(ACTIVE).exclude(state=PlanState.SUPERSEDED).order_by("-number").first()


def work_remaining(case: Case, work: CaseWork | None = None) -> list[str]:
    """What is still to do before the on-site review can be requested (empty: nothing), from the case's records as
    case_work loads them (the case page passes the ones it has; a service's check loads them)."""
    if work is None:
        work = case_work(case, ANONYMOUS, with_actions=False)
    confirmed = [c for c in work.classifications if c.state == ClassificationState.CONFIRMED]
    if not confirmed:
        return ["整治类型尚未经牵头部门确认"]
    current = next((c for c in reversed(work.classifications) if c.state != ClassificationState.SUPERSEDED), None)
    if current is not None and current.state == ClassificationState.PROPOSED:
        return ["转为关停取缔的提议待牵头部门确认"]
    today = clock.today()
    if case.remediation_type == RemediationType.SHUTDOWN:
        out = []
        for t in work.active_tasks:
            if t.state in FINISHED_TASK_STATES:
                continue
            late = "，已逾期" if t.due_on < today else ""
            what = "无法办理，待协调" if t.state == TaskState.BLOCKED else f"{t.due_on:%Y-%m-%d}到期{late}"
            out.append(f"待{t.owner_unit.display_name}{t.kind.label}（{what}）")
        if not work.active_tasks:
            out.append("尚未派发关停取缔任务")
        return out
    live = [p for p in work.active_plans if p.state != PlanState.SUPERSEDED]
    plan = max(live, key=lambda p: p.number) if live else None
    if plan is None or plan.state != PlanState.APPROVED:
        return ["整改方案尚未经生态环境局批准"]
    return [
        f"待完成整改事项：{i.text}（{i.deadline:%Y-%m-%d}到期）" for i in plan.items.all() if i.state != ItemState.DONE
    ]


def open_review(case: Case) -> Review | None:
    return case.reviews.filter(result="").order_by("-requested_at", "-id").first()


def review_items(case: Case) -> list[tuple[str, str]]:
    """What an on-site review checks: the five 两断三清 items and the other tasks, or the plan's items."""
    if case.remediation_type == RemediationType.SHUTDOWN:
        items = list(TWO_CUTS_THREE_CLEARS)
        for t in case.tasks.filter(ACTIVE, state=TaskState.DONE).select_related("kind"):
            if t.kind.item_code not in TWO_CUTS_THREE_CLEARS_CODES:
                items.append((f"task:{t.pk}", t.kind.label))
        return items
    plan = latest_plan(case)
    return [(f"plan_item:{i.pk}", f"{i.get_category_display()}：{i.text}") for i in (plan.items.all() if plan else [])]


def photo_warnings(case: Case, photos: Iterable[Evidence], day: Any) -> list[dict[str, Any]]:
    """The same warnings for a task's photos, against the case's place and the task's 办理日期: shown to the one who
    uploaded them while the task is still theirs, not first to the reviewer."""
    site = (case.enterprise.longitude, case.enterprise.latitude)
    return [{"name": e.original_name, "text": text} for e in photos for text in ev.warnings_for(e, site=site, day=day)]


def review_warnings(case: Case, review: Review) -> list[dict[str, Any]]:
    """The evidence warnings of a review's photos, against the case's place and the review's day."""
    site = (case.enterprise.longitude, case.enterprise.latitude)
    out = []
    for e in case.evidence.filter(step=EvidenceStep.REVIEW, subject_id=review.pk):
        for text in ev.warnings_for(e, site=site, day=review.reviewed_on):
            out.append({"evidence_id": e.pk, "name": e.original_name, "item_code": e.item_code, "text": text})
    return out
