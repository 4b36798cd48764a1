"""Look-back use cases: plan the places (逐企), record inspections, submit them onto the dynamic list."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from sanluanwu.accounts import permissions
from sanluanwu.accounts.choices import Role
from sanluanwu.accounts.models import OrgUnit, User
from sanluanwu.accounts.scope import scope_for
from sanluanwu.audit.queries import actions_since
from sanluanwu.audit.services import diff_fields, record_event, snapshot
from sanluanwu.campaigns.models import Campaign
from sanluanwu.core import clock, geo, params, photos
from sanluanwu.core.errors import Conflict, TooManyTries, TransitionNotAllowed, ValidationFailed
from sanluanwu.core.masking import PERSONAL_FIELDS, AmbiguousMask, mask_phone, restore_masked
from sanluanwu.core.text import clean_multiline, clean_text, strip_controls
from sanluanwu.core.withdrawal import ACTIVE, clean_reason, mark_restored, mark_withdrawn, refuse_if_withdrawn
from sanluanwu.lookback import checklist
from sanluanwu.lookback.choices import Answer, InspectionResult, InspectionStatus, PlaceKind, TargetStatus
from sanluanwu.lookback.models import Amendment, ChecklistAnswer, Inspection, Photo, Target
from sanluanwu.registry import columns, rules, validation
from sanluanwu.registry import services as registry
from sanluanwu.registry.choices import OPEN_STATUSES, LicenceStatus
from sanluanwu.registry.models import BaselineRecord, Case, Enterprise
from sanluanwu.registry.queries import similar_enterprises
from sanluanwu.registry.similarity import Find, Match

DISTANCE_WARNING_M = 200.0
INSPECTION_AUDITED = ["status", "inspected_at", "inspectors", "longitude", "latitude", "accuracy_m", "distance_m",
                      "distance_reason", "result", "env_problems", "safety_problems", "other_problems",
                      "derived_category", "category", "category_reason", "new_name", "new_legal_person", "new_phone",
                      "new_industry", "new_credit_code"]  # fmt: skip


def _require(actor: Any, code: str, town_id: int) -> None:
    """The permission table (accounts/permissions.py) in the place's town; PermissionDenied with the reason."""
    permissions.require(scope_for(actor), code, town_id=town_id)


# Comparing a new find's phone with the town's records says whether a number is one of them ("联系电话相同", "仅差一位"):
# whoever may not reveal a number could otherwise learn it by guessing. For them each comparison is a security event,
# and at most this many are made an hour.
PHONE_COMPARISONS_PER_HOUR = 30
PHONE_COMPARED = "lookback.find.phone_compared"


def find_candidates(*, actor: Any, find: Find) -> Match:
    """Is this new find already known? For those who record finds in its town (the candidates API); see
    PHONE_COMPARISONS_PER_HOUR."""
    scope = scope_for(actor)
    if find.town_id is None:
        raise ValidationFailed({"town": ["请提供镇（街道）编号"]})
    _require(actor, "inspection.record", find.town_id)
    if find.phone.strip() and not permissions.allows(scope, "person.reveal", town_id=find.town_id):
        with transaction.atomic():
            # One comparison at a time per user (the user's row locked on PostgreSQL; SQLite writes one at a time):
            # thirty requests sent at once must not each count the same twenty-nine.
            list(User.objects.select_for_update(no_key=True).filter(pk=actor.pk).values_list("pk", flat=True))
            since = clock.now() - dt.timedelta(hours=1)
            if actions_since(actor=actor, action=PHONE_COMPARED, since=since) >= PHONE_COMPARISONS_PER_HOUR:
                raise TooManyTries(f"一小时内按联系电话比对已达 {PHONE_COMPARISONS_PER_HOUR} 次，请稍后再试；"
                                   "不填联系电话仍可按名称、负责人和位置比对")  # fmt: skip
            town = OrgUnit.objects.get(pk=find.town_id)
            record_event(actor=actor, action=PHONE_COMPARED, obj=town, town_id=town.pk,
                         note=f"按联系电话 {mask_phone(find.phone)} 比对新发现企业是否已在册")  # fmt: skip
    return similar_enterprises(scope, find)


PHONE_NOT_COMPARED = ("一小时内按联系电话比对已达 {n} 次：本次未按联系电话比对，只按名称、负责人、信用代码和位置比对相似企业；"
                      "请稍后再看")  # fmt: skip


def candidates_for_page(*, actor: Any, find: Find) -> tuple[Match | None, str]:
    """The inspection page's "is this find already known?": the same check as the candidates API (find_candidates:
    audited and bounded for those who may not reveal numbers, so the page is no phone oracle either), for those who
    record finds in its town (None for a reader). Past the bound the page still compares without the phone, and
    says so (the second value)."""
    if find.town_id is None or not permissions.allows(scope_for(actor), "inspection.record", town_id=find.town_id):
        return None, ""
    try:
        return find_candidates(actor=actor, find=find), ""
    except TooManyTries:
        without_phone = dataclasses.replace(find, phone="")
        return find_candidates(actor=actor, find=without_phone), PHONE_NOT_COMPARED.format(n=PHONE_COMPARISONS_PER_HOUR)


def generate_targets(*, actor: Any, campaign: Campaign, town: OrgUnit) -> int:
    """One place to check for every 2018-2019 enterprise of the town (逐企); idempotent."""
    _require(actor, "lookback.plan", town.pk)
    now = clock.now()
    with transaction.atomic():
        done = set(Target.objects.filter(campaign=campaign, town=town, enterprise__isnull=False)
                   .values_list("enterprise_id", flat=True))  # fmt: skip
        records = (BaselineRecord.objects.filter(enterprise__town=town).select_related("enterprise")
                   .order_by("enterprise_id", "-completed_on", "-id"))  # fmt: skip
        new = []
        for record in records:
            e = record.enterprise
            if e.pk in done:
                continue
            done.add(e.pk)
            new.append(Target(campaign=campaign, town=town, kind=PlaceKind.BASELINE, enterprise=e,
                              baseline_record=record, name=e.name, address=e.address, village=e.village,
                              longitude=e.longitude, latitude=e.latitude, created_at=now))  # fmt: skip
        Target.objects.bulk_create(new, batch_size=2000)
        if new:
            record_event(actor=actor, action="lookback.targets.generated", obj=town,
                         changes={"targets": [None, len(new)]}, note=f"{campaign.name}：逐企生成回头看排查对象")  # fmt: skip
    return len(new)


def add_place(
    *,
    actor: Any,
    campaign: Campaign,
    town: OrgUnit,
    kind: str,
    name: str,
    address: str,
    coordinates: str = "",
    coord_datum: str = geo.DATUM_WGS84,
    village: str = "",
) -> Target:
    """A key place that is not on the baseline (废弃厂房、养殖场、闲置民房、出租房…)."""
    _require(actor, "lookback.add_place", town.pk)
    errors: dict[str, list[str]] = {}
    if kind not in PlaceKind.values or kind == PlaceKind.BASELINE:
        errors["kind"] = ["请选择场所类型（废弃厂房、养殖场、闲置民房、出租房或其他）"]
    if not clean_text(name):
        errors["name"] = ["请填写场所名称"]
    if refusal := validation.number_refusal("village", clean_text(village)):  # a find there becomes its enterprise's
        errors["village"] = [refusal]
    if not clean_text(address):
        errors["address"] = ["请填写地址"]
    point = None
    if clean_text(coordinates):
        try:
            point = geo.to_point(coordinates, coord_datum)
        except geo.CoordinateError as exc:
            errors["coordinates"] = [str(exc)]
        else:
            if message := rules.check_point_in_district(point):
                errors["coordinates"] = [message]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        target = Target.objects.create(
            campaign=campaign, town=town, kind=kind, name=clean_text(name), address=clean_text(address),
            village=clean_text(village), longitude=point.lon if point else None, latitude=point.lat if point else None,
            created_at=clock.now(),
        )  # fmt: skip
        record_event(actor=actor, action="lookback.target.created", obj=target,
                     changes=diff_fields({}, snapshot(target, ["kind", "name", "address", "longitude", "latitude"])))  # fmt: skip
    return target


def assign_targets(*, actor: Any, targets: list[Target], inspector: User) -> int:
    """Give places to an inspector of the same town."""
    inspector_towns = set(inspector.memberships.filter(role__in=[Role.TOWN_INSPECTOR, Role.TOWN_MANAGER])
                          .values_list("org_unit_id", flat=True))  # fmt: skip
    for target in targets:
        _require(actor, "lookback.assign", target.town_id)
        refuse_if_withdrawn(target, "排查对象")
        if target.town_id not in inspector_towns:
            raise ValidationFailed({"inspector": [f"{inspector.display_name}不是{target.town.name}的排查人员"]})
    with transaction.atomic():
        for target in targets:
            before = target.assigned_to.display_name if target.assigned_to else ""
            target.assigned_to = inspector
            target.save(update_fields=["assigned_to"])
            record_event(actor=actor, action="lookback.target.assigned", obj=target,
                         changes={"assigned_to": [before, inspector.display_name]})  # fmt: skip
    return len(targets)


@dataclass
class InspectionInput:
    inspected_at: dt.datetime | None = None
    inspectors: str = ""
    longitude: Decimal | float | None = None
    latitude: Decimal | float | None = None
    accuracy_m: float | None = None
    distance_reason: str = ""
    answers: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    env_problems: str | None = None  # None: write the checklist's findings
    safety_problems: str | None = None
    other_problems: str | None = None
    category: int | None = None  # a correction of the derived category, with a reason
    category_reason: str = ""
    new_name: str = ""
    new_legal_person: str = ""
    new_phone: str = ""
    new_industry: str = ""
    new_credit_code: str = ""


def applicable_items(target: Target) -> list[checklist.Item]:
    method = target.baseline_record.method if target.baseline_record_id else None  # type: ignore[union-attr]
    return checklist.items_for(target.kind, method)


def start_inspection(*, actor: Any, target: Target) -> Inspection:
    """The open draft of this place by this actor, or a new one."""
    _require(actor, "inspection.record", target.town_id)
    refuse_if_withdrawn(target, "排查对象")
    draft = Inspection.objects.filter(ACTIVE, target=target, status=InspectionStatus.DRAFT, created_by=actor).first()
    if draft:
        return draft
    with transaction.atomic():
        inspection = Inspection.objects.create(target=target, town_id=target.town_id, inspected_at=clock.now(),
                                               inspectors=actor.display_name, created_by=actor, created_at=clock.now())  # fmt: skip
        record_event(actor=actor, action="lookback.inspection.started", obj=inspection)
    return inspection


# Where a position or its accuracy can be: China (core.geo) and what a phone reports.
NUMBER_BOUNDS = {
    "longitude": (*geo.LON_RANGE, "经度应在 73～136 之间"),
    "latitude": (*geo.LAT_RANGE, "纬度应在 3～54 之间"),
    "accuracy_m": (*params.ACCURACY_RANGE, "定位精度应在 0～100000 米之间"),
}
TEXT_FIELDS = ["inspectors", "distance_reason", "category_reason", "new_name", "new_legal_person", "new_phone",
               "new_industry", "new_credit_code"]  # fmt: skip


PROBLEM_FIELDS = ["env_problems", "safety_problems", "other_problems"]


def _max_length(name: str) -> int | None:
    """A column's limit; the three problem texts go onto the case, so they hold what its 附件2 columns hold."""
    if name in PROBLEM_FIELDS:
        return columns.BY_KEY[name].max_length
    return getattr(Inspection._meta.get_field(name), "max_length", None)


def _check_input(data: InspectionInput, errors: dict[str, list[str]]) -> None:
    """Numbers finite and where they can be, texts within their columns: refused here, whoever calls."""
    for name, (lo, hi, message) in NUMBER_BOUNDS.items():
        value = getattr(data, name)
        if value is not None and params.finite_float(value, lo=lo, hi=hi) is None:
            errors[name] = [message]
    for name in TEXT_FIELDS:
        limit = _max_length(name)
        value = getattr(data, name)
        if not isinstance(value, str):
            errors[name] = ["请填写文字"]
        elif limit and len(value) > limit:
            errors[name] = [f"不超过 {limit} 个字"]
    for name in PROBLEM_FIELDS:
        value = getattr(data, name)
        limit = _max_length(name)
        if value is not None and (not isinstance(value, str) or (limit and len(value) > limit)):
            errors[name] = [f"请填写文字，不超过 {limit} 个字"]
    for code, note in data.notes.items():
        if not isinstance(note, str) or len(note) > 500:
            errors.setdefault(f"note_{code}", []).append("说明应为文字，不超过 500 个字")


def _personal() -> dict[str, str]:
    """lookback.inspection's personal fields and their kinds (registered in apps.py: core.masking)."""
    return {field: kind for (label, field), kind in PERSONAL_FIELDS.items() if label == "lookback.inspection"}


def _apply(inspection: Inspection, data: InspectionInput, errors: dict[str, list[str]]) -> None:
    before = {name: getattr(inspection, name) for name in _personal()}
    target = inspection.target
    items = applicable_items(target)
    codes = {i.code for i in items}
    _check_input(data, errors)
    if errors:
        return
    for code, answer in data.answers.items():
        if code not in codes:
            errors.setdefault("answers", []).append(f"检查项“{code}”不适用于该场所")
        elif answer not in Answer.values:
            errors.setdefault(f"answer_{code}", []).append("请回答是、否或不适用")
    if data.inspected_at:
        if data.inspected_at > clock.now() + dt.timedelta(minutes=10):
            errors["inspected_at"] = ["检查时间不能晚于现在"]
        elif message := params.date_error(data.inspected_at, "检查时间"):
            errors["inspected_at"] = [message]
        else:
            inspection.inspected_at = data.inspected_at
    inspection.inspectors = clean_text(data.inspectors) or inspection.inspectors
    if data.longitude is not None and data.latitude is not None:
        inspection.longitude = Decimal(f"{float(data.longitude):.6f}")
        inspection.latitude = Decimal(f"{float(data.latitude):.6f}")
        inspection.accuracy_m = data.accuracy_m
        if target.longitude is not None and target.latitude is not None:
            inspection.distance_m = round(geo.distance_m(float(data.longitude), float(data.latitude),
                                                         float(target.longitude), float(target.latitude)), 1)  # fmt: skip
    inspection.distance_reason = clean_text(data.distance_reason)
    answers = {code: a for code, a in data.answers.items() if code in codes}
    found = checklist.findings(answers, data.notes, items)
    inspection.env_problems = found["env"] if data.env_problems is None else clean_multiline(data.env_problems)
    inspection.safety_problems = (
        found["safety"] if data.safety_problems is None else clean_multiline(data.safety_problems)
    )
    inspection.other_problems = found["other"] if data.other_problems is None else clean_multiline(data.other_problems)
    inspection.derived_category = checklist.derive_category(answers, items)
    inspection.result = InspectionResult.PROBLEMS_FOUND if inspection.derived_category else (
        InspectionResult.NO_PROBLEM if answers else "")  # fmt: skip
    inspection.category = data.category or inspection.derived_category
    inspection.category_reason = clean_text(data.category_reason)
    for name in ("new_name", "new_legal_person", "new_phone", "new_industry", "new_credit_code"):
        setattr(inspection, name, clean_text(getattr(data, name)))
    _restore_masked(inspection, before)


def _restore_masked(inspection: Inspection, before: dict[str, Any]) -> None:
    """A personal field sent back as the form or the API showed it (its numbers masked), whole or edited around the
    numbers, keeps the stored numbers (core.masking.restore_masked): never asterisks over a number."""
    errors: dict[str, list[str]] = {}
    for name, kind in _personal().items():
        try:
            setattr(inspection, name, restore_masked(getattr(inspection, name), before.get(name), kind))
        except AmbiguousMask as exc:
            errors[name] = [exc.message]
    if errors:
        raise ValidationFailed(errors)


def _save_answers(inspection: Inspection, data: InspectionInput) -> None:
    codes = {i.code for i in applicable_items(inspection.target)}
    ChecklistAnswer.objects.filter(inspection=inspection).delete()
    ChecklistAnswer.objects.bulk_create([
        ChecklistAnswer(inspection=inspection, item=code, answer=answer, note=clean_text(data.notes.get(code, "")))
        for code, answer in data.answers.items() if code in codes and answer in Answer.values
    ])  # fmt: skip


def draft_input(inspection: Inspection) -> InspectionInput:
    """What a draft holds now, as an input: a partial change (the API's PATCH) starts from it, so a field not sent
    keeps its value. A problem text still equal to what the checklist writes stays "written by the checklist"."""
    stored = list(inspection.answers.all())
    answers = {a.item: a.answer for a in stored}
    notes = {a.item: a.note for a in stored if a.note}
    found = checklist.findings(answers, notes, applicable_items(inspection.target))
    return InspectionInput(
        inspected_at=inspection.inspected_at, inspectors=inspection.inspectors, longitude=inspection.longitude,
        latitude=inspection.latitude, accuracy_m=inspection.accuracy_m, distance_reason=inspection.distance_reason,
        answers=answers, notes=notes,
        env_problems=None if inspection.env_problems == found["env"] else inspection.env_problems,
        safety_problems=None if inspection.safety_problems == found["safety"] else inspection.safety_problems,
        other_problems=None if inspection.other_problems == found["other"] else inspection.other_problems,
        category=None if inspection.category == inspection.derived_category else inspection.category,
        category_reason=inspection.category_reason, new_name=inspection.new_name,
        new_legal_person=inspection.new_legal_person, new_phone=inspection.new_phone,
        new_industry=inspection.new_industry, new_credit_code=inspection.new_credit_code,
    )  # fmt: skip


def _check_version(inspection: Inspection, version: int | None) -> None:
    if version is not None and version != inspection.version:
        raise Conflict(f"该检查草稿已被修改（当前版本 {inspection.version}，您读取的是 {version}），请刷新后再保存")


def save_draft(*, actor: Any, inspection: Inspection, data: InspectionInput, version: int | None = None) -> Inspection:
    """Save what the inspector has so far; nothing is checked for completeness yet. Given the version the change
    was made from, a draft saved meanwhile (another phone) is a conflict instead of being overwritten."""
    _require(actor, "inspection.record", inspection.town_id)
    if inspection.status != InspectionStatus.DRAFT:
        raise TransitionNotAllowed("已提交的检查只能通过“更正”修改")
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        inspection = (
            Inspection.objects.select_for_update(of=("self",), no_key=True)
            .select_related("target__baseline_record")
            .get(pk=inspection.pk)
        )
        refuse_if_withdrawn(inspection, "检查记录")
        _check_version(inspection, version)
        before = snapshot(inspection, INSPECTION_AUDITED)
        _apply(inspection, data, errors)
        if errors:
            raise ValidationFailed(errors)
        inspection.version += 1
        inspection.save()
        _save_answers(inspection, data)
        record_event(actor=actor, action="lookback.inspection.saved", obj=inspection,
                     changes=diff_fields(before, snapshot(inspection, INSPECTION_AUDITED)))  # fmt: skip
    return inspection


def add_photo(*, actor: Any, inspection: Inspection, data: bytes, filename: str, item: str = "") -> Photo:
    _require(actor, "inspection.record", inspection.town_id)
    refuse_if_withdrawn(inspection, "检查记录")
    if inspection.status != InspectionStatus.DRAFT:
        raise TransitionNotAllowed("已提交的检查不能再添加照片")
    if item and item not in {i.code for i in applicable_items(inspection.target)}:
        raise ValidationFailed({"item": ["该检查项不适用于该场所"]})
    try:
        stored = photos.store_photo(data, filename)
    except photos.PhotoRejected as exc:
        raise ValidationFailed({"photo": [str(exc)]}) from None
    with transaction.atomic():
        # Withdrawn or submitted meanwhile (another phone, the manager): the row decides, not the copy read before.
        locked = Inspection.objects.select_for_update(no_key=True).get(pk=inspection.pk)
        refuse_if_withdrawn(locked, "检查记录")
        if locked.status != InspectionStatus.DRAFT:
            raise TransitionNotAllowed("已提交的检查不能再添加照片")
        photo = Photo.objects.create(inspection=inspection, item=item, original_name=strip_controls(filename)[:255],
                                     uploaded_by=actor if actor.pk else None, uploaded_at=clock.now(),
                                     **{k: v for k, v in stored.__dict__.items() if k != "dhash"})  # fmt: skip
        record_event(actor=actor, action="lookback.photo.added", obj=photo,
                     changes={"sha256": [None, photo.sha256], "item": [None, item]})  # fmt: skip
    return photo


def submit_inspection(
    *,
    actor: Any,
    inspection: Inspection,
    data: InspectionInput,
    link_enterprise: Enterprise | None = None,
    acknowledge_new: bool = False,
    version: int | None = None,
) -> Inspection:
    """Submit: every item answered, a far position explained; problems put the enterprise on the dynamic list."""
    _require(actor, "inspection.record", inspection.town_id)
    if inspection.status != InspectionStatus.DRAFT:
        raise TransitionNotAllowed("该检查已提交；如需修改请使用“更正”")
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update(of=("self",), no_key=True).select_related("target__baseline_record",
                                                                           "target__enterprise").get(pk=inspection.pk)  # fmt: skip
        refuse_if_withdrawn(inspection, "检查记录")
        _check_version(inspection, version)
        target = inspection.target
        before = snapshot(inspection, INSPECTION_AUDITED)
        _apply(inspection, data, errors)
        items = applicable_items(target)
        for item in items:
            if data.answers.get(item.code) not in Answer.values:
                errors.setdefault(f"answer_{item.code}", []).append(f"请回答：{item.text}")
        if not inspection.inspectors:
            errors["inspectors"] = ["请填写检查人员"]
        if (inspection.distance_m or 0) > DISTANCE_WARNING_M and not inspection.distance_reason:
            errors["distance_reason"] = [
                f"检查位置距登记位置 {inspection.distance_m:.0f} 米（超过 {DISTANCE_WARNING_M:.0f} 米），请说明原因后再提交"
            ]
        category = inspection.category
        if data.category and data.category != inspection.derived_category and not inspection.category_reason:
            errors["category_reason"] = ["更正系统判定的排查类型时，请填写理由"]
        if category in (1, 2) and target.enterprise_id is None:
            errors["category"] = ["第一、二类只适用于2018-2019年整治过的企业；新发现的请选第三或第四类"]
        needs_new = category in checklist.NEW_ENTERPRISE_CATEGORIES and link_enterprise is None
        if needs_new:
            for name, label in (("new_name", "企业名称"), ("new_legal_person", "负责人"), ("new_industry", "行业类别")):
                if not getattr(inspection, name):
                    errors.setdefault(name, []).append(f"发现新的“散乱污”，请填写其{label}")
            for name, key in (("new_name", "name"), ("new_industry", "industry")):  # the enterprise's own rule
                if refusal := validation.number_refusal(key, getattr(inspection, name)):
                    errors.setdefault(name, []).append(refusal)
        if errors:
            raise ValidationFailed(errors)
        case = None
        if category:
            case = _list_case(actor=actor, inspection=inspection, category=category, link_enterprise=link_enterprise,
                              acknowledge_new=acknowledge_new)  # fmt: skip
        inspection.case = case
        inspection.status = InspectionStatus.SUBMITTED
        inspection.submitted_at = clock.now()
        inspection.version += 1
        inspection.save()
        _save_answers(inspection, data)
        target.status = TargetStatus.DONE
        target.save(update_fields=["status"])
        record_event(actor=actor, action="lookback.inspection.submitted", obj=inspection,
                     changes=diff_fields(before, snapshot(inspection, INSPECTION_AUDITED)),
                     note=f"列入名单：{case}" if case else "未发现问题")  # fmt: skip
    return inspection


def _list_case(*, actor: Any, inspection: Inspection, category: int, link_enterprise: Enterprise | None,
               acknowledge_new: bool) -> Case:  # fmt: skip
    """一律纳入: the case on the dynamic list, on the same enterprise record when it is known."""
    target = inspection.target
    campaign = target.campaign
    if category in checklist.NEW_ENTERPRISE_CATEGORIES:
        enterprise = link_enterprise
    else:
        enterprise = target.enterprise
    if enterprise is not None:
        open_case = Case.objects.filter(enterprise=enterprise, campaign=campaign, status__in=OPEN_STATUSES).first()
        if open_case:
            return open_case  # already on this campaign's list: the inspection is added to its evidence
    note = f"回头看检查发现（{inspection.inspected_at:%Y-%m-%d}，{inspection.inspectors}）"
    if category == checklist.LookbackCategory.NEW_IN_VACANT and target.enterprise_id:
        note += f"；进驻原“{target.name}”关停后空置的场所"
    elif category == checklist.LookbackCategory.NEW_IN_VACANT:
        note += f"；进驻{target.get_kind_display()}“{target.name}”"
    case_data = registry.CaseInput(
        lookback_category=category, responsible_person=actor.display_name[:50], env_problems=inspection.env_problems,
        safety_problems=inspection.safety_problems, other_problems=inspection.other_problems,
        progress_note=note, campaign=campaign,
    )  # fmt: skip
    if enterprise is not None:
        return registry.create_case(actor=actor, enterprise=enterprise, case_data=case_data,
                                    permission="inspection.record")  # fmt: skip
    lon = inspection.longitude if inspection.longitude is not None else target.longitude
    lat = inspection.latitude if inspection.latitude is not None else target.latitude
    name = inspection.new_name
    # Seen on site: a licence shows its credit code, which the inspector records; no code recorded, no licence.
    licence = LicenceStatus.LICENSED if inspection.new_credit_code else LicenceStatus.UNLICENSED
    enterprise_data = registry.EnterpriseInput(
        name=name, industry=inspection.new_industry, address=target.address, town=target.town,
        legal_person=inspection.new_legal_person, licence_status=licence,
        coordinates=geo.format_point(lon, lat) if lon is not None and lat is not None else "",
        village=target.village, phone=inspection.new_phone, credit_code=inspection.new_credit_code,
    )  # fmt: skip
    return registry.create_case(actor=actor, enterprise_data=enterprise_data, case_data=case_data,
                                permission="inspection.record",
                                acknowledge_warnings=acknowledge_new)  # fmt: skip


AMENDABLE = ["inspectors", "distance_reason", "env_problems", "safety_problems", "other_problems", "inspected_at"]


def _amended_values(changes: dict[str, Any]) -> dict[str, Any]:
    """Each change as the column takes it: text within its length, the time an ISO date-time not in the future."""
    from django.utils.dateparse import parse_datetime
    from django.utils.timezone import is_naive, make_aware

    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "inspected_at":
            when = value if isinstance(value, dt.datetime) else None
            if isinstance(value, str):
                try:
                    when = parse_datetime(value.strip())
                except ValueError:
                    when = None
            if when is None:
                errors[name] = ["请填写检查时间，如 2020-07-15T09:30"]
                continue
            if message := params.date_error(when, "检查时间"):  # before make_aware: year 1 would overflow there
                errors[name] = [message]
                continue
            when = make_aware(when) if is_naive(when) else when
            if when > clock.now() + dt.timedelta(minutes=10):
                errors[name] = ["检查时间不能晚于现在"]
            values[name] = when
            continue
        limit = _max_length(name)
        if not isinstance(value, str):
            errors[name] = ["请填写文字"]
        elif limit and len(clean_text(value)) > limit:
            errors[name] = [f"不超过 {limit} 个字"]
        else:
            values[name] = clean_text(value)
    if errors:
        raise ValidationFailed(errors)
    return values


def amend_inspection(*, actor: Any, inspection: Inspection, reason: str, changes: dict[str, Any]) -> Amendment:
    """A submitted inspection is corrected only by a recorded amendment (who, when, why, old → new)."""
    _require(actor, "inspection.amend", inspection.town_id)
    if inspection.status != InspectionStatus.SUBMITTED:
        raise TransitionNotAllowed("草稿可以直接修改，无需更正")
    if not clean_text(reason):
        raise ValidationFailed({"reason": ["请填写更正理由"]})
    unknown = set(changes) - set(AMENDABLE)
    if unknown:
        raise ValidationFailed({"changes": [f"不能通过更正修改：{'、'.join(sorted(unknown))}"]})
    values = _amended_values(changes)
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update(no_key=True).get(pk=inspection.pk)
        refuse_if_withdrawn(inspection, "检查记录")
        before = snapshot(inspection, AMENDABLE)
        stored = {name: getattr(inspection, name) for name in _personal()}
        for name, value in values.items():
            setattr(inspection, name, value)
        _restore_masked(inspection, stored)
        diff = diff_fields(before, snapshot(inspection, AMENDABLE))
        inspection.version += 1
        inspection.save()
        amendment = Amendment.objects.create(inspection=inspection, reason=clean_text(reason), changes=diff,
                                             actor=actor if actor.pk else None, created_at=clock.now())  # fmt: skip
        record_event(actor=actor, action="lookback.inspection.amended", obj=inspection, changes=diff,
                     note=clean_text(reason))  # fmt: skip
    return amendment


# ---- withdrawal instead of deletion (core.withdrawal) ------------------------------------------------------------


def _refresh_target_status(target: Target) -> None:
    """A place is done while it has a submitted inspection in play: one whose only inspection was withdrawn is to be
    visited again (back on the work list and in the progress's to-do)."""
    done = Inspection.objects.filter(ACTIVE, target=target, status=InspectionStatus.SUBMITTED).exists()
    status = TargetStatus.DONE if done else TargetStatus.TO_DO
    if target.status != status:
        target.status = status
        target.save(update_fields=["status"])


def withdraw_target(*, actor: Any, target: Target, reason: str) -> Target:
    """A place added (or generated) by mistake leaves the work list, the progress and the summary; a place with an
    inspection in play keeps its record: the inspections are withdrawn first, each with its own reason."""
    _require(actor, "target.withdraw", target.town_id)
    reason = clean_reason(reason)
    with transaction.atomic():
        target = Target.objects.select_for_update(no_key=True).get(pk=target.pk)
        if Inspection.objects.filter(ACTIVE, target=target).exists():
            raise TransitionNotAllowed("该排查对象已有检查记录，请先撤回其检查记录（各自说明理由）再撤回排查对象")
        changes = mark_withdrawn(target, actor=actor, reason=reason, what="排查对象")
        target.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        record_event(actor=actor, action="lookback.target.withdrawn", obj=target, changes=changes, note=reason)
    return target


def restore_target(*, actor: Any, target: Target, reason: str) -> Target:
    """The office admin puts a withdrawn place back on the work list, as it was."""
    _require(actor, "record.restore", target.town_id)
    reason = clean_reason(reason, restoring=True)
    with transaction.atomic():
        target = Target.objects.select_for_update(no_key=True).get(pk=target.pk)
        changes = mark_restored(target, what="排查对象")
        target.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        record_event(actor=actor, action="lookback.target.restored", obj=target, changes=changes, note=reason)
    return target


def withdraw_inspection(*, actor: Any, inspection: Inspection, reason: str) -> Inspection:
    """An inspection recorded by mistake (the wrong place, twice) leaves the lists and the figures; its place is to be
    visited again unless another submitted inspection remains. A case the inspection listed stays on the dynamic list:
    it is a record of its own, withdrawn (误列) separately if it too was a mistake."""
    _require(actor, "inspection.withdraw", inspection.town_id)
    reason = clean_reason(reason)
    with transaction.atomic():
        inspection = (
            Inspection.objects.select_for_update(of=("self",), no_key=True)
            .select_related("target")
            .get(pk=inspection.pk)
        )
        changes = mark_withdrawn(inspection, actor=actor, reason=reason, what="检查记录")
        inspection.version += 1
        inspection.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "version"])
        _refresh_target_status(inspection.target)
        record_event(actor=actor, action="lookback.inspection.withdrawn", obj=inspection, changes=changes,
                     note=reason)  # fmt: skip
    return inspection


def restore_inspection(*, actor: Any, inspection: Inspection, reason: str) -> Inspection:
    """The office admin restores a withdrawn inspection; a submitted one marks its place done again."""
    _require(actor, "record.restore", inspection.town_id)
    reason = clean_reason(reason, restoring=True)
    with transaction.atomic():
        inspection = (
            Inspection.objects.select_for_update(of=("self",), no_key=True)
            .select_related("target")
            .get(pk=inspection.pk)
        )
        if inspection.target.is_withdrawn:
            raise TransitionNotAllowed("该检查的排查对象已撤回，请先恢复排查对象")
        changes = mark_restored(inspection, what="检查记录")
        inspection.version += 1
        inspection.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "version"])
        _refresh_target_status(inspection.target)
        record_event(actor=actor, action="lookback.inspection.restored", obj=inspection, changes=changes,
                     note=reason)  # fmt: skip
    return inspection


def withdraw_photo(*, actor: Any, photo: Photo, reason: str) -> Photo:
    """A photo attached by mistake (another place, a private picture): whoever records the inspection withdraws it
    from a draft; once the inspection is submitted only those who amend it may (its evidence changes, with a reason).
    The file is kept: the photo stays in the inspection's history, marked."""
    inspection = photo.inspection
    _require(actor, "photo.withdraw", inspection.town_id)
    if inspection.status != InspectionStatus.DRAFT:
        _require(actor, "inspection.amend", inspection.town_id)
    refuse_if_withdrawn(inspection, "检查记录")
    reason = clean_reason(reason)
    with transaction.atomic():
        photo = Photo.objects.select_for_update(no_key=True).get(pk=photo.pk)
        changes = mark_withdrawn(photo, actor=actor, reason=reason, what="照片")
        photo.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        record_event(actor=actor, action="lookback.photo.withdrawn", obj=photo,
                     changes=changes, note=reason)  # fmt: skip
    return photo


def restore_photo(*, actor: Any, photo: Photo, reason: str) -> Photo:
    inspection = photo.inspection
    _require(actor, "record.restore", inspection.town_id)
    reason = clean_reason(reason, restoring=True)
    if inspection.is_withdrawn:
        raise TransitionNotAllowed("该照片所属的检查记录已撤回，请先恢复检查记录")
    with transaction.atomic():
        photo = Photo.objects.select_for_update(no_key=True).get(pk=photo.pk)
        changes = mark_restored(photo, what="照片")
        photo.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        record_event(actor=actor, action="lookback.photo.restored", obj=photo, changes=changes, note=reason)
    return photo
