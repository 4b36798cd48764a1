"""The only way enterprises and cases change: keyword-only, actor required, one transaction, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from sanluanwu.accounts import permissions
from sanluanwu.accounts import services as accounts_services
from sanluanwu.accounts.choices import OrgUnitKind
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.scope import scope_for
from sanluanwu.audit.services import diff_fields, record_event, snapshot
from sanluanwu.campaigns.models import Campaign
from sanluanwu.campaigns.queries import current_campaign
from sanluanwu.core import clock, geo, params
from sanluanwu.core.errors import (
    Conflict,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
    WarningsNotAcknowledged,
)
from sanluanwu.core.masking import AmbiguousMask, restore_masked
from sanluanwu.core.text import case_search_text, clean_text, name_key, search_text, unsaid
from sanluanwu.registry import columns, rules, validation, workflow
from sanluanwu.registry.choices import BaselineMethod, CaseStatus
from sanluanwu.registry.models import (
    CASE_AUDITED,
    ENTERPRISE_AUDITED,
    BaselineRecord,
    Case,
    CaseStatusChange,
    CreditCodeClash,
    Enterprise,
)
from sanluanwu.registry.workflow import TRANSITIONS


@dataclass
class EnterpriseInput:
    """What a user gives for an enterprise (a form, an API body, an import row)."""

    name: str
    industry: str
    address: str
    town: OrgUnit
    legal_person: str
    licence_status: str
    coordinates: str = ""
    coord_datum: str = geo.DATUM_WGS84
    village: str = ""
    phone: str = ""
    credit_code: str = ""


@dataclass
class CaseInput:
    """The 附件2 columns that belong to the case."""

    lookback_category: int
    responsible_person: str
    env_problems: str = ""
    safety_problems: str = ""
    other_problems: str = ""
    remediation_type: str = ""
    planned_completion: dt.date | None = None
    listed_on: dt.date | None = None
    progress_note: str = ""
    campaign: Campaign | None = None
    extra: dict[str, Any] = field(default_factory=dict)


ENTERPRISE_INPUT_FIELDS = ["name", "industry", "address", "town", "legal_person", "licence_status", "coordinates",
                           "coord_datum", "village", "phone", "credit_code"]  # fmt: skip
CASE_INPUT_FIELDS = ["lookback_category", "responsible_person", "env_problems", "safety_problems", "other_problems",
                     "remediation_type", "planned_completion", "listed_on", "progress_note"]  # fmt: skip


def enterprise_input_from(data: Any) -> EnterpriseInput:
    """From a form's cleaned_data or a serializer's validated_data (same field names everywhere)."""
    return EnterpriseInput(**{name: data[name] for name in ENTERPRISE_INPUT_FIELDS if name in data})


def case_input_from(data: Any) -> CaseInput:
    values = {name: data[name] for name in CASE_INPUT_FIELDS if name in data}
    values["lookback_category"] = int(values["lookback_category"])
    return CaseInput(**values)


def enterprise_values(e: Enterprise) -> dict[str, Any]:
    """An enterprise as the forms and the API write it (the starting point of an edit or a PATCH)."""
    return {
        "name": e.name, "industry": e.industry, "address": e.address, "town": e.town_id, "village": e.village,
        "coordinates": e.coord_input or geo.format_point(e.longitude, e.latitude), "coord_datum": e.coord_datum,
        "legal_person": e.legal_person, "phone": e.phone, "credit_code": e.credit_code,
        "licence_status": e.licence_status,
    }  # fmt: skip


def case_values(case: Case) -> dict[str, Any]:
    """A 附件2 row (enterprise and case columns) as the forms and the API write it."""
    values = enterprise_values(case.enterprise)
    values.update({name: getattr(case, name) for name in CASE_INPUT_FIELDS})
    return values


def _add(errors: dict[str, list[str]], name: str, message: str | None) -> None:
    if message:
        errors.setdefault(name, []).append(message)


def _keep_masked(values: dict[str, Any], record: Enterprise | Case) -> None:
    """A personal field sent back as the page or the API showed it (138****5678, or a problem with a number masked in
    it), whole or edited around the numbers, keeps the stored numbers: an edit never overwrites a number with
    asterisks (core.masking.restore_masked; form, API and import alike)."""
    errors: dict[str, list[str]] = {}
    for key, kind in columns.PERSONAL.items():
        if key in values:
            try:
                values[key] = restore_masked(values[key], getattr(record, key, None), kind)
            except AmbiguousMask as exc:
                errors[key] = [exc.message]
    if errors:
        raise ValidationFailed(errors)


def _apply_enterprise(
    *, actor: Any, enterprise: Enterprise, data: EnterpriseInput, errors: dict[str, list[str]], permission: str
) -> tuple[geo.Point | None, list[rules.Warning]]:
    """Validate the input and copy it onto the (unsaved or existing) enterprise; collect errors."""
    scope = scope_for(actor)
    values = validation.clean({key: getattr(data, key) for key in validation.ENTERPRISE_TEXTS})
    _keep_masked(values, enterprise)
    values["licence_status"] = data.licence_status
    name, legal_person, credit_code = values["name"], values["legal_person"], values["credit_code"]
    if data.town is None or data.town.kind != OrgUnitKind.TOWN:
        _add(errors, "town", "请选择所属镇（街道、开发区）")
    elif not permissions.allows(scope, permission, town_id=data.town.pk):
        _add(errors, "town", f"您无权在{data.town.name}登记企业")
    for key, messages in validation.enterprise_errors(values).items():
        for message in messages:
            _add(errors, key, message)
    point: geo.Point | None = None
    coord_text = clean_text(data.coordinates)
    if coord_text:
        try:
            point = geo.to_point(coord_text, data.coord_datum)
        except geo.CoordinateError as exc:
            _add(errors, "coordinates", str(exc))
        else:
            _add(errors, "coordinates", rules.check_point_in_district(point))
    else:
        _add(errors, "coordinates", "请填写经纬度（附件2 必填）")
    _add(errors, "coordinates", columns.text_errors("coordinates", coord_text))

    for key, value in values.items():
        setattr(enterprise, key, value)
    enterprise.name_key = name_key(name)
    if data.town is not None:
        enterprise.town = data.town
    enterprise.coord_datum = data.coord_datum
    enterprise.coord_input = coord_text
    if point is not None:
        enterprise.longitude, enterprise.latitude = point.lon, point.lat
    enterprise.search_text = search_text(name, enterprise.address, legal_person)

    if name and data.town is not None and "town" not in errors:
        same = Enterprise.objects.filter(town=data.town, name_key=enterprise.name_key).exclude(pk=enterprise.pk)
        if same.exists():
            _add(errors, "name", f"{data.town.name}已有同名企业“{name}”，同一镇（街道）内企业名称不能重复")
        # Only a holder the user can see is said (their own town's, or any for the office); one in another town is
        # accepted and flagged for the office (_flag_credit_code_clash): no answer tells a town about another's.
        if credit_code and _visible_holders(scope, credit_code, enterprise.pk).exists():
            _add(errors, "credit_code", "该统一社会信用代码已登记在另一家企业")
    warnings: list[rules.Warning] = []
    if not errors and data.town is not None:
        # One who may not see numbers in clear (an inspector listing a find) is not told how a phone compares with
        # the known ones ("联系电话仅差一位" would tell the hidden digits, a refused try at a time): the phone is left
        # out here. Their comparison by phone is the candidates check (lookback), audited and bounded.
        may_compare = permissions.allows(scope, "person.reveal", town_id=data.town.pk)
        warnings = rules.duplicate_warnings(
            scope=scope, name=name, town=data.town, point=point, exclude_id=enterprise.pk, legal_person=legal_person,
            phone=values["phone"] if may_compare else "", credit_code=credit_code, village=enterprise.village,
        )  # fmt: skip
    return point, warnings


def _apply_case(*, case: Case, data: CaseInput, errors: dict[str, list[str]]) -> None:
    values = validation.clean({key: getattr(data, key) or "" for key in validation.CASE_TEXTS})
    _keep_masked(values, case)
    values.update(lookback_category=data.lookback_category, remediation_type=data.remediation_type or "",
                  planned_completion=data.planned_completion)  # fmt: skip
    listed_on = data.listed_on or case.listed_on or clock.today()
    for key, messages in validation.case_errors(values, listed_on=listed_on).items():
        for message in messages:
            _add(errors, key, message)
    for key, value in values.items():
        setattr(case, key, value)
    case.listed_on = listed_on


def _raise(errors: dict[str, list[str]], warnings: list[rules.Warning], acknowledge: bool) -> None:
    if errors:
        raise ValidationFailed(errors)
    if warnings and not acknowledge:
        raise WarningsNotAcknowledged(
            {"__all__": ["请核实以下提示；确认无误后勾选“已核实，仍然保存”再提交"]},
            warnings=[w.as_dict() for w in warnings],
        )


def _update_cases_of(enterprise: Enterprise, *, exclude_id: int | None = None) -> None:
    """Every other case of an enterprise after the enterprise changed: its town, and its search text (each keeps its
    责任人, numbers masked: core.text.case_search_text)."""
    others = Case.objects.filter(enterprise=enterprise)
    if exclude_id is not None:
        others = others.exclude(pk=exclude_id)
    cases = list(others.only("pk", "responsible_person"))
    for other in cases:
        other.town_id = enterprise.town_id
        other.search_text = case_search_text(enterprise.search_text, other.responsible_person)
    Case.objects.bulk_update(cases, ["town_id", "search_text"], batch_size=500)


# A workflow step's reason (退回整改, 重新打开): a paragraph, not a document.
TRANSITION_NOTE_CHARS = 1000
WITHDRAWN_MESSAGE = "该整治对象已撤销（误列），不能修改；如确属整治对象，请由区办公室“恢复”并说明理由"
CLOSED_MESSAGE = "该整治对象已销号，不能修改；如需修改，请由区办公室“重新打开（撤销销号）”并说明理由"
CLOSED_ENTERPRISE_MESSAGE = (
    "该企业的整治对象均已销号，企业信息随之冻结，不能修改；如需修改，请由区办公室“重新打开（撤销销号）”并说明理由"
)


def check_not_closed(case: Case) -> None:
    """A closed (销号) case is read-only for everyone: it changes only after a recorded reopening; a withdrawn (误列)
    one after its restoring."""
    if case.status == CaseStatus.CLOSED:
        raise TransitionNotAllowed(CLOSED_MESSAGE)
    if case.status == CaseStatus.WITHDRAWN:
        raise TransitionNotAllowed(WITHDRAWN_MESSAGE)


def closed_enterprises(
    *, enterprise_ids: Sequence[int] | None = None, town_ids: Sequence[int] | None = None
) -> set[int]:
    """The enterprises (of these ids or towns) whose cases are all closed: their columns are those closed rows'
    columns, so they are read-only too. An enterprise with an open case (it came back), or none yet, may change."""
    cases = Case.objects.all()
    if enterprise_ids is not None:
        cases = cases.filter(enterprise_id__in=enterprise_ids)
    if town_ids is not None:
        cases = cases.filter(town_id__in=town_ids)
    rows = (cases.values("enterprise_id").annotate(open=Count("id", filter=~Q(status=CaseStatus.CLOSED)))
            .filter(open=0))  # fmt: skip
    return {r["enterprise_id"] for r in rows}


def status_change_values(
    *, case_id: int, from_status: str, to_status: str, actor: Any, action: str, at: dt.datetime, note: str = ""
) -> dict[str, Any]:
    """One status-history row (CaseStatusChange) as values: the services save it, the bulk path COPYs it."""
    return {
        "case_id": case_id, "from_status": from_status, "to_status": to_status, "occurred_at": at, "action": action,
        "actor_id": actor.pk if getattr(actor, "pk", None) else None,
        "actor_name": (getattr(actor, "display_name", "") or getattr(actor, "username", ""))[:150], "note": note,
    }  # fmt: skip


def _record_status(*, case: Case, from_status: str, actor: Any, action: str, at: dt.datetime, note: str = "") -> None:
    values = status_change_values(
        case_id=case.pk, from_status=from_status, to_status=case.status, actor=actor, action=action, at=at, note=note
    )
    CaseStatusChange.objects.create(**values)


def _full_clean(obj: Any, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as exc:
        raise ValidationFailed({k: [str(m) for m in v] for k, v in exc.message_dict.items()}) from exc


def _save_or_conflict(obj: Any) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise ValidationFailed(
            {"name": [f"保存失败：与已有记录冲突（{exc.__class__.__name__}），请检查名称和信用代码"]}
        ) from exc


def _visible_holders(scope: Any, credit_code: str, exclude_id: int | None) -> Any:
    from sanluanwu.registry.queries import enterprises_visible_to

    holders = enterprises_visible_to(scope).filter(credit_code=credit_code)
    return holders.exclude(pk=exclude_id) if exclude_id else holders


def _flag_credit_code_clash(*, actor: Any, enterprise: Enterprise) -> None:
    """After saving: another town's enterprise holding the same credit code becomes a clash for the office. The
    event is the clash's own (never on the enterprise's timeline, which the town reads)."""
    if not enterprise.credit_code:
        return
    holders = Enterprise.objects.filter(credit_code=enterprise.credit_code).exclude(pk=enterprise.pk)
    open_ = set(CreditCodeClash.objects.filter(enterprise=enterprise, resolved_at__isnull=True)
                .values_list("holder_id", flat=True))  # fmt: skip
    for holder_id in holders.values_list("pk", flat=True):
        if holder_id in open_:
            continue
        clash = CreditCodeClash.objects.create(
            credit_code=enterprise.credit_code,
            enterprise=enterprise,
            holder_id=holder_id,
            raised_at=clock.now(),
            raised_by_name=getattr(actor, "display_name", "") or getattr(actor, "username", ""),
        )
        record_event(actor=actor, action="registry.credit_code_clash.raised", obj=clash,
                     changes={"credit_code": [None, clash.credit_code], "enterprise": [None, enterprise.pk],
                              "holder": [None, holder_id]})  # fmt: skip


def resolve_credit_code_clash(*, actor: Any, clash: CreditCodeClash, note: str) -> CreditCodeClash:
    """The office closes a clash after correcting one of the records (or finding both right), saying how."""
    permissions.require(scope_for(actor), "clash.resolve")
    text = clean_text(note or "")[:REASON_CHARS]
    if not text:
        raise ValidationFailed({"note": ["请说明处理结果（如：已将湖塘镇记录的信用代码更正为……）"]})
    with transaction.atomic():
        clash = CreditCodeClash.objects.select_for_update(no_key=True).get(pk=clash.pk)
        if clash.resolved_at is not None:
            raise Conflict("该重复已处理")
        clash.resolved_at = clock.now()
        clash.resolved_by_name = getattr(actor, "display_name", "") or getattr(actor, "username", "")
        clash.resolution = text
        clash.save(update_fields=["resolved_at", "resolved_by_name", "resolution"])
        record_event(actor=actor, action="registry.credit_code_clash.resolved", obj=clash, note=text)
    return clash


def _insert_enterprise(*, actor: Any, enterprise: Enterprise) -> None:
    _full_clean(enterprise)
    _save_or_conflict(enterprise)
    _flag_credit_code_clash(actor=actor, enterprise=enterprise)
    record_event(
        actor=actor,
        action="registry.enterprise.created",
        obj=enterprise,
        changes=diff_fields({}, snapshot(enterprise, ENTERPRISE_AUDITED)),
    )


def create_enterprise(*, actor: Any, data: EnterpriseInput, acknowledge_warnings: bool = False) -> Enterprise:
    """Register an enterprise without listing it (e.g. one remediated in 2018-2019)."""
    permissions.require(scope_for(actor), "enterprise.edit")
    errors: dict[str, list[str]] = {}
    now = clock.now()
    with transaction.atomic():
        enterprise = Enterprise(created_at=now, updated_at=now)
        _point, warnings = _apply_enterprise(
            actor=actor, enterprise=enterprise, data=data, errors=errors, permission="enterprise.edit"
        )
        _raise(errors, warnings, acknowledge_warnings)
        _insert_enterprise(actor=actor, enterprise=enterprise)
    return enterprise


def create_case(
    *,
    actor: Any,
    enterprise_data: EnterpriseInput | None = None,
    enterprise: Enterprise | None = None,
    case_data: CaseInput,
    acknowledge_warnings: bool = False,
    permission: str = "case.create",
) -> Case:
    """Put an enterprise on the dynamic list (一律纳入): creates the enterprise too when it is new.

    `permission` is what the actor needs in the enterprise's town: case.create for the form, the API and imports;
    the look-back lists what an inspection found under inspection.record (a finding goes onto the list).
    """
    scope = scope_for(actor)
    permissions.require(scope, permission)
    campaign = case_data.campaign or current_campaign()
    if campaign is None:
        raise ValidationFailed("系统中没有进行中的专项行动，请管理员先建立专项行动")
    errors: dict[str, list[str]] = {}
    warnings: list[rules.Warning] = []
    now = clock.now()
    with transaction.atomic():
        if enterprise is None:
            if enterprise_data is None:
                raise ValidationFailed("请填写企业信息")
            enterprise = Enterprise(created_at=now, updated_at=now)
            _point, warnings = _apply_enterprise(
                actor=actor, enterprise=enterprise, data=enterprise_data, errors=errors, permission=permission
            )
        else:
            permissions.require(scope, permission, town_id=enterprise.town_id)
        case = Case(campaign=campaign, created_at=now, updated_at=now, created_by=actor if actor.pk else None)
        _apply_case(case=case, data=case_data, errors=errors)
        _raise(errors, warnings, acknowledge_warnings)
        if enterprise.pk is None:
            _insert_enterprise(actor=actor, enterprise=enterprise)
        case.enterprise = enterprise
        case.town_id = enterprise.town_id
        case.search_text = case_search_text(enterprise.search_text, case.responsible_person)
        _full_clean(case, exclude=["enterprise", "campaign"])
        case.save()
        note = "；".join(w["message"] for w in (w.as_dict() for w in warnings))
        record_event(
            actor=actor,
            action="registry.case.created",
            obj=case,
            town_id=case.town_id,
            changes=diff_fields({}, snapshot(case, CASE_AUDITED)),
            note=f"已核实提示：{note}" if note else "",
        )
    return case


def update_case(
    *,
    actor: Any,
    case: Case,
    enterprise_data: EnterpriseInput,
    case_data: CaseInput,
    expected_version: int | None = None,
    acknowledge_warnings: bool = False,
) -> Case:
    """Edit the 附件2 row (enterprise and case columns together); refuses if someone saved in between."""
    scope = scope_for(actor)
    permissions.require(scope, "case.edit", town_id=case.town_id)
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",), no_key=True).select_related("enterprise").get(pk=case.pk)
        enterprise = Enterprise.objects.select_for_update(no_key=True).get(pk=case.enterprise_id)
        town_before = case.town_id
        check_not_closed(case)
        if expected_version is not None and expected_version != case.version:
            raise Conflict("该记录已被他人修改，请刷新页面后重新编辑（您的输入未保存，请先复制）")
        ent_before = snapshot(enterprise, ENTERPRISE_AUDITED)
        case_before = snapshot(case, CASE_AUDITED)
        _point, warnings = _apply_enterprise(
            actor=actor, enterprise=enterprise, data=enterprise_data, errors=errors, permission="case.edit"
        )
        # Warnings already seen at creation are not raised again unless the name or place changed.
        ent_after = snapshot(enterprise, ENTERPRISE_AUDITED)
        if not ({"name", "longitude", "latitude", "town"} & diff_fields(ent_before, ent_after).keys()):
            warnings = []
        _apply_case(case=case, data=case_data, errors=errors)
        if case.status in workflow.CONFIRMED_STATUSES:
            for name in workflow.CONFIRMED_FIELDS:
                if diff_fields({name: case_before.get(name)}, snapshot(case, [name])):
                    _add(errors, name, workflow.CONFIRMED_MESSAGE)
        _raise(errors, warnings, acknowledge_warnings)
        now = clock.now()
        ent_changes = diff_fields(ent_before, ent_after)
        if ent_changes:
            enterprise.version += 1
            enterprise.updated_at = now
            _full_clean(enterprise)
            _save_or_conflict(enterprise)
            record_event(actor=actor, action="registry.enterprise.updated", obj=enterprise, changes=ent_changes)
            _update_cases_of(enterprise, exclude_id=case.pk)
        case.enterprise = enterprise
        case.town_id = enterprise.town_id
        case.search_text = case_search_text(enterprise.search_text, case.responsible_person)
        case_changes = diff_fields(case_before, snapshot(case, CASE_AUDITED))
        if case_changes or ent_changes:
            case.version += 1
            case.updated_at = now
            _full_clean(case, exclude=["enterprise", "campaign"])
            case.save()
        if case_changes:
            # A case moved to another town names no town: both towns' remembered lists change (audit.memo).
            record_event(actor=actor, action="registry.case.updated", obj=case, changes=case_changes,
                         town_id=case.town_id if case.town_id == town_before else None)  # fmt: skip
    return case


def update_enterprise(
    *,
    actor: Any,
    enterprise: Enterprise,
    data: EnterpriseInput,
    expected_version: int | None = None,
    acknowledge_warnings: bool = False,
) -> Enterprise:
    """Edit an enterprise's own columns; its cases follow its town and search text."""
    permissions.require(scope_for(actor), "enterprise.edit", town_id=enterprise.town_id)
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update(no_key=True).get(pk=enterprise.pk)
        if closed_enterprises(enterprise_ids=[enterprise.pk]):
            raise TransitionNotAllowed(CLOSED_ENTERPRISE_MESSAGE)
        if expected_version is not None and expected_version != enterprise.version:
            raise Conflict("该企业已被他人修改，请刷新后重新编辑")
        before = snapshot(enterprise, ENTERPRISE_AUDITED)
        _point, warnings = _apply_enterprise(
            actor=actor, enterprise=enterprise, data=data, errors=errors, permission="enterprise.edit"
        )
        changes = diff_fields(before, snapshot(enterprise, ENTERPRISE_AUDITED))
        if not ({"name", "longitude", "latitude", "town"} & changes.keys()):
            warnings = []
        _raise(errors, warnings, acknowledge_warnings)
        if changes:
            enterprise.version += 1
            enterprise.updated_at = clock.now()
            _full_clean(enterprise)
            _save_or_conflict(enterprise)
            record_event(actor=actor, action="registry.enterprise.updated", obj=enterprise, changes=changes)
            if "credit_code" in changes:
                _flag_credit_code_clash(actor=actor, enterprise=enterprise)
            _update_cases_of(enterprise)
    return enterprise


# Steps with an audit code of their own (the security review looks for withdrawals of records).
_TRANSITION_EVENTS = {"withdraw": "registry.case.withdrawn", "restore": "registry.case.restored"}


def transition_case(
    *,
    actor: Any,
    case: Case,
    action: str,
    note: str = "",
    via: str = "",
    assigned: bool = False,
    stage: str | None = None,
    values: dict[str, Any] | None = None,
) -> Case:
    """Move a case along the workflow table (workflow.py); one audit event with old → new status and one status-history
    row. A step that needs a record (the stop, the confirmed type, the review, the sign-off) is taken only by the app
    that keeps the record (`via`), in its transaction; it may say the actor acts on a case assigned to their unit
    (`assigned`), set the derived stage and the type and planned date the lead department confirmed (`values`)."""
    scope = scope_for(actor)
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise TransitionNotAllowed(f"未知操作：{action}")
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",), no_key=True).select_related("enterprise").get(pk=case.pk)
        permissions.require(scope, transition.permission, town_id=case.town_id, assigned=assigned)
        if transition.via and via != transition.via:
            raise TransitionNotAllowed(f"“{transition.label}”不能直接办理：{transition.via_hint}")
        if case.status not in transition.sources:
            raise TransitionNotAllowed(f"当前状态为“{case.get_status_display()}”，不能执行“{transition.label}”")
        before = snapshot(case, CASE_AUDITED)
        for name, value in (values or {}).items():
            if name not in ("remediation_type", "planned_completion"):
                raise ValueError(f"transition_case cannot set {name}")
            setattr(case, name, value)
        if transition.guard and (problem := transition.guard(case)):
            raise TransitionNotAllowed(problem)
        note = clean_text(note)
        if transition.needs_note and not note:
            raise ValidationFailed({"note": [f"“{transition.label}”需要填写说明"]})
        if transition.needs_note and (refusal := unsaid(note, f"“{transition.label}”的说明")):
            raise ValidationFailed({"note": [refusal]})
        if len(note) > TRANSITION_NOTE_CHARS:
            raise ValidationFailed({"note": [f"说明不超过 {TRANSITION_NOTE_CHARS} 字（现为 {len(note)} 字）"]})
        now = clock.now()
        from_status = case.status
        case.status = transition.target
        case.closed_on = clock.today() if transition.target == CaseStatus.CLOSED else None
        if stage is not None or not transition.via:
            case.stage = (stage or "")[:40]  # a plain step (reopening) starts the derived words afresh
        case.version += 1
        case.updated_at = now
        if values:
            _full_clean(case, exclude=["enterprise", "campaign"])
        case.save(update_fields=["status", "closed_on", "stage", "version", "updated_at", *(values or {})])
        _record_status(case=case, from_status=from_status, actor=actor, action=transition.action, at=now, note=note)
        record_event(
            actor=actor,
            action=_TRANSITION_EVENTS.get(transition.action, "registry.case.transitioned"),
            obj=case,
            town_id=case.town_id,  # a step of the workflow never moves a case
            changes=diff_fields(before, snapshot(case, CASE_AUDITED)),
            note=f"{transition.label}{'：' + note if note else ''}",
        )
    return case


def set_remediation_type(
    *, actor: Any, case: Case, remediation_type: str, planned_completion: dt.date, via: str, assigned: bool = False
) -> Case:
    """The lead department's confirmed type and date on a case already under remediation (a rectification turned
    into a shutdown): only the remediation app (`via`) sets them, audited like an edit."""
    if via != "remediation":
        raise TransitionNotAllowed("整治类型由牵头部门在“整治工作”中确认")
    permissions.require(scope_for(actor), "case.start_remediation", town_id=case.town_id, assigned=assigned)
    with transaction.atomic():
        case = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
        check_not_closed(case)
        before = snapshot(case, CASE_AUDITED)
        case.remediation_type, case.planned_completion = remediation_type, planned_completion
        _full_clean(case, exclude=["enterprise", "campaign"])
        case.version += 1
        case.updated_at = clock.now()
        case.save(update_fields=["remediation_type", "planned_completion", "version", "updated_at"])
        record_event(actor=actor, action="registry.case.updated", obj=case, town_id=case.town_id,
                     changes=diff_fields(before, snapshot(case, CASE_AUDITED)), note="牵头部门确认整治类型")  # fmt: skip
    return case


def set_stage(*, case_id: int, stage: str) -> None:
    """The derived 整治进度 words of a case whose status did not change (a task done: 两断三清进行中（3/5））. Written by
    the remediation services in their transaction; not a user's edit, so the case's version stays."""
    Case.objects.filter(pk=case_id).update(stage=stage[:40])


def record_baseline(
    *,
    actor: Any,
    enterprise: Enterprise,
    method: str,
    method_text: str = "",
    completed_on: dt.date | None = None,
    batch: str = "2018-2019年集中整治",
) -> BaselineRecord:
    """Register how an enterprise was remediated in the 2018-2019 campaign (the look-back's list)."""
    permissions.require(scope_for(actor), "baseline.record", town_id=enterprise.town_id)
    if method not in BaselineMethod.values:
        raise ValidationFailed({"method": ["整治方式应为关停取缔、治理改造、整合搬迁或其他"]})
    if message := params.date_error(completed_on, "完成时间"):
        raise ValidationFailed({"completed_on": [message]})
    with transaction.atomic():
        record = BaselineRecord.objects.create(
            enterprise=enterprise,
            batch=batch,
            method=method,
            method_text=method_text or "",
            completed_on=completed_on,
            created_at=clock.now(),
        )
        record_event(
            actor=actor,
            action="registry.baseline.created",
            obj=record,
            changes=diff_fields({}, snapshot(record, ["batch", "method", "method_text", "completed_on"])),
        )
    return record


# Why a clear number was needed: said by the user, kept in the audit event.
REASON_CHARS = 200


def _reason(reason: str) -> str:
    return accounts_services.personal_data_reason(reason)


def reveal_enterprise_phone(*, actor: Any, enterprise: Enterprise, reason: str) -> str:
    """The clear phone number of an enterprise, for a user allowed to see it in its town; every reveal is a
    security event (who, which enterprise, why), written even when nothing else changes (accounts' one reveal)."""
    return accounts_services.reveal_personal_field(actor=actor, record=enterprise, field="phone",
                                                   town_id=enterprise.town_id, reason=reason)  # fmt: skip


def check_export(*, actor: Any, unmasked: bool, reason: str, town_id: int | None = None) -> None:
    """Refuse an unmasked export before the file is written: export.unmasked (in `town_id`, the town the export is
    filtered to, when it is one) and a reason. A refusal for want of the permission is a security event itself (who
    tried to take personal data in clear, and why they could not), committed before the 403; a missing reason is
    a form error, not recorded."""
    if not unmasked:
        return
    denied = permissions.denial(scope_for(actor), "export.unmasked", town_id=town_id)
    if denied:
        if getattr(actor, "pk", None):
            with transaction.atomic():
                said = clean_text(reason or "")[:REASON_CHARS]
                record_event(actor=actor, action="registry.export.refused", obj=actor,
                             changes={"unmasked": [None, True], "town": [None, town_id]},
                             note=f"拒绝导出完整个人信息：{denied}" + (f"；填写的原因：{said}" if said else ""),
                             result="failure")  # fmt: skip
        raise PermissionDenied(denied)
    _reason(reason)


def record_export(
    *, actor: Any, kind: str, filename: str, sha256: str, rows: int | None, unmasked: bool = False, reason: str = "",
    about: Any = None,
) -> None:  # fmt: skip
    """Every export is a security event (one per file, however many rows): what, how many rows (None for a document
    that is no table: a work plan, a draft brief), the file's SHA-256, and whether it held personal data in clear,
    which needs export.unmasked and a reason. The event is filed under the actor's account, or under `about` (a record)
    for an actor that is no account (the server operator running a command)."""
    scope = scope_for(actor)
    why = ""
    if unmasked:
        permissions.require(scope, "export.unmasked")
        why = _reason(reason)
    with transaction.atomic():
        record_event(
            actor=actor, action="registry.export.unmasked" if unmasked else "registry.export.created",
            obj=about if about is not None else actor,
            changes={"kind": [None, kind], "filename": [None, filename], "sha256": [None, sha256],
                     "rows": [None, rows], "unmasked": [None, unmasked]},
            note=why,
        )  # fmt: skip
