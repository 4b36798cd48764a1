"""The only way the remediation work changes (its reads are in queries.py, re-exported here for the callers that
take a step right after reading one): keyword-only, actor required, one transaction, audited; every case
status change goes through registry.services.transition_case (status history, audit) with via="remediation"."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max

from sanluanwu.accounts import permissions
from sanluanwu.accounts.choices import OrgUnitKind, Role
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.scope import Scope, scope_for
from sanluanwu.accounts.services import require_admin_permission
from sanluanwu.audit.services import diff_fields, record_event, snapshot
from sanluanwu.core import clock, params
from sanluanwu.core.errors import Conflict, PermissionDenied, TransitionNotAllowed, ValidationFailed
from sanluanwu.core.masking import AmbiguousMask, mask_text, restore_masked
from sanluanwu.core.text import clean_multiline, clean_text, to_halfwidth, unsaid
from sanluanwu.core.withdrawal import ACTIVE, clean_reason, mark_restored, mark_withdrawn, refuse_if_withdrawn
from sanluanwu.notices.services import notify
from sanluanwu.registry import services as registry
from sanluanwu.registry.choices import CaseStatus, RemediationType
from sanluanwu.registry.models import Case
from sanluanwu.registry.queries import cases_visible_to
from sanluanwu.remediation import evidence as ev
from sanluanwu.remediation import workflow
from sanluanwu.remediation.choices import (
    BLANKET_SHUTDOWN_MIN,
    FINISHED_TASK_STATES,
    TWO_CUTS_THREE_CLEARS_CODES,
    ClassificationState,
    EnforcementKind,
    EvidenceStep,
    ItemState,
    OwnerKind,
    PlanItemCategory,
    PlanState,
    ReviewResult,
    SignoffState,
    TaskState,
)
from sanluanwu.remediation.models import (
    BlanketJustification,
    Classification,
    Enforcement,
    LeadUnit,
    Plan,
    PlanItem,
    Review,
    ReviewCheck,
    StopRecord,
    Task,
    TaskKind,
)
from sanluanwu.remediation.queries import (
    applies,
    blanket_status,
    confirmed_classification,
    current_classification,
    derive_stage,
    latest_plan,
    lead_unit,
    review_items,
    review_warnings,
    task_permission,
    task_rework,
    work_remaining,
)

VIA = "remediation"
TEXT_CHARS = 2000
Upload = ev.Upload


def _text(value: str, label: str, *, required: bool = False, limit: int = TEXT_CHARS, field: str = "note",
          says: bool = False) -> str:  # fmt: skip
    """`says`: a required reason, decision or account the ledger keeps, which must say something (core.text)."""
    value = clean_multiline(value or "")
    if required and not value:
        raise ValidationFailed({field: [f"请填写{label}"]})
    if required and says and (refusal := unsaid(value, label)):
        raise ValidationFailed({field: [refusal]})
    if len(value) > limit:
        raise ValidationFailed({field: [f"{label}不超过 {limit} 字（现为 {len(value)} 字）"]})
    return value


def _date(value: Any, label: str, field: str) -> dt.date:
    if value is None:
        raise ValidationFailed({field: [f"请填写{label}"]})
    if message := params.date_error(value, label):
        raise ValidationFailed({field: [message]})
    return value  # type: ignore[no-any-return]


def _not_future(value: dt.date, label: str, field: str) -> None:
    if value > clock.today():
        raise ValidationFailed({field: [f"{label}不能晚于今天（{clock.today():%Y-%m-%d}）"]})


def _not_before_listing(value: dt.date, case: Case, label: str, field: str) -> None:
    """Work on a case is done after it was listed: a cut-off dated 2019 on a case listed this autumn is a slip of the
    date picker, and the ledger and the review would read it as fact."""
    if case.listed_on and value < case.listed_on:
        raise ValidationFailed({field: [f"{label}不能早于该企业列入整治名单的日期（{case.listed_on:%Y-%m-%d}）"]})


def _step(table: dict[str, workflow.Step], action: str, state: str, label_of: str) -> workflow.Step:
    step = table[action]
    if state not in step.sources:
        raise TransitionNotAllowed(f"当前为“{label_of}”，不能执行“{step.label}”（可能已被他人处理，请刷新页面）")
    return step


def _units(scope: Scope) -> frozenset[int]:
    return scope.department_ids | scope.utility_ids


def _locked(case: Case) -> Case:
    locked = (
        Case.objects.select_for_update(of=("self",), no_key=True).select_related("enterprise", "town").get(pk=case.pk)
    )
    registry.check_not_closed(locked)
    return locked


def _case_url(case: Case) -> str:
    return f"/cases/{case.pk}/"


def _town_managers(case: Case, **kw: Any) -> list[Any]:
    return notify(units=[case.town_id], roles=["town_manager"], **kw)


# ---- reference data (the admin's) --------------------------------------------------------------------------------

TASK_KIND_AUDITED = ["code", "label", "item_code", "condition", "owner_kind", "owner_unit_id", "coordinator_unit_id",
                     "due_days", "evidence_help", "needs_meter", "needs_photo", "needs_document", "sort_order",
                     "is_active"]  # fmt: skip
LEAD_UNIT_AUDITED = ["remediation_type", "unit_id"]


def _save_reference(*, actor: Any, obj: TaskKind | LeadUnit, audited: list[str], name: str, what: str) -> None:
    new = obj.pk is None
    model = type(obj)._meta.model_name
    require_admin_permission(
        actor, f"remediation.{'add' if new else 'change'}_{model}", f"{'新增' if new else '修改'}{what}"
    )
    with transaction.atomic():
        stored = None if new else type(obj).objects.select_for_update(no_key=True).filter(pk=obj.pk).first()
        before = snapshot(stored, audited) if stored else {}
        obj.save()
        changes = diff_fields(before, snapshot(obj, audited))
        if new or changes:
            # Names no unit: a kind's label or a lead changes every unit's work list (audit.memo's NO_UNIT).
            record_event(actor=actor, action=f"remediation.{name}.{'created' if new else 'updated'}", obj=obj,
                         changes=changes)  # fmt: skip


def save_task_kind(*, actor: Any, kind: TaskKind) -> TaskKind:
    """A task kind added or changed in the admin (its label, due days, evidence asked): audited."""
    _save_reference(actor=actor, obj=kind, audited=TASK_KIND_AUDITED, name="task_kind", what="任务类型")
    return kind


def save_lead_unit(*, actor: Any, lead: LeadUnit) -> LeadUnit:
    """Which department leads a remediation type, set in the admin: audited."""
    _save_reference(actor=actor, obj=lead, audited=LEAD_UNIT_AUDITED, name="lead_unit", what="牵头部门")
    return lead


# ---- the derived words of 整治进度 --------------------------------------------------------------------------------


def _task_event(*, task: Task, **fields: Any) -> None:
    """A task's audit event, naming its owner and coordinator: the units whose work lists it changes (audit.memo's
    unit heads; every write of a task comes with one)."""
    record_event(obj=task, unit_ids=(task.owner_unit_id, task.coordinator_unit_id), **fields)


def refresh_stage(case: Case) -> None:
    case.refresh_from_db(fields=["status", "remediation_type"])
    registry.set_stage(case_id=case.pk, stage=derive_stage(case))


# ---- 先停后治 --------------------------------------------------------------------------------------------------


def record_stop(
    *,
    actor: Any,
    case: Case,
    stopped_on: dt.date,
    ordered_by: OrgUnit | None = None,
    document_no: str = "",
    note: str = "",
    photos: Sequence[Upload] = (),
) -> StopRecord:
    """The stop of production as a record: the day, who ordered it, evidence (at least a photo or a notice's number)."""
    scope = scope_for(actor)
    permissions.require(scope, "case.stop_production", town_id=case.town_id)
    stopped_on = _date(stopped_on, "停产日期", "stopped_on")
    _not_future(stopped_on, "停产日期", "stopped_on")
    if stopped_on < case.listed_on - dt.timedelta(days=366):
        raise ValidationFailed({"stopped_on": ["停产日期早于列入名单一年以上，请核对"]})
    document_no = _text(document_no, "文书编号", limit=60, field="document_no")
    note = _text(note, "情况说明")
    if not photos and not document_no:
        raise ValidationFailed({"photos": ["停产须有证据：请上传现场照片，或填写停产通知（责令停产决定书）的文书编号"]})
    with transaction.atomic():
        case = _locked(case)
        stop = StopRecord.objects.create(case=case, stopped_on=stopped_on, ordered_by=ordered_by,
                                         document_no=document_no, note=note, recorded_by=actor if actor.pk else None,
                                         recorded_at=clock.now())  # fmt: skip
        ev.store(actor=actor, case=case, step=EvidenceStep.STOP, subject_id=stop.pk, uploads=list(photos))
        record_event(actor=actor, town_id=case.town_id, action="remediation.stop.recorded", obj=case,
                     note=f"停产日期 {stopped_on:%Y-%m-%d}；下令单位：{ordered_by or '—'}；文书编号：{document_no or '—'}；"
                          f"照片 {len(photos)} 张{'；' + note if note else ''}")  # fmt: skip
        registry.transition_case(actor=actor, case=case, action="stop_production", via=VIA,
                                 note=f"停产日期 {stopped_on:%Y-%m-%d}")  # fmt: skip
    return stop


# ---- 明确整治类型 ---------------------------------------------------------------------------------------------


def propose_type(
    *,
    actor: Any,
    case: Case,
    remediation_type: str,
    reason: str,
    planned_completion: dt.date,
    holds_water_permit: bool = False,
    illegal_land: bool = False,
    justification: str = "",
) -> Classification:
    """The town proposes shutdown or rectification with its reason; the lead department decides. A rectification
    under way may be proposed to turn into a shutdown (a recorded decision, confirmed by the lead department)."""
    scope = scope_for(actor)
    permissions.require(scope, "remediation.propose_type", town_id=case.town_id)
    if remediation_type not in RemediationType.values:
        raise ValidationFailed({"remediation_type": ["请选择整治类型：关停取缔或治理改造"]})
    reason = _text(reason, "理由", required=True, field="reason", says=True)
    planned_completion = _date(planned_completion, "计划完成时间", "planned_completion")
    if planned_completion < max(case.listed_on, clock.today()):
        raise ValidationFailed({"planned_completion": ["计划完成时间不能早于今天，也不能早于列入名单日期"]})
    justification = _text(justification, "全部关停取缔的理由", field="justification")
    with transaction.atomic():
        case = _locked(case)
        current = current_classification(case)
        conversion = False
        if case.status == CaseStatus.REMEDIATING:
            confirmed = confirmed_classification(case)
            if not (confirmed and confirmed.remediation_type == RemediationType.RECTIFICATION
                    and remediation_type == RemediationType.SHUTDOWN):  # fmt: skip
                raise TransitionNotAllowed("整治中的对象只能由治理改造转为关停取缔")
            if current is not None and current.state == ClassificationState.PROPOSED:
                raise TransitionNotAllowed("已提出转为关停取缔，等待牵头部门确认")
            conversion = True
        elif case.status != CaseStatus.STOPPED:
            raise TransitionNotAllowed(
                "请先登记停产（先停后治），再提出整治类型" if case.status == CaseStatus.LISTED
                else f"当前为“{case.get_status_display()}”，不能提出整治类型"
            )  # fmt: skip
        else:
            _step(workflow.CLASSIFICATION, "propose", current.state if current else workflow.NONE,
                  current.get_state_display() if current else "未提出")  # fmt: skip
        if remediation_type == RemediationType.SHUTDOWN and not conversion:
            n, all_shut, justified = blanket_status(case.town_id, case.campaign_id, adding=remediation_type)
            if n >= BLANKET_SHUTDOWN_MIN and all_shut and not justified:
                if not justification:
                    raise ValidationFailed({"justification": [
                        f"防止“一刀切”：{case.town.name}已认定的 {n} 个对象将全部为关停取缔，"
                        "请说明理由（记入台账，区办公室可见）后再提交"]})  # fmt: skip
                BlanketJustification.objects.create(town_id=case.town_id, campaign_id=case.campaign_id,
                                                    text=justification, cases_at_time=n, recorded_by=actor,
                                                    recorded_at=clock.now())  # fmt: skip
                record_event(
                    actor=actor,
                    town_id=case.town_id,
                    action="remediation.blanket.justified",
                    obj=case,
                    note=justification,
                )
        if current is not None and current.state == ClassificationState.RETURNED:
            current.state = ClassificationState.SUPERSEDED
            current.save(update_fields=["state"])
        lead = lead_unit(remediation_type)
        c = Classification.objects.create(
            case=case, remediation_type=remediation_type, reason=reason, planned_completion=planned_completion,
            is_conversion=conversion, holds_water_permit=bool(holds_water_permit), illegal_land=bool(illegal_land),
            lead_unit=lead, proposed_by=actor, proposed_at=clock.now(),
        )  # fmt: skip
        record_event(actor=actor, town_id=case.town_id, action="remediation.type.proposed", obj=case,
                     note=f"{'由治理改造转为' if conversion else ''}{c.get_remediation_type_display()}：{reason}")  # fmt: skip
        refresh_stage(case)
        notify(kind="type_to_confirm", units=[lead], exclude=actor, url=_case_url(case),
               text=f"{case.town.display_name}提出“{case.enterprise.name}”{'转为' if conversion else ''}"
                    f"{c.get_remediation_type_display()}，请确认")  # fmt: skip
    return c


def decide_type(*, actor: Any, classification: Classification, confirm: bool, note: str = "") -> Classification:
    """The lead department confirms the proposed type (the track starts) or returns it with a reason."""
    scope = scope_for(actor)
    action = "confirm" if confirm else "return"
    note = _text(note, "退回理由" if not confirm else "意见", required=not confirm, says=True)
    with transaction.atomic():
        case = _locked(classification.case)  # the case first, then its record: one lock order everywhere
        c = Classification.objects.select_for_update(no_key=True).get(pk=classification.pk)
        if c.lead_unit_id not in scope.department_ids:
            raise PermissionDenied(f"“{c.get_remediation_type_display()}”由{c.lead_unit.name}确认")
        permissions.require(scope, workflow.CLASSIFICATION[action].permission, town_id=case.town_id, assigned=True)
        _step(workflow.CLASSIFICATION, action, c.state, c.get_state_display())
        c.state = workflow.CLASSIFICATION[action].target
        c.decided_by, c.decided_at, c.decision_note = actor, clock.now(), note
        c.version += 1
        c.save()
        record_event(actor=actor, town_id=case.town_id, obj=case,
                     action=f"remediation.type.{'confirmed' if confirm else 'returned'}",
                     note=f"{c.get_remediation_type_display()}{'：' + note if note else ''}")  # fmt: skip
        if not confirm:
            refresh_stage(case)
            _town_managers(case, kind="type_returned", url=_case_url(case),
                           text=f"“{case.enterprise.name}”的整治类型被{c.lead_unit.display_name}退回：{note}")  # fmt: skip
            return c
        for old in case.classifications.filter(state=ClassificationState.CONFIRMED).exclude(pk=c.pk):
            old.state = ClassificationState.SUPERSEDED
            old.save(update_fields=["state"])
        values: dict[str, Any] = {"remediation_type": c.remediation_type, "planned_completion": c.planned_completion}
        if c.is_conversion:
            registry.set_remediation_type(actor=actor, case=case, via=VIA, assigned=True,
                                          remediation_type=c.remediation_type,
                                          planned_completion=c.planned_completion)  # fmt: skip
            for plan in case.plans.exclude(state=PlanState.SUPERSEDED):
                plan.state = PlanState.SUPERSEDED
                plan.save(update_fields=["state"])
        else:
            registry.transition_case(actor=actor, case=case, action="start_remediation", via=VIA, assigned=True,
                                     values=values, note=f"{c.get_remediation_type_display()}：{c.reason}")  # fmt: skip
        case.refresh_from_db()
        if c.remediation_type == RemediationType.SHUTDOWN:
            _create_tasks(actor=actor, case=case, classification=c)
        refresh_stage(case)
        _town_managers(case, kind="type_confirmed", url=_case_url(case), exclude=actor,
                       text=f"“{case.enterprise.name}”确认为{c.get_remediation_type_display()}")  # fmt: skip
    return c


def _create_tasks(*, actor: Any, case: Case, classification: Classification) -> list[Task]:
    """The tasks 附件1 assigns to a shutdown, from the task-kind table; each owner is told."""
    today = clock.today()
    existing = set(case.tasks.values_list("kind_id", flat=True))
    created = []
    for kind in TaskKind.objects.filter(is_active=True).select_related("owner_unit"):
        if kind.pk in existing or not applies(kind, case, classification):
            continue
        owner_id = case.town_id if kind.owner_kind == OwnerKind.TOWN else kind.owner_unit_id
        if owner_id is None:
            continue
        task = Task.objects.create(case=case, kind=kind, owner_unit_id=owner_id,
                                   coordinator_unit_id=kind.coordinator_unit_id,
                                   due_on=today + dt.timedelta(days=kind.due_days), created_at=clock.now())  # fmt: skip
        created.append(task)
        _task_event(actor=actor, town_id=case.town_id, action="remediation.task.created", task=task,
                    note=f"{kind.label} → {task.owner_unit.name}，{task.due_on:%Y-%m-%d} 前")  # fmt: skip
        units = [owner_id] + ([kind.coordinator_unit_id] if kind.coordinator_unit_id else [])
        notify(kind="task_new", units=units, exclude=actor, url=f"/remediation/tasks/{task.pk}/",
               text=f"新任务：{kind.label} · {case.enterprise.name}（{task.due_on:%Y-%m-%d}前）")  # fmt: skip
    return created


# ---- 任务 --------------------------------------------------------------------------------------------------


def complete_task(
    *,
    actor: Any,
    task: Task,
    acted_on: dt.date,
    note: str = "",
    document_no: str = "",
    account_no: str = "",
    final_reading: Any = None,
    photos: Sequence[Upload] = (),
    expected_version: int | None = None,
) -> Task:
    """The owner records what was done, with the evidence the task kind asks for, and marks it done."""
    scope = scope_for(actor)
    acted_on = _date(acted_on, "办理日期", "acted_on")
    _not_future(acted_on, "办理日期", "acted_on")
    note = _text(note, "办理情况")
    document_no = _text(document_no, "文书编号", limit=60, field="document_no")
    account_no = _text(account_no, "户号或表号", limit=40, field="account_no")
    reading: Decimal | None = None
    if final_reading not in (None, ""):
        try:
            reading = Decimal(str(final_reading).strip())
        except ArithmeticError:
            raise ValidationFailed({"final_reading": ["止码应为数字"]}) from None
        # The bound before the rounding: quantize() of a 40-digit number exceeds the context's precision (a 500).
        if (
            not reading.is_finite()
            or not 0 <= reading < Decimal("1e12")
            or reading.quantize(Decimal("0.01")) >= Decimal("1e12")
        ):
            raise ValidationFailed({"final_reading": ["止码应为 0 至 999,999,999,999.99 之间的数字"]})
        reading = reading.quantize(Decimal("0.01"))
    with transaction.atomic():
        case = _locked(task.case)
        task = (
            Task.objects.select_for_update(of=("self",), no_key=True)
            .select_related("kind", "case", "owner_unit")
            .get(pk=task.pk)
        )
        if reason := task_permission(scope, task):
            raise PermissionDenied(reason)
        refuse_if_withdrawn(task, "任务")
        if expected_version is not None and expected_version != task.version:
            raise Conflict("该任务已被他人办理或修改，请刷新页面后再操作（您填写的内容未保存，请先复制）")
        _step(workflow.TASK, "complete", task.state, task.get_state_display())
        _not_before_listing(acted_on, case, "办理日期", "acted_on")
        kind = task.kind
        errors: dict[str, list[str]] = {}
        if kind.needs_meter:
            if not account_no:
                errors["account_no"] = ["请填写户号或表号"]
            if reading is None:
                errors["final_reading"] = ["请填写断开时的止码"]
        if kind.needs_document and not document_no:
            errors["document_no"] = ["请填写文书编号（如吊销决定书、注销决定书文号）"]
        kept = task.case.evidence.filter(step=EvidenceStep.TASK, subject_id=task.pk)
        rework = task_rework(task)
        if rework is not None and rework.reviewed_at is not None:
            # Sent back by a failed review: the photos of the attempt it did not confirm prove nothing of the redo.
            kept = kept.filter(uploaded_at__gt=rework.reviewed_at)
        if kind.needs_photo and not (photos or kept.exists()):
            errors["photos"] = [f"“{kind.label}”经现场审核退回，须上传重新办理后的现场照片" if rework is not None
                                else f"“{kind.label}”须上传现场照片作为证据"]  # fmt: skip
        if errors:
            raise ValidationFailed(errors)
        before = snapshot(task, ["state", "acted_on", "document_no", "account_no", "final_reading", "note"])
        task.state = TaskState.DONE
        if not kind.needs_meter:  # a meter is asked only of a cut-off: nothing else carries one into the ledger
            account_no, reading = "", None
        task.acted_on, task.note, task.document_no, task.account_no, task.final_reading = (
            acted_on, note, document_no, account_no, reading)  # fmt: skip
        task.blocked_reason = ""
        task.done_by, task.done_at = actor, clock.now()
        task.version += 1
        task.save()
        ev.store(actor=actor, case=case, step=EvidenceStep.TASK, subject_id=task.pk,
                 uploads=[Upload(p.data, p.name, kind.item_code, p.phase or "after") for p in photos])  # fmt: skip
        _task_event(actor=actor, town_id=case.town_id, action="remediation.task.done", task=task,
                    changes=diff_fields(before, snapshot(task, list(before))), note=f"{kind.label}：{note}")  # fmt: skip
        refresh_stage(case)
        if not case.tasks.filter(ACTIVE).exclude(state__in=FINISHED_TASK_STATES).exists():
            notify(kind="tasks_done", units=[case.town_id], url=_case_url(case), exclude=actor,
                   text=f"“{case.enterprise.name}”的整治任务已全部完成，可申请现场审核")  # fmt: skip
    return task


def block_task(*, actor: Any, task: Task, reason: str) -> Task:
    """The owner says why the task cannot be done (e.g. no water account at this address); the town sees it."""
    scope = scope_for(actor)
    reason = _text(reason, "无法办理的原因", required=True, field="reason", says=True)
    with transaction.atomic():
        case = _locked(task.case)
        task = (
            Task.objects.select_for_update(of=("self",), no_key=True)
            .select_related("kind", "case", "owner_unit")
            .get(pk=task.pk)
        )
        if denial := task_permission(scope, task):
            raise PermissionDenied(denial)
        refuse_if_withdrawn(task, "任务")
        _step(workflow.TASK, "block", task.state, task.get_state_display())
        task.state, task.blocked_reason, task.done_by, task.done_at = TaskState.BLOCKED, reason, actor, clock.now()
        task.version += 1
        task.save()
        _task_event(
            actor=actor,
            town_id=case.town_id,
            action="remediation.task.blocked",
            task=task,
            note=f"{task.kind.label}：{reason}",
        )
        refresh_stage(case)
        _town_managers(case, kind="task_blocked", url=_case_url(case),
                       text=f"“{case.enterprise.name}”的“{task.kind.label}”无法办理：{reason}")  # fmt: skip
    return task


def waive_task(*, actor: Any, task: Task, reason: str) -> Task:
    """The lead department checks why a task cannot be done and settles it (经核实无需办理, e.g. there is no water
    account at this address); the on-site review still confirms the item on the spot."""
    scope = scope_for(actor)
    reason = _text(reason, "核实情况", required=True, field="reason", says=True)
    with transaction.atomic():
        case = _locked(task.case)
        task = (
            Task.objects.select_for_update(of=("self",), no_key=True)
            .select_related("kind", "owner_unit")
            .get(pk=task.pk)
        )
        refuse_if_withdrawn(task, "任务")
        lead = confirmed_classification(case)
        if lead is None or lead.lead_unit_id not in scope.department_ids:
            raise PermissionDenied(f"由{lead.lead_unit.name if lead else '牵头部门'}核实")
        step = workflow.TASK["waive"]
        permissions.require(scope, step.permission, town_id=case.town_id, assigned=True)
        _step(workflow.TASK, "waive", task.state, task.get_state_display())
        task.state, task.note, task.version = step.target, f"牵头部门核实：{reason}", task.version + 1
        task.save(update_fields=["state", "note", "version"])
        _task_event(
            actor=actor,
            town_id=case.town_id,
            action="remediation.task.waived",
            task=task,
            note=f"{task.kind.label}：{reason}",
        )
        refresh_stage(case)
        _town_managers(case, kind="task_waived", url=_case_url(case),
                       text=f"“{case.enterprise.name}”的“{task.kind.label}”经牵头部门核实无需办理：{reason}")  # fmt: skip
    return task


# ---- 整改方案 ----------------------------------------------------------------------------------------------


def _restored(value: Any, original: str, field: str, label: str) -> Any:
    """A text the form showed masked, its masked numbers put back from `original` (core.masking.restore_masked)."""
    try:
        return restore_masked(value, original)
    except AmbiguousMask as exc:
        raise ValidationFailed({field: [f"{label}：{exc.message}"]}) from None


def save_plan(
    *,
    actor: Any,
    case: Case,
    responsible: str,
    goal: str,
    measures: str,
    deadline: dt.date,
    items: Sequence[dict[str, Any]],
    expected_version: int | None = None,
) -> Plan:
    """The town drafts the plan (责任人, 治理目标, 治理措施, 治理期限, items under 装备工艺 / 污染治理 / 安全管理); a plan
    that was returned is revised as a new version, the returned one kept."""
    scope = scope_for(actor)
    permissions.require(scope, "plan.edit", town_id=case.town_id)
    # The form shows the latest version with its numbers masked: sent back so, they keep the stored digits.
    shown = latest_plan(case)
    responsible = _restored(
        responsible, shown.responsible if shown else case.responsible_person, "responsible", "责任人"
    )
    goal = _restored(goal, shown.goal if shown else "", "goal", "治理目标")
    measures = _restored(measures, shown.measures if shown else "", "measures", "治理措施")
    shown_items = "\n".join(i.text for i in shown.items.all()) if shown else ""
    responsible = _text(responsible, "责任人", required=True, limit=50, field="responsible")
    goal = _text(goal, "治理目标", required=True, field="goal")
    measures = _text(measures, "治理措施", required=True, field="measures")
    deadline = _date(deadline, "治理期限", "deadline")
    if deadline < clock.today():
        raise ValidationFailed({"deadline": ["治理期限不能早于今天"]})
    cleaned: list[tuple[str, str, dt.date]] = []
    for n, item in enumerate(items, start=1):
        text = _restored(clean_text(item.get("text") or ""), shown_items, "items", f"第 {n} 项")
        if not text:
            continue
        if item.get("category") not in PlanItemCategory.values:
            raise ValidationFailed({"items": [f"第 {n} 项：请选择类别（装备工艺、污染治理或安全管理）"]})
        if len(text) > 300:
            raise ValidationFailed({"items": [f"第 {n} 项：整改内容不超过 300 字"]})
        when = item.get("deadline")
        if when is None or params.date_error(when, "期限"):
            raise ValidationFailed({"items": [f"第 {n} 项“{text[:20]}”：请填写有效的期限"]})
        if when > deadline:
            raise ValidationFailed({"items": [f"第 {n} 项“{text[:20]}”：期限不能晚于治理期限 {deadline:%Y-%m-%d}"]})
        cleaned.append((item["category"], text, when))
    if not cleaned:
        raise ValidationFailed({"items": ["请至少填写一项整改事项"]})
    if len(cleaned) > 50:
        raise ValidationFailed({"items": ["整改事项不超过 50 项"]})
    with transaction.atomic():
        case = _locked(case)
        if case.status != CaseStatus.REMEDIATING or case.remediation_type != RemediationType.RECTIFICATION:
            raise TransitionNotAllowed("只有牵头部门确认为治理改造、正在整治的对象才编制整改方案")
        plan = latest_plan(case)
        _step(workflow.PLAN, "save", plan.state if plan else workflow.NONE,
              plan.get_state_display() if plan else "未编制")  # fmt: skip
        if plan is not None and expected_version is not None and plan.version != expected_version:
            raise Conflict("整改方案已被他人修改，请刷新页面后再编辑（您填写的内容未保存，请先复制）")
        if plan is None or plan.state == PlanState.RETURNED:
            # After every version, withdrawn ones included: numbers are never reused.
            number = (Plan.objects.filter(case=case).aggregate(n=Max("number"))["n"] or 0) + 1
            # The version goes on from the returned one: a client holding the old version cannot save over the new.
            version = (plan.version + 1) if plan else 1
            plan = Plan(case=case, number=number, version=version, created_by=actor, created_at=clock.now())
        else:
            plan.version += 1
        plan.state = PlanState.DRAFT
        plan.responsible, plan.goal, plan.measures, plan.deadline = responsible, goal, measures, deadline
        plan.save()
        plan.items.all().delete()
        PlanItem.objects.bulk_create([PlanItem(plan=plan, category=cat, text=text, deadline=when, sort_order=i)
                                      for i, (cat, text, when) in enumerate(cleaned)])  # fmt: skip
        record_event(actor=actor, town_id=case.town_id, action="remediation.plan.saved", obj=plan,
                     note=f"第 {plan.number} 版，{len(cleaned)} 项，治理期限 {deadline:%Y-%m-%d}")  # fmt: skip
        refresh_stage(case)
    return plan


def submit_plan(*, actor: Any, plan: Plan) -> Plan:
    scope = scope_for(actor)
    with transaction.atomic():
        case = _locked(plan.case)
        plan = Plan.objects.select_for_update(no_key=True).get(pk=plan.pk)
        permissions.require(scope, "plan.edit", town_id=case.town_id)
        refuse_if_withdrawn(plan, "整改方案")
        _step(workflow.PLAN, "submit", plan.state, plan.get_state_display())
        plan.state, plan.submitted_by, plan.submitted_at = PlanState.SUBMITTED, actor, clock.now()
        plan.save()
        record_event(
            actor=actor,
            town_id=case.town_id,
            action="remediation.plan.submitted",
            obj=plan,
            note=f"第 {plan.number} 版",
        )
        refresh_stage(case)
        c = confirmed_classification(case)
        notify(kind="plan_to_approve", units=[c.lead_unit_id] if c else [], url=_case_url(case),
               text=f"{case.town.display_name}提交“{case.enterprise.name}”整改方案（第 {plan.number} 版），请审批")  # fmt: skip
    return plan


def decide_plan(*, actor: Any, plan: Plan, approve: bool, note: str = "") -> Plan:
    """武进生态环境局 approves the plan or returns it with comments (the town revises it as a new version)."""
    scope = scope_for(actor)
    action = "approve" if approve else "return"
    note = _text(note, "退回意见" if not approve else "审批意见", required=not approve, says=True)
    with transaction.atomic():
        case = _locked(plan.case)
        plan = Plan.objects.select_for_update(no_key=True).get(pk=plan.pk)
        refuse_if_withdrawn(plan, "整改方案")
        c = confirmed_classification(case)
        if c is None or c.lead_unit_id not in scope.department_ids:
            raise PermissionDenied(f"整改方案由{c.lead_unit.name if c else '牵头部门'}审批")
        permissions.require(scope, "plan.decide", town_id=case.town_id, assigned=True)
        _step(workflow.PLAN, action, plan.state, plan.get_state_display())
        plan.state = workflow.PLAN[action].target
        plan.decided_by, plan.decided_at, plan.decision_note = actor, clock.now(), note
        plan.save()
        record_event(actor=actor, town_id=case.town_id, obj=plan,
                     action=f"remediation.plan.{'approved' if approve else 'returned'}",
                     note=f"第 {plan.number} 版{'：' + note if note else ''}")  # fmt: skip
        refresh_stage(case)
        _town_managers(case, kind="plan_approved" if approve else "plan_returned", url=_case_url(case),
                       text=f"“{case.enterprise.name}”整改方案第 {plan.number} 版"
                            f"{'已批准' if approve else '被退回：' + note}")  # fmt: skip
    return plan


def complete_plan_item(*, actor: Any, item: PlanItem, done_on: dt.date, note: str = "",
                       photos: Sequence[Upload] = ()) -> PlanItem:  # fmt: skip
    """Progress on an approved plan, item by item, with evidence."""
    scope = scope_for(actor)
    done_on = _date(done_on, "完成日期", "done_on")
    _not_future(done_on, "完成日期", "done_on")
    note = _text(note, "完成情况", required=True, says=True)
    with transaction.atomic():
        case = _locked(item.plan.case)
        item = PlanItem.objects.select_for_update(of=("self",), no_key=True).select_related("plan").get(pk=item.pk)
        permissions.require(scope, "plan.progress", town_id=case.town_id)
        refuse_if_withdrawn(item.plan, "整改方案")
        if item.plan.state != PlanState.APPROVED:
            raise TransitionNotAllowed("整改方案批准后才能登记整改事项进展")
        if item.state == ItemState.DONE:
            raise TransitionNotAllowed("该整改事项已登记完成（可能已被他人登记，请刷新页面）")
        if not photos:
            raise ValidationFailed({"photos": ["请上传整改后的现场照片作为证据"]})
        item.state, item.done_on, item.note, item.done_by, item.done_at = (ItemState.DONE, done_on, note, actor,
                                                                           clock.now())  # fmt: skip
        item.save()
        ev.store(actor=actor, case=case, step=EvidenceStep.PLAN_ITEM, subject_id=item.pk,
                 uploads=[Upload(p.data, p.name, f"plan_item:{item.pk}", p.phase or "after") for p in photos])  # fmt: skip
        record_event(
            actor=actor,
            town_id=case.town_id,
            action="remediation.item.done",
            obj=item.plan,
            note=f"{item.text}：{note}",
        )
        refresh_stage(case)
    return item


# ---- 现场审核、签认、销号 ----------------------------------------------------------------------------------------


def request_review(*, actor: Any, case: Case) -> Review:
    scope = scope_for(actor)
    permissions.require(scope, "case.submit_for_review", town_id=case.town_id)
    with transaction.atomic():
        case = _locked(case)
        if case.status != CaseStatus.REMEDIATING:
            raise TransitionNotAllowed(f"当前为“{case.get_status_display()}”，不能申请现场审核（可能已被他人申请）")
        if remaining := work_remaining(case):
            raise TransitionNotAllowed("还不能申请现场审核：" + "；".join(remaining))
        review = Review.objects.create(case=case, requested_by=actor, requested_at=clock.now())
        record_event(actor=actor, town_id=case.town_id, action="remediation.review.requested", obj=case)
        registry.transition_case(actor=actor, case=case, action="submit_for_review", via=VIA, stage="")
        told = _town_managers(case, kind="review_requested", url=_case_url(case), exclude=actor,
                              text=f"“{case.enterprise.name}”申请现场审核，请安排（申请人不能审核）")  # fmt: skip
        if not told:
            # No other manager in the town may record it (four eyes): the district office reviews.
            offices = OrgUnit.objects.filter(kind=OrgUnitKind.OFFICE, is_active=True)
            notify(kind="review_requested", url=_case_url(case), exclude=actor, units=list(offices),
                   roles=[Role.OFFICE_ADMIN, Role.OFFICE_STAFF],
                   text=f"“{case.enterprise.name}”（{case.town.name}）申请现场审核，该镇（街道）没有其他管理人员可以审核，"
                        "请区办公室安排")  # fmt: skip
    return review


def record_review(
    *,
    actor: Any,
    review: Review,
    reviewed_on: dt.date,
    participants: str,
    checks: dict[str, tuple[bool, str]],
    result: str,
    reasons: str,
    photos: Sequence[Upload] = (),
    warnings_note: str = "",
) -> Review:
    """The on-site review: date, participants, each item checked with its evidence, the result and reasons. Four eyes:
    the person who requested it cannot pass it. A pass goes to the lead department's sign-off; a fail returns the
    unconfirmed items as new work."""
    scope = scope_for(actor)
    if result not in ReviewResult.values:
        raise ValidationFailed({"result": ["请选择审核结果：通过或不通过"]})
    reviewed_on = _date(reviewed_on, "审核日期", "reviewed_on")
    _not_future(reviewed_on, "审核日期", "reviewed_on")
    participants = _text(participants, "参加人员及单位", required=True, field="participants")
    reasons = _text(reasons, "结论和理由", required=True, field="reasons", says=True)
    warnings_note = _text(warnings_note, "对证据提示的说明", field="warnings_note")
    with transaction.atomic():
        case = _locked(review.case)
        review = Review.objects.select_for_update(no_key=True).get(pk=review.pk)
        action = "pass_review" if result == ReviewResult.PASSED else "return_for_rework"
        permissions.require(scope, f"case.{action}", town_id=case.town_id)
        if review.result or case.status != CaseStatus.AWAITING_REVIEW:
            raise TransitionNotAllowed("该现场审核已有结论（可能已被他人填写，请刷新页面）")
        if result == ReviewResult.PASSED and review.requested_by_id == getattr(actor, "pk", None):
            raise PermissionDenied(
                "申请现场审核的人不能审核通过（四眼原则），请由本镇（街道）其他管理人员或区办公室审核"
            )
        items = review_items(case)
        codes = {code for code, _label in items}
        unknown = set(checks) - codes
        if unknown:
            raise ValidationFailed({"checks": [f"未知的审核项目：{'、'.join(sorted(unknown))}"]})
        review.reviewed_on, review.participants, review.reasons = reviewed_on, participants, reasons
        review.save()
        kept = ev.store(actor=actor, case=case, step=EvidenceStep.REVIEW, subject_id=review.pk, uploads=list(photos))
        photo_items = {e.item_code for e in kept} | set(
            case.evidence.filter(step=EvidenceStep.REVIEW, subject_id=review.pk).values_list("item_code", flat=True)
        )
        if result == ReviewResult.PASSED:
            errors = []
            for code, label in items:
                confirmed = checks.get(code, (False, ""))[0]
                if not confirmed:
                    errors.append(f"“{label}”未经现场确认")
                elif code in TWO_CUTS_THREE_CLEARS_CODES and code not in photo_items:
                    errors.append(f"“{label}”须有至少一张现场照片")
            if errors:
                raise ValidationFailed({"checks": ["审核通过须逐项现场确认：" + "；".join(errors)]})
        warnings = review_warnings(case, review)
        if result == ReviewResult.PASSED and warnings and not warnings_note:
            message = (
                f"有 {len(warnings)} 条证据提示（拍摄位置、日期、EXIF 或重复照片），审核通过须说明理由（记入台账）"
            )
            raise ValidationFailed({"warnings_note": [message]}, warnings=warnings)
        for code, label in items:
            confirmed, note = checks.get(code, (False, ""))
            ReviewCheck.objects.create(review=review, item_code=code, label=label, confirmed=bool(confirmed),
                                       note=clean_text(note or "")[:300])  # fmt: skip
        review.result, review.warnings, review.warnings_note = result, warnings, warnings_note
        review.reviewer, review.reviewed_at = actor, clock.now()
        c = confirmed_classification(case)
        if result == ReviewResult.PASSED:
            review.signoff_state, review.signoff_unit = SignoffState.PENDING, c.lead_unit if c else None
        review.save()
        record_event(actor=actor, town_id=case.town_id, action="remediation.review.recorded", obj=case,
                     note=f"{review.get_result_display()}：{reasons}"
                          f"{'；证据提示说明：' + warnings_note if warnings_note else ''}")  # fmt: skip
        if result == ReviewResult.PASSED:
            registry.transition_case(actor=actor, case=case, action="pass_review", via=VIA, stage="",
                                     note=reasons)  # fmt: skip
            notify(kind="signoff_to_give", units=[c.lead_unit_id] if c else [], url=_case_url(case),
                   text=f"“{case.enterprise.name}”现场审核通过，请签认销号")  # fmt: skip
        else:
            _rework(actor=actor, case=case, checks=checks, reasons=reasons)
            registry.transition_case(actor=actor, case=case, action="return_for_rework", via=VIA, note=reasons,
                                     stage=derive_stage(case))  # fmt: skip
            refresh_stage(case)
            _town_managers(case, kind="review_failed", url=_case_url(case),
                           text=f"“{case.enterprise.name}”现场审核未通过：{reasons}")  # fmt: skip
    return review


def _rework(*, actor: Any, case: Case, checks: dict[str, tuple[bool, str]], reasons: str) -> None:
    """A failed review turns what it could not confirm back into work for its owner."""
    rework = workflow.TASK["rework"]  # the reviewer holds its permission (case.return_for_rework), checked above
    for task in case.tasks.filter(ACTIVE, state__in=rework.sources).select_related("kind"):
        key = task.kind.item_code or f"task:{task.pk}"
        if checks.get(key, (False, ""))[0]:
            continue
        task.state, task.version = rework.target, task.version + 1
        task.due_on = max(task.due_on, clock.today() + dt.timedelta(days=task.kind.due_days))
        task.save(update_fields=["state", "version", "due_on"])
        _task_event(
            actor=actor,
            town_id=case.town_id,
            action="remediation.task.reopened",
            task=task,
            note=f"现场审核未通过：{reasons}",
        )
        notify(kind="task_rework", units=[task.owner_unit_id], url=f"/remediation/tasks/{task.pk}/",
               text=f"现场审核未通过，请重新办理：{task.kind.label} · {case.enterprise.name}"
                    f"（理由：{mask_text(reasons)[:100]}）")  # fmt: skip
    plan = latest_plan(case)
    if plan is not None:
        for item in plan.items.filter(state=ItemState.DONE):
            if not checks.get(f"plan_item:{item.pk}", (False, ""))[0]:
                item.state = ItemState.OPEN
                item.save(update_fields=["state"])


def sign_off(*, actor: Any, review: Review, sign: bool, note: str = "") -> Review:
    """The lead department's second sign-off: 销号, or refused with a reason (back to remediation)."""
    scope = scope_for(actor)
    note = _text(note, "不予签认的理由" if not sign else "签认意见", required=not sign, says=True)
    action = "approve_closure" if sign else "refuse_signoff"
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",), no_key=True)
            .select_related("enterprise", "town")
            .get(pk=review.case_id)
        )
        review = Review.objects.select_for_update(no_key=True).get(pk=review.pk)
        if review.signoff_unit_id not in scope.department_ids:
            raise PermissionDenied(f"由{review.signoff_unit.name if review.signoff_unit else '牵头部门'}签认")
        permissions.require(scope, f"case.{action}", town_id=case.town_id, assigned=True)
        if review.signoff_state != SignoffState.PENDING or case.status != CaseStatus.AWAITING_SIGNOFF:
            raise TransitionNotAllowed("该审核已签认或已退回（可能已被他人处理，请刷新页面）")
        review.signoff_state = SignoffState.SIGNED if sign else SignoffState.REFUSED
        review.signoff_by, review.signoff_at, review.signoff_note = actor, clock.now(), note
        review.save()
        record_event(actor=actor, town_id=case.town_id, obj=case,
                     action=f"remediation.signoff.{'signed' if sign else 'refused'}", note=note)  # fmt: skip
        registry.transition_case(actor=actor, case=case, action=action, via=VIA, assigned=True, note=note, stage="")
        if not sign:
            refresh_stage(case)
        _town_managers(case, kind="signed_off" if sign else "signoff_refused", url=_case_url(case),
                       text=f"“{case.enterprise.name}”{'已销号' if sign else '未获签认，退回整治：' + note}")  # fmt: skip
    return review


# ---- 从严执法 --------------------------------------------------------------------------------------------------


# A fine in yuan as written on a decision: digits, perhaps with fen (commas removed before).
_AMOUNT = re.compile(r"\d{1,15}(\.\d{1,6})?")


def record_enforcement(
    *,
    actor: Any,
    case: Case,
    unit: OrgUnit | None = None,
    kind: str,
    legal_basis: str,
    document_no: str,
    decided_on: dt.date,
    amount: Any = None,
    note: str = "",
    photos: Sequence[Upload] = (),
) -> Enforcement:
    """A department's enforcement decision on a case it holds (or the office's, naming the department)."""
    scope = scope_for(actor)
    visible = cases_visible_to(scope).filter(pk=case.pk).exists()
    permissions.require(scope, "enforcement.record", town_id=case.town_id, assigned=visible)
    if not visible:
        raise PermissionDenied("只能对本单位可见的整治对象登记执法记录")
    if unit is None:
        units = sorted(scope.department_ids)
        if not units:
            raise ValidationFailed({"unit": ["请选择执法单位（区级部门）"]})
        unit = OrgUnit.objects.get(pk=units[0])
    elif unit.kind != "department":
        raise ValidationFailed({"unit": ["执法单位应为区级部门"]})
    elif scope.department_ids and unit.pk not in scope.department_ids:
        raise PermissionDenied("只能以本单位名义登记执法记录")
    if kind not in EnforcementKind.values:
        raise ValidationFailed({"kind": ["请选择执法类别"]})
    legal_basis = _text(legal_basis, "法律依据", required=True, limit=300, field="legal_basis")
    document_no = _text(document_no, "决定书文号", required=True, limit=60, field="document_no")
    decided_on = _date(decided_on, "决定日期", "decided_on")
    _not_future(decided_on, "决定日期", "decided_on")
    note = _text(note, "说明")
    value: Decimal | None = None
    if kind == EnforcementKind.FINE:
        typed = to_halfwidth(str(amount)).strip().replace(",", "") if amount not in (None, "") else ""
        if typed and not _AMOUNT.fullmatch(typed):  # 1e5, 0x10, ∞: no way a fine is written on a decision
            raise ValidationFailed({"amount": [f"罚款金额“{typed[:20]}”应只填数字（元），如 20000 或 20000.50"]})
        try:
            value = Decimal(typed) if typed else None
        except ArithmeticError:
            value = None
        if value is not None and value.is_finite() and abs(value) < Decimal("1e11"):  # 1e40 cannot be quantized
            value = value.quantize(Decimal("0.01"))  # to the fen first: 0.004 is no fine, 99,999,999,999.999 too much
        if value is None or not value.is_finite() or value <= 0 or value >= Decimal("1e11"):
            raise ValidationFailed({"amount": ["罚款须填写金额（元），至少 0.01 元且小于 1000 亿元"]})
    with transaction.atomic():
        case = _locked(case)  # two of the same decision at once: the second waits here, then finds the first
        if Enforcement.objects.filter(case=case, unit=unit, document_no=document_no).exists():
            raise Conflict(f"{unit.name}已登记决定书“{document_no}”，同一决定不重复登记")
        e = Enforcement.objects.create(case=case, unit=unit, kind=kind, legal_basis=legal_basis,
                                       document_no=document_no, decided_on=decided_on, amount=value, note=note,
                                       recorded_by=actor, recorded_at=clock.now())  # fmt: skip
        ev.store(actor=actor, case=case, step=EvidenceStep.ENFORCEMENT, subject_id=e.pk, uploads=list(photos))
        record_event(actor=actor, town_id=case.town_id, action="remediation.enforcement.recorded", obj=case,
                     note=f"{unit.name} {e.get_kind_display()}（{document_no}）"
                          f"{'，罚款 ' + format(value, ',') + ' 元' if value else ''}")  # fmt: skip
    return e


# ---- withdrawal instead of deletion (core.withdrawal) ------------------------------------------------------------


def _remediating(case: Case, what: str) -> Case:
    """A task or plan is withdrawn or restored while its case is being remediated: once the review is requested the
    work is on record as it was checked (a failed review brings the case back here)."""
    locked = _locked(case)
    if locked.status != CaseStatus.REMEDIATING:
        raise TransitionNotAllowed(f"整治对象当前为“{locked.get_status_display()}”，只有整治中才能撤回或恢复{what}")
    return locked


def withdraw_task(*, actor: Any, task: Task, reason: str) -> Task:
    """A task dispatched by mistake (a duty that does not apply to this site, a wrong owner) is withdrawn by the town
    or the office, not by the unit that owns it: it leaves the owner's work list, the overdue counts, the case's
    两断三清 progress and what the review checks; the case page still shows it, marked with the reason."""
    scope = scope_for(actor)
    reason = clean_reason(reason)
    with transaction.atomic():
        case = _remediating(task.case, "任务")
        permissions.require(scope, "task.withdraw", town_id=case.town_id)
        task = Task.objects.select_for_update(of=("self",), no_key=True).select_related("kind").get(pk=task.pk)
        changes = mark_withdrawn(task, actor=actor, reason=reason, what="任务")
        task.version += 1
        task.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "version"])
        _task_event(actor=actor, town_id=case.town_id, action="remediation.task.withdrawn", task=task, changes=changes,
                    note=f"{task.kind.label}：{reason}")  # fmt: skip
        refresh_stage(case)
        notify(kind="task_withdrawn", units=[task.owner_unit_id], exclude=actor, url=f"/remediation/tasks/{task.pk}/",
               text=f"任务已撤回，无需办理：{task.kind.label} · {case.enterprise.name}（{reason}）")  # fmt: skip
    return task


def restore_task(*, actor: Any, task: Task, reason: str) -> Task:
    """The office admin puts a withdrawn task back, in the state it was withdrawn in."""
    scope = scope_for(actor)
    reason = clean_reason(reason, restoring=True)
    with transaction.atomic():
        case = _remediating(task.case, "任务")
        permissions.require(scope, "record.restore", town_id=case.town_id)
        task = Task.objects.select_for_update(of=("self",), no_key=True).select_related("kind").get(pk=task.pk)
        changes = mark_restored(task, what="任务")
        task.version += 1
        task.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "version"])
        _task_event(actor=actor, town_id=case.town_id, action="remediation.task.restored", task=task, changes=changes,
                    note=f"{task.kind.label}：{reason}")  # fmt: skip
        refresh_stage(case)
        notify(kind="task_restored", units=[task.owner_unit_id], exclude=actor, url=f"/remediation/tasks/{task.pk}/",
               text=f"任务已恢复：{task.kind.label} · {case.enterprise.name}（{reason}）")  # fmt: skip
    return task


def withdraw_plan(*, actor: Any, plan: Plan, reason: str) -> Plan:
    """A plan version entered by mistake (for the wrong case, twice) is withdrawn by the town or the office: the case's
    current plan is the latest one still in play (none: the town drafts a new one, numbered after every version)."""
    scope = scope_for(actor)
    reason = clean_reason(reason)
    with transaction.atomic():
        case = _remediating(plan.case, "整改方案")
        permissions.require(scope, "plan.withdraw", town_id=case.town_id)
        plan = Plan.objects.select_for_update(no_key=True).get(pk=plan.pk)
        changes = mark_withdrawn(plan, actor=actor, reason=reason, what="整改方案")
        plan.version += 1
        plan.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "version"])
        record_event(actor=actor, town_id=case.town_id, action="remediation.plan.withdrawn", obj=plan, changes=changes,
                     note=f"第 {plan.number} 版：{reason}")  # fmt: skip
        refresh_stage(case)
    return plan


def restore_plan(*, actor: Any, plan: Plan, reason: str) -> Plan:
    """The office admin restores a withdrawn plan version, unless a later or another live version now stands."""
    scope = scope_for(actor)
    reason = clean_reason(reason, restoring=True)
    with transaction.atomic():
        case = _remediating(plan.case, "整改方案")
        permissions.require(scope, "record.restore", town_id=case.town_id)
        plan = Plan.objects.select_for_update(no_key=True).get(pk=plan.pk)
        standing = (case.plans.filter(ACTIVE).exclude(pk=plan.pk).exclude(state=PlanState.SUPERSEDED)
                    .order_by("-number").first())  # fmt: skip
        if (
            plan.is_withdrawn
            and standing is not None
            and (standing.number > plan.number or standing.state != PlanState.RETURNED)
        ):
            raise TransitionNotAllowed(f"该整治对象现有整改方案第 {standing.number} 版（{standing.get_state_display()}），"
                                       f"不能再恢复第 {plan.number} 版")  # fmt: skip
        changes = mark_restored(plan, what="整改方案")
        plan.version += 1
        plan.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "version"])
        record_event(actor=actor, town_id=case.town_id, action="remediation.plan.restored", obj=plan, changes=changes,
                     note=f"第 {plan.number} 版：{reason}")  # fmt: skip
        refresh_stage(case)
    return plan
