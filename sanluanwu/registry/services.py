"""The only way enterprises and cases change: keyword-only, actor required, one transaction, audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sanluanwu.accounts.choices import OrgUnitKind
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.scope import scope_for
from sanluanwu.audit.services import diff_fields, record_event, snapshot
from sanluanwu.campaigns.models import Campaign
from sanluanwu.campaigns.queries import current_campaign
from sanluanwu.core import clock, geo
from sanluanwu.core.errors import (
    Conflict,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
    WarningsNotAcknowledged,
)
from sanluanwu.core.text import clean_text, name_key, search_text, to_halfwidth
from sanluanwu.registry import rules
from sanluanwu.registry.choices import BaselineMethod, CaseStatus, LicenceStatus
from sanluanwu.registry.models import (
    CASE_AUDITED,
    ENTERPRISE_AUDITED,
    BaselineRecord,
    Case,
    Enterprise,
)
from sanluanwu.registry.workflow import TRANSITIONS, role_allows


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


def _apply_enterprise(
    *, actor: Any, enterprise: Enterprise, data: EnterpriseInput, errors: dict[str, list[str]]
) -> tuple[geo.Point | None, list[rules.Warning]]:
    """Validate the input and copy it onto the (unsaved or existing) enterprise; collect errors."""
    scope = scope_for(actor)
    name = clean_text(data.name)
    legal_person = clean_text(data.legal_person)
    industry = clean_text(data.industry)
    credit_code = to_halfwidth(clean_text(data.credit_code)).upper()
    phone = to_halfwidth(clean_text(data.phone)).replace(" ", "")
    if data.town is None or data.town.kind != OrgUnitKind.TOWN:
        _add(errors, "town", "请选择所属镇（街道、开发区）")
    elif not scope.can_write_town(data.town.pk):
        _add(errors, "town", f"您无权在{data.town.name}登记企业")
    for fname, value, label in (
        ("name", name, "企业名称"),
        ("industry", industry, "行业类别"),
        ("address", clean_text(data.address), "详细地址"),
        ("legal_person", legal_person, "企业法人或负责人"),
    ):
        if not value:
            _add(errors, fname, f"请填写{label}")
    if data.licence_status not in LicenceStatus.values:
        _add(errors, "licence_status", "请选择营业执照办理情况（已办理、正在办理或未办理）")
    if name and legal_person:
        _add(
            errors,
            "name",
            rules.check_workshop_name(
                name=name, licence_status=data.licence_status, legal_person=legal_person, industry=industry
            ),
        )
    _add(errors, "credit_code", rules.check_credit_code(credit_code))
    _add(errors, "phone", rules.check_phone(phone))
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

    enterprise.name = name
    enterprise.name_key = name_key(name)
    enterprise.industry = industry
    enterprise.address = clean_text(data.address)
    if data.town is not None:
        enterprise.town = data.town
    enterprise.village = clean_text(data.village)
    enterprise.legal_person = legal_person
    enterprise.phone = phone
    enterprise.credit_code = credit_code
    enterprise.licence_status = data.licence_status
    enterprise.coord_datum = data.coord_datum
    enterprise.coord_input = coord_text
    if point is not None:
        enterprise.longitude, enterprise.latitude = point.lon, point.lat
    enterprise.search_text = search_text(name, enterprise.address, legal_person)

    if name and data.town is not None and "town" not in errors:
        same = Enterprise.objects.filter(town=data.town, name_key=enterprise.name_key).exclude(pk=enterprise.pk)
        if same.exists():
            _add(errors, "name", f"{data.town.name}已有同名企业“{name}”，同一镇（街道）内企业名称不能重复")
        if credit_code and Enterprise.objects.filter(credit_code=credit_code).exclude(pk=enterprise.pk).exists():
            _add(errors, "credit_code", "该统一社会信用代码已登记在另一家企业")
    warnings: list[rules.Warning] = []
    if not errors and data.town is not None:
        warnings = rules.duplicate_warnings(
            scope=scope, name=name, town=data.town, point=point, exclude_id=enterprise.pk,
            legal_person=legal_person, phone=phone, credit_code=credit_code, village=enterprise.village,
        )  # fmt: skip
    return point, warnings


def _apply_case(*, case: Case, data: CaseInput, errors: dict[str, list[str]]) -> None:
    from sanluanwu.registry.choices import LookbackCategory, RemediationType

    if data.lookback_category not in LookbackCategory.values:
        _add(errors, "lookback_category", "请选择“回头看”四种排查类型之一（第一类至第四类）")
    if data.remediation_type and data.remediation_type not in RemediationType.values:
        _add(errors, "remediation_type", "整治类型只能是关停取缔或治理改造")
    responsible = clean_text(data.responsible_person)
    if not responsible:
        _add(errors, "responsible_person", "请填写责任人")
    listed_on = data.listed_on or case.listed_on or clock.today()
    _add(errors, "planned_completion", rules.check_planned_completion(data.planned_completion, listed_on))
    case.lookback_category = data.lookback_category
    case.env_problems = (data.env_problems or "").strip()
    case.safety_problems = (data.safety_problems or "").strip()
    case.other_problems = (data.other_problems or "").strip()
    case.remediation_type = data.remediation_type or ""
    case.planned_completion = data.planned_completion
    case.listed_on = listed_on
    case.progress_note = (data.progress_note or "").strip()
    case.responsible_person = responsible


def _raise(errors: dict[str, list[str]], warnings: list[rules.Warning], acknowledge: bool) -> None:
    if errors:
        raise ValidationFailed(errors)
    if warnings and not acknowledge:
        raise WarningsNotAcknowledged(
            {"__all__": ["请核实以下提示；确认无误后勾选“已核实，仍然保存”再提交"]},
            warnings=[w.as_dict() for w in warnings],
        )


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


def _insert_enterprise(*, actor: Any, enterprise: Enterprise) -> None:
    _full_clean(enterprise)
    _save_or_conflict(enterprise)
    record_event(
        actor=actor,
        action="registry.enterprise.created",
        obj=enterprise,
        changes=diff_fields({}, snapshot(enterprise, ENTERPRISE_AUDITED)),
    )


def create_enterprise(*, actor: Any, data: EnterpriseInput, acknowledge_warnings: bool = False) -> Enterprise:
    """Register an enterprise without listing it (e.g. one remediated in 2018-2019)."""
    if not scope_for(actor).can_write_cases:
        raise PermissionDenied("您的角色不能登记企业")
    errors: dict[str, list[str]] = {}
    now = clock.now()
    with transaction.atomic():
        enterprise = Enterprise(created_at=now, updated_at=now)
        _point, warnings = _apply_enterprise(actor=actor, enterprise=enterprise, data=data, errors=errors)
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
) -> Case:
    """Put an enterprise on the dynamic list (一律纳入): creates the enterprise too when it is new."""
    scope = scope_for(actor)
    if not scope.can_write_cases:
        raise PermissionDenied("您的角色不能登记整治对象")
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
                actor=actor, enterprise=enterprise, data=enterprise_data, errors=errors
            )
        elif not scope.can_write_town(enterprise.town_id):
            raise PermissionDenied("您无权为该企业登记整治对象")
        case = Case(campaign=campaign, created_at=now, updated_at=now, created_by=actor if actor.pk else None)
        _apply_case(case=case, data=case_data, errors=errors)
        _raise(errors, warnings, acknowledge_warnings)
        if enterprise.pk is None:
            _insert_enterprise(actor=actor, enterprise=enterprise)
        case.enterprise = enterprise
        case.town_id = enterprise.town_id
        case.search_text = enterprise.search_text
        _full_clean(case, exclude=["enterprise", "campaign"])
        case.save()
        note = "；".join(w["message"] for w in (w.as_dict() for w in warnings))
        record_event(
            actor=actor,
            action="registry.case.created",
            obj=case,
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
    if not scope.can_write_town(case.town_id):
        raise PermissionDenied("您无权修改该整治对象")
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("enterprise").get(pk=case.pk)
        enterprise = Enterprise.objects.select_for_update().get(pk=case.enterprise_id)
        if expected_version is not None and expected_version != case.version:
            raise Conflict("该记录已被他人修改，请刷新页面后重新编辑（您的输入未保存，请先复制）")
        ent_before = snapshot(enterprise, ENTERPRISE_AUDITED)
        case_before = snapshot(case, CASE_AUDITED)
        _point, warnings = _apply_enterprise(actor=actor, enterprise=enterprise, data=enterprise_data, errors=errors)
        # Warnings already seen at creation are not raised again unless the name or place changed.
        ent_after = snapshot(enterprise, ENTERPRISE_AUDITED)
        if not ({"name", "longitude", "latitude", "town"} & diff_fields(ent_before, ent_after).keys()):
            warnings = []
        _apply_case(case=case, data=case_data, errors=errors)
        _raise(errors, warnings, acknowledge_warnings)
        now = clock.now()
        ent_changes = diff_fields(ent_before, ent_after)
        if ent_changes:
            enterprise.version += 1
            enterprise.updated_at = now
            _full_clean(enterprise)
            _save_or_conflict(enterprise)
            record_event(actor=actor, action="registry.enterprise.updated", obj=enterprise, changes=ent_changes)
            Case.objects.filter(enterprise=enterprise).exclude(pk=case.pk).update(
                town_id=enterprise.town_id, search_text=enterprise.search_text
            )
        case.enterprise = enterprise
        case.town_id = enterprise.town_id
        case.search_text = enterprise.search_text
        case_changes = diff_fields(case_before, snapshot(case, CASE_AUDITED))
        if case_changes or ent_changes:
            case.version += 1
            case.updated_at = now
            _full_clean(case, exclude=["enterprise", "campaign"])
            case.save()
        if case_changes:
            record_event(actor=actor, action="registry.case.updated", obj=case, changes=case_changes)
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
    if not scope_for(actor).can_write_town(enterprise.town_id):
        raise PermissionDenied("您无权修改该企业")
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        if expected_version is not None and expected_version != enterprise.version:
            raise Conflict("该企业已被他人修改，请刷新后重新编辑")
        before = snapshot(enterprise, ENTERPRISE_AUDITED)
        _point, warnings = _apply_enterprise(actor=actor, enterprise=enterprise, data=data, errors=errors)
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
            Case.objects.filter(enterprise=enterprise).update(
                town_id=enterprise.town_id, search_text=enterprise.search_text
            )
    return enterprise


def transition_case(*, actor: Any, case: Case, action: str, note: str = "") -> Case:
    """Move a case along the workflow table (workflow.py); one audit event with old → new status."""
    scope = scope_for(actor)
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise TransitionNotAllowed(f"未知操作：{action}")
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("enterprise").get(pk=case.pk)
        if not role_allows(transition, scope, case):
            raise PermissionDenied(f"您无权执行“{transition.label}”")
        if case.status not in transition.sources:
            raise TransitionNotAllowed(f"当前状态为“{case.get_status_display()}”，不能执行“{transition.label}”")
        if transition.guard and (problem := transition.guard(case)):
            raise TransitionNotAllowed(problem)
        note = clean_text(note)
        if transition.needs_note and not note:
            raise ValidationFailed({"note": [f"“{transition.label}”需要填写说明"]})
        before = snapshot(case, CASE_AUDITED)
        case.status = transition.target
        case.closed_on = clock.today() if transition.target == CaseStatus.CLOSED else None
        case.version += 1
        case.updated_at = clock.now()
        case.save(update_fields=["status", "closed_on", "version", "updated_at"])
        record_event(
            actor=actor,
            action="registry.case.transitioned",
            obj=case,
            changes=diff_fields(before, snapshot(case, CASE_AUDITED)),
            note=f"{transition.label}{'：' + note if note else ''}",
        )
    return case


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
    if not scope_for(actor).can_write_town(enterprise.town_id):
        raise PermissionDenied("您无权登记该企业的集中整治记录")
    if method not in BaselineMethod.values:
        raise ValidationFailed({"method": ["整治方式应为关停取缔、治理改造、整合搬迁或其他"]})
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
