"""The registry's bulk path: many dynamic-list (or 2018-2019 list) rows at once — a town's sheet of 100,000 — under
the same rules as one row through the form.

A caller (the importer) reads its rows into values keyed by registry.columns and asks this module, row by row,
what the row means: which enterprise and case it is, what would change, and whether the row rules
(registry.validation), the permission table (accounts.permissions) and the workflow table (registry.workflow) allow
it — a status change walks the workflow step by step, each step allowed for the actor in the row's town and its
guard passed; 销号 is never a sheet's step. `apply()` then writes the accepted rows: new ones by COPY
(core.bulk), changed ones by bulk_update, with their status history (CaseStatusChange) and one audit event per
object, shaped by the audit app (audit.services.BulkEvents). Planning reads, never writes; the caller holds the
transaction of `apply()`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Protocol

from django.db import transaction

from sanluanwu.accounts import permissions
from sanluanwu.accounts.choices import OrgUnitKind
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.scope import Scope
from sanluanwu.audit.services import BulkEvents
from sanluanwu.campaigns.models import Campaign
from sanluanwu.core import geo, pacing, params
from sanluanwu.core.bulk import insert_many
from sanluanwu.core.masking import AmbiguousMask, restore_masked
from sanluanwu.core.text import case_search_text, name_key, search_text
from sanluanwu.registry import columns, rules, validation, workflow
from sanluanwu.registry.choices import CaseStatus, LicenceStatus
from sanluanwu.registry.models import BaselineRecord, Case, CaseStatusChange, CreditCodeClash, Enterprise
from sanluanwu.registry.services import CLOSED_ENTERPRISE_MESSAGE, closed_enterprises, status_change_values
from sanluanwu.registry.similarity import Find, Known

# The stored fields a row can change, compared with the record to tell new, changed and unchanged apart.
ENTERPRISE_FIELDS = ["name", "industry", "address", "village", "legal_person", "phone", "credit_code",
                     "licence_status", "longitude", "latitude", "coord_datum", "coord_input"]  # fmt: skip
CASE_FIELDS = ["lookback_category", "env_problems", "safety_problems", "other_problems", "remediation_type",
               "planned_completion", "status", "progress_note", "responsible_person", "closed_on"]  # fmt: skip
_CASE_EVENT_FIELDS = [*CASE_FIELDS, "listed_on"]
BASELINE_BATCH = "2018-2019年集中整治"
ROW = ""  # an error about the whole row (the permission table refuses what it does), not one column
# Plain values of the statuses compared on every row (a choices member's attribute access costs a descriptor call).
_LISTED, _CLOSED, _WITHDRAWN = CaseStatus.LISTED.value, CaseStatus.CLOSED.value, CaseStatus.WITHDRAWN.value
_NULLABLE_CASE_FIELDS = frozenset({"planned_completion", "closed_on", "lookback_category"})
# A blank cell in these columns leaves a known case's text as it is (a clerk who did not retype it did not mean to
# erase it); "无" clears it. The caller lists the blank ones under BLANK_CELLS.
KEPT_IF_BLANK = frozenset({"env_problems", "safety_problems", "other_problems"})
BLANK_CELLS = "blank_cells"


@dataclass(slots=True)
class Decision:
    """What one row means. Errors and interpretations are keyed by column (registry.columns); changes by field."""

    outcome: str = "error"  # new | changed | unchanged | error
    errors: list[tuple[str, str]] = field(default_factory=list)
    interpreted: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # shown, never blocking: a new one that may be on record
    changes: dict[str, list[Any]] = field(default_factory=dict)
    note: str = ""
    town_id: int | None = None
    enterprise_id: int | None = None
    case_id: int | None = None
    enterprise_values: dict[str, Any] = field(default_factory=dict)
    case_values: dict[str, Any] = field(default_factory=dict)
    baseline_values: dict[str, Any] = field(default_factory=dict)
    steps: tuple[str, ...] = ()  # the workflow actions a status change walks
    from_status: str = ""

    def error(self, key: str, message: str | None) -> None:
        if message:
            self.errors.append((key, message))

    def errors_from(self, errors: dict[str, list[str]]) -> None:
        for key, messages in errors.items():
            for message in messages:
                self.errors.append((key, message))


class Write(Protocol):
    """A planned row as apply() reads it (the importer keeps its rows in its own shape)."""

    row: int
    outcome: str
    town_id: int | None
    enterprise_id: int | None
    case_id: int | None
    enterprise_values: dict[str, Any]
    case_values: dict[str, Any]
    baseline_values: dict[str, Any]
    steps: tuple[str, ...]
    from_status: str


class Context:
    """The records planning compares rows with, fetched once per batch (not per row)."""

    def __init__(self, *, scope: Scope, towns: Sequence[OrgUnit], unit: OrgUnit | None, campaign: Campaign | None,
                 today: dt.date, district_boundary: dict[str, Any] | None):  # fmt: skip
        self.scope = scope
        self.unit = unit
        self.campaign = campaign
        self.today = today
        self.as_of = today  # the day the rows speak of (a sheet's 填报日期), set per sheet by the caller
        self.district_boundary = district_boundary
        self.towns = {t.pk: t for t in towns}
        town_ids = [unit.pk] if unit else list(self.towns)
        self.enterprises: dict[tuple[int, str], dict[str, Any]] = {}
        self.enterprise_by_id: dict[int, dict[str, Any]] = {}
        for e in Enterprise.objects.filter(town_id__in=town_ids).values(
            "id", "town_id", "name_key", *ENTERPRISE_FIELDS
        ):
            self.enterprises[(e["town_id"], e["name_key"])] = e
            self.enterprise_by_id[e["id"]] = e
        # A credit code held by an enterprise the user can see is an error row; one held in another town is accepted
        # and flagged for the office (apply(): no answer tells a town about another town's records).
        from sanluanwu.registry.queries import enterprises_visible_to

        self.credit_codes = dict(enterprises_visible_to(scope).exclude(credit_code="").values_list("credit_code", "id"))
        self.cases: dict[int, dict[str, Any]] = {}
        self.case_by_enterprise: dict[int, dict[str, Any]] = {}
        if campaign:
            rows = Case.objects.filter(campaign=campaign, town_id__in=town_ids).values(
                "id", "enterprise_id", "town_id", "listed_on", *CASE_FIELDS
            )
            for c in rows.order_by("id"):
                self.cases[c["id"]] = c
                self.case_by_enterprise[c["enterprise_id"]] = c
        self.baselines: set[tuple[int, str, str, dt.date | None]] = set(
            BaselineRecord.objects.filter(enterprise__town_id__in=town_ids).values_list(
                "enterprise_id", "batch", "method", "completed_on"
            )
        )
        self.closed_enterprises = closed_enterprises(town_ids=town_ids)  # read-only with their closed cases
        self.seen: dict[tuple[int, str], int] = {}  # (town, name key) → the row that named it first
        self._allowed: dict[tuple[str, int], str | None] = {}
        self._known_towns = {e["town_id"] for e in self.enterprise_by_id.values()}
        self._index: Any = None

    def similar(self, values: dict[str, Any], town_id: int) -> list[str]:
        """A new enterprise that may be one on record in its town: the similarity rule and the words the case form
        warns with (registry.rules), built once per batch from the records already fetched. A town with nothing
        on record costs nothing."""
        if town_id not in self._known_towns:
            return []
        if self._index is None:
            from sanluanwu.registry.similarity_index import KnownIndex  # numpy: loaded when first needed

            known = [Known(e["name"], e["town_id"], e["legal_person"], e["phone"], e["credit_code"],
                           _float(e["longitude"]), _float(e["latitude"]), e["village"], id=e["id"])
                     for e in self.enterprise_by_id.values()]  # fmt: skip
            towns = OrgUnit.objects.filter(kind=OrgUnitKind.TOWN).values_list("name", flat=True)
            self._index = KnownIndex(known, towns)
        find = Find(values.get("name") or "", town_id, values.get("legal_person") or "", values.get("phone") or "",
                    values.get("credit_code") or "", _float(values.get("longitude")), _float(values.get("latitude")),
                    values.get("village") or "")  # fmt: skip
        return [
            f"{rules.similar_message(c)}；如是同一家，请把表中企业名称改为其登记名称后重新上传"
            for c in self._index.match(find, 3).candidates
        ]

    def denial(self, code: str, town_id: int) -> str | None:
        """The permission table's answer for the actor in a town (asked once per town and permission)."""
        k = (code, town_id)
        if k not in self._allowed:
            self._allowed[k] = permissions.denial(self.scope, code, town_id=town_id)
        return self._allowed[k]


# ---- planning ------------------------------------------------------------------------------------------------


def _town(ctx: Context, decision: Decision, town: OrgUnit | None) -> OrgUnit | None:
    """The row's town: its own town column, else the batch's unit; refused outside the batch's unit."""
    if town is not None and ctx.unit and town.pk != ctx.unit.pk:
        decision.error("town", f"该行属于{town.name}，不属于本次导入的{ctx.unit.name}")
        return None
    town = town or ctx.unit
    if town is None:
        decision.error("town", "表中没有“所属镇（街道）”列，请选择导入单位")
    return town


def _enterprise(values: dict[str, Any]) -> dict[str, Any]:
    """The enterprise's stored fields among a row's values (only the columns the sheet has)."""
    out = {k: values[k] for k in validation.ENTERPRISE_TEXTS if k in values}
    if values.get("licence_status"):
        out["licence_status"] = values["licence_status"]
    point = values.get("coordinates")
    if isinstance(point, geo.Point):
        out.update(longitude=point.lon, latitude=point.lat, coord_datum=values.get("coord_datum") or geo.DATUM_WGS84,
                   coord_input=values.get("coord_input", ""))  # fmt: skip
    return out


def _keep_masked(d: Decision, stored: dict[str, Any] | None, incoming: dict[str, Any]) -> None:
    """A personal field read back as our own masked export wrote it (138****5678 in a note) is no change: the stored
    clear value stays, and the preview says so. A masked export edited and imported again loses no number."""
    for key, value in incoming.items():
        kind = columns.PERSONAL.get(key)
        old = (stored or {}).get(key)
        try:
            restored = restore_masked(value, old, kind) if kind else value
        except AmbiguousMask as exc:
            d.errors.append((key, exc.message))
            continue
        if restored != value:
            incoming[key] = restored
            d.interpreted.append((key, "脱敏显示的内容（*）未改动 → 保留系统中的原内容" if restored == old
                                  else "内容有改动，其中脱敏显示的号码（*）→ 保留系统中的原号码"))  # fmt: skip


def _merge_enterprise(ctx: Context, d: Decision, existing: dict[str, Any] | None, values: dict[str, Any],
                      town: OrgUnit, *, kind: str, row: int) -> dict[str, Any]:  # fmt: skip
    """The enterprise as it would be after the row, checked by the row rules (registry.validation)."""
    merged = dict(existing or {})
    incoming = _enterprise(values)  # clean as registry.cells reads them (validation.clean for typed input)
    _keep_masked(d, existing, incoming)
    merged.update(incoming)
    if existing is None:
        if kind == "baseline" and not merged.get("industry"):
            merged["industry"] = "未注明"
            d.interpreted.append(("industry", "（空）→ 未注明"))
        if not merged.get("licence_status") and merged.get("name"):
            merged["licence_status"] = rules.licence_from_name(merged["name"], merged.get("credit_code", ""))
            label = LicenceStatus(merged["licence_status"]).label
            why = "有统一社会信用代码" if merged.get("credit_code") else "按企业名称推断"
            d.interpreted.append(("licence_status", f"（空）→ {label}（{why}）"))
        if kind == "list" and merged.get("longitude") is None and "coordinates" not in values:
            d.error("coordinates", "请填写经纬度（附件2 必填）")
    d.errors_from(validation.enterprise_errors(merged))
    point = values.get("coordinates")
    if isinstance(point, geo.Point):
        d.error("coordinates", rules.check_point_in_district(point, ctx.district_boundary))
    # The same enterprise twice in the batch, a name another enterprise of the town has, a credit code held elsewhere.
    k = (town.pk, name_key(merged.get("name", "")))
    if merged.get("name"):
        if k in ctx.seen:
            d.error("name", f"与第 {ctx.seen[k]} 行是同一企业（同一镇内名称相同），请合并为一行")
        else:
            ctx.seen[k] = row
        clash = ctx.enterprises.get(k)
        if existing is not None and clash is not None and clash["id"] != existing["id"]:
            d.error("name", f"{town.name}已有同名企业“{merged['name']}”")
    code = merged.get("credit_code")
    if code and ctx.credit_codes.get(code) not in (None, (existing or {}).get("id")):
        d.error("credit_code", "该统一社会信用代码已登记在另一家企业")
    return merged


def _diff(old: dict[str, Any] | None, new: dict[str, Any], fields: list[str]) -> dict[str, list[Any]]:
    old = old or {}
    out = {}
    for f in fields:
        if f not in new or f in ("coord_input", "coord_datum"):
            continue  # the text as typed is kept, but a new spelling of the same point is no change
        a, b = old.get(f), new.get(f)
        if (a in (None, "") and b in (None, "")) or a == b:
            continue
        out[f] = [a, b]
    return out


def _steps(ctx: Context, d: Decision, merged_case: dict[str, Any], current: str, target: str, town_id: int) -> str:
    """Walk the workflow from the case's status to the one the sheet gives, one allowed step at a time; the status
    reached. A step that needs its record (the stop, the confirmed type, the review: `via`) is not taken by a sheet:
    the row keeps the status and says where the step is done, unless the step may never come from a sheet (销号)."""
    steps = workflow.forward_steps(current, target)
    if steps is None:
        # The sheet is older than the records (an export filled in while the work went on): its progress is shown,
        # never written backwards, and the rest of the row is imported (helper-32: such rows were refused whole, and
        # the town's other corrections in them lost). Going back is done in the system, by its own steps.
        d.warnings.append(f"表中整治进度为“{CaseStatus(target).label}”，系统中已为“{CaseStatus(current).label}”："
                          "进度以系统记录为准，不会倒退（如需退回请在系统中办理）；本行其他内容照常导入")  # fmt: skip
        return current
    # A step no sheet may take (销号) anywhere on the way makes the row an error, however far before it the case is
    # (from 整改中 the way to 已销号 passes steps a sheet only notes; the 销号 itself is refused all the same).
    never = next((step for step in steps if not step.by_import), None)
    if never is not None:
        d.error("progress", f"表中整治进度为“{CaseStatus(target).label}”，需要“{never.label}”：须经现场审核，"
                            "不能通过表格导入办理，请在系统中办理")  # fmt: skip
        return current
    case = SimpleNamespace(**merged_case)
    taken: list[workflow.Transition] = []
    for step in steps:
        if step.via:
            d.warnings.append(f"表中整治进度为“{CaseStatus(target).label}”，系统中为“{CaseStatus(current).label}”："
                              f"{step.via_hint}；本行其他内容照常导入，进度以系统记录为准")  # fmt: skip
            break
        reason = ctx.denial(step.permission, town_id)
        if reason:
            d.error("progress", f"表中整治进度为“{CaseStatus(target).label}”，需要“{step.label}”：{reason}")
            return current
        if step.guard and (problem := step.guard(case)):  # type: ignore[arg-type]
            d.error("progress", f"表中整治进度为“{CaseStatus(target).label}”，需要“{step.label}”：{problem}")
            return current
        taken.append(step)
    d.steps = tuple(s.action for s in taken)
    return taken[-1].target if taken else current


def plan_case_row(ctx: Context, values: dict[str, Any], *, row: int) -> Decision:
    """One 附件2 row. `values` holds the columns the sheet has, read (registry.cells): the town (OrgUnit), the
    system id of our own export, progress (cells.Progress), coordinates (geo.Point) and the rest as typed values."""
    d = Decision()
    case: dict[str, Any] | None = None
    system_id = values.get("system_id")
    if system_id is not None:
        # Our own export: the hidden system id names the case, and with it the town.
        case = ctx.cases.get(system_id)
        if case is None:
            d.error("system_id", f"系统编号 {system_id} 不是您可导入的本次专项行动整治对象，请勿修改该列")
            return d
        town = ctx.towns.get(case["town_id"])
        written = values.get("town")
        if town is None or (written is not None and written.pk != town.pk) or (ctx.unit and ctx.unit.pk != town.pk):
            d.error(
                "town",
                f"系统编号 {system_id} 的整治对象属于{town.name if town else '其他单位'}，与表中（或所选）单位不一致",
            )
            return d
        existing = ctx.enterprise_by_id.get(case["enterprise_id"])
    else:
        found = _town(ctx, d, values.get("town"))
        if found is None:
            return d
        town = found
        existing = ctx.enterprises.get((town.pk, name_key(values.get("name", ""))))
        if existing is not None:
            case = ctx.case_by_enterprise.get(existing["id"])
    merged = _merge_enterprise(ctx, d, existing, values, town, kind="list", row=row)

    current = (case or {}).get("status", _LISTED)
    kept = set(values.get(BLANK_CELLS, ())) if case else set()
    cvals = {k: values[k] for k in validation.CASE_TEXTS if k in values and k not in kept}
    for k in sorted(kept):
        if case and case.get(k):
            d.interpreted.append((k, f"空白 → 保留原有内容“{_short(case[k])}”（如要清空请填“无”）"))
    for k in ("lookback_category", "remediation_type", "planned_completion"):
        if k in values and values[k] is not None:
            cvals[k] = values[k]
    target = current
    progress = values.get("progress")
    if progress is not None:
        target = progress.status or _implied(progress.at_least, current) or current
        steps = (workflow.forward_steps(current, target) or []) if target != current else []
        moves = bool(steps) and not steps[0].via  # a step a sheet takes (none since the stop became a record)
        if progress.note or case is None or moves or not case.get("progress_note"):
            cvals["progress_note"] = progress.note
        else:  # the same step said again without words: the note written before still stands
            d.interpreted.append(("progress", f"进度未变，保留原进度说明“{_short(case['progress_note'])}”"))
    _keep_masked(d, case, cvals)
    merged_case = dict(case or {})
    merged_case.update(cvals)
    is_new = case is None
    if is_new:
        merged_case["listed_on"] = ctx.as_of
        merged_case.setdefault("remediation_type", "")
        merged_case.setdefault("planned_completion", None)
    d.errors_from(validation.case_errors(merged_case, listed_on=merged_case.get("listed_on") or ctx.as_of))
    if current == _CLOSED and (_diff(case, merged_case, CASE_FIELDS) or _diff(existing, merged,
                                                                                       ENTERPRISE_FIELDS)):  # fmt: skip
        d.error("progress", "该整治对象已销号，不能通过导入修改；如需修改，请由区办公室“重新打开（撤销销号）”")
    elif current == _WITHDRAWN:
        # Like a closed case: the row as it stands (our own export read back) is no change; any change is refused.
        if _diff(case, merged_case, CASE_FIELDS) or _diff(existing, merged, ENTERPRISE_FIELDS):
            d.error("progress", "该整治对象已撤销（误列），不能通过导入修改；如确属整治对象，请由区办公室“恢复”")
        target = current
    elif target != current:
        target = _steps(ctx, d, merged_case, current, target, town.pk)
    merged_case["status"] = target
    merged_case["closed_on"] = (case or {}).get("closed_on") if target == _CLOSED else None
    # The permission table for what the row does in the town.
    ent_changes = _diff(existing, merged, ENTERPRISE_FIELDS) if existing else {}
    if case and current in workflow.CONFIRMED_STATUSES:
        # The lead department's decision stands: the sheet's own type or date is shown, not written.
        for name in workflow.CONFIRMED_FIELDS:
            if name in cvals and _diff(case, {**case, name: cvals[name]}, [name]):
                merged_case[name] = case[name]
                d.warnings.append(f"{columns.BY_KEY[name].header}：表中为“{cvals[name] or '（空）'}”，"
                                  f"系统中为牵头部门确认的“{case[name] or '（空）'}”，以系统为准")  # fmt: skip
    case_changes = _diff(case, merged_case, CASE_FIELDS) if case else {}
    code = "case.create" if is_new else "case.edit"
    if is_new or ent_changes or {k for k in case_changes if k != "status"}:
        d.error(ROW, ctx.denial(code, town.pk))
    if d.errors:
        return d
    d.town_id = town.pk
    d.from_status = current
    if existing is None:
        d.outcome = "new"
        d.enterprise_values = merged
        d.case_values = merged_case
        d.warnings += ctx.similar(merged, town.pk)
        return d
    d.enterprise_id = existing["id"]
    d.enterprise_values = {k: merged[k] for k in ent_changes} | (
        {"coord_input": merged["coord_input"], "coord_datum": merged["coord_datum"]}
        if "longitude" in ent_changes or "latitude" in ent_changes
        else {}
    )
    if case is None:
        d.outcome = "new"
        d.case_values = merged_case
        d.note = "已有该企业的档案，新列入本次专项行动"
    else:
        d.case_id = case["id"]
        d.case_values = {k: merged_case[k] for k in case_changes}
        d.outcome = "changed" if (ent_changes or case_changes) else "unchanged"
    d.changes = ent_changes | case_changes
    return d


def _implied(at_least: str | None, current: str) -> str | None:
    """The least status progress words imply (已断水断电 → 已停产), when the case is not already past it."""
    order = workflow.STATUS_ORDER
    if at_least and current in order and order.index(at_least) > order.index(current):
        return at_least
    return None


def plan_baseline_row(ctx: Context, values: dict[str, Any], *, row: int) -> Decision:
    """One row of the 2018-2019 list: the enterprise (new or known) and how it was remediated then."""
    d = Decision()
    town = _town(ctx, d, values.get("town"))
    if town is None:
        return d
    existing = ctx.enterprises.get((town.pk, name_key(values.get("name", ""))))
    merged = _merge_enterprise(ctx, d, existing, values, town, kind="baseline", row=row)
    method, method_text = values.get("method") or ("", "")
    if not method:
        d.error("method", "请填写2018-2019年整治方式")
    completed = values.get("completed_on")
    d.error("completed_on", params.date_error(completed, "完成时间"))
    d.error(ROW, ctx.denial("baseline.record", town.pk))
    ent_changes = _diff(existing, merged, ENTERPRISE_FIELDS)
    if existing is not None and ent_changes:
        d.error(ROW, ctx.denial("enterprise.edit", town.pk))
        if existing["id"] in ctx.closed_enterprises:
            d.error(ROW, CLOSED_ENTERPRISE_MESSAGE)
    if d.errors:
        return d
    d.town_id = town.pk
    d.baseline_values = {"batch": BASELINE_BATCH, "method": method, "method_text": method_text,
                         "completed_on": completed}  # fmt: skip
    if existing is None:
        d.outcome = "new"
        d.enterprise_values = merged
        d.warnings += ctx.similar(merged, town.pk)
        d.changes = {k: [None, v] for k, v in merged.items() if v not in (None, "")}
        d.changes["method"] = [None, method_text]
        return d
    d.enterprise_id = existing["id"]
    d.enterprise_values = {k: merged[k] for k in ent_changes}
    known = (existing["id"], BASELINE_BATCH, method, completed) in ctx.baselines
    if known:
        d.baseline_values = {}
        if not ent_changes:
            d.outcome = "unchanged"
            return d
    d.outcome = "changed"
    d.changes = dict(ent_changes)
    if not known:
        d.changes["method"] = ["", method_text]
    return d


# ---- writing -------------------------------------------------------------------------------------------------


def apply(rows: Sequence[Write], *, actor: Any, campaign: Campaign | None, kind: str, source: str) -> None:
    """Write the planned rows (new and changed ones); the caller holds the transaction.

    The rows are plan_*_row()'s decisions for this actor; the caller applies them only while nothing they depended
    on has changed (imports.plans keeps a fingerprint of the records, the actor and the day), else plans anew.

    New rows go in by COPY (rows generated while the server writes), changed rows by bulk_update; with each case
    its status history (a row per workflow step) and one audit event per created or changed object, from the audit
    app's BulkEvents, noting the source and the row ("导入批次 #7 第 12 行").
    """
    assert transaction.get_connection().in_atomic_block
    events = BulkEvents(actor=actor, note_prefix=f"{source} ")
    now = events.at
    writes = [r for r in rows if r.outcome in ("new", "changed")]
    actor_id = actor.pk if getattr(actor, "pk", None) else None

    # 1. enterprises: insert the new ones, update the changed ones
    new_ents = [r for r in writes if r.enterprise_id is None]

    def enterprise_columns(v: dict[str, Any]) -> dict[str, Any]:
        """The enterprise's own columns as stored: what its row holds and its creation event shows."""
        row = {k: v.get(k, "") for k in ENTERPRISE_FIELDS}
        row.update(longitude=v.get("longitude"), latitude=v.get("latitude"),
                   coord_datum=v.get("coord_datum") or geo.DATUM_WGS84)  # fmt: skip
        return row

    def enterprise_row(v: dict[str, Any], town_id: int | None) -> dict[str, Any]:
        row = enterprise_columns(v)
        row.update(town_id=town_id, name_key=name_key(v["name"]), created_at=now, updated_at=now, version=1,
                   search_text=_search_text(v))  # fmt: skip
        return row

    # In the job worker each thousand rows rest a while (core.pacing): the pages keep the cores. The rows an import
    # changes stay locked until it commits, as they always were, and resting makes that longer (an edit of such a case
    # meanwhile waits); the audit chain's lock, which every audited writer waits for, is taken after the last rest.
    pace = pacing.current()
    new_ids = insert_many(Enterprise, pace.paced(enterprise_row(r.enterprise_values, r.town_id) for r in new_ents),
                          count=len(new_ents))  # fmt: skip
    ids: dict[int, int] = {}  # position in `writes` → the enterprise id
    for r, new_id in zip(new_ents, new_ids, strict=True):
        ids[id(r)] = new_id
    objs = {e.pk: e for e in Enterprise.objects.filter(pk__in=[r.enterprise_id for r in writes if r.enterprise_id])}
    changed_ents = [r for r in writes if r.enterprise_id and r.enterprise_values]
    fields: set[str] = set()
    updated_events: list[dict[str, Any]] = []
    for r in changed_ents:
        e = objs[r.enterprise_id]  # type: ignore[index]
        before = {k: getattr(e, k) for k in r.enterprise_values}
        for k, v in r.enterprise_values.items():
            setattr(e, k, v)
        e.name_key = name_key(e.name)
        e.search_text = search_text(e.name, e.address, e.legal_person)
        e.version += 1
        e.updated_at = now
        fields |= set(r.enterprise_values) | {"name_key", "search_text", "version", "updated_at"}
        updated_events.append(events.event("imports.enterprise.updated", Enterprise, e.pk, e.name,
                                           {k: [show(before[k]), show(getattr(e, k))] for k in r.enterprise_values
                                            if k not in ("coord_input", "coord_datum")}, f"第 {r.row} 行"))  # fmt: skip
    if changed_ents:
        Enterprise.objects.bulk_update([objs[r.enterprise_id] for r in changed_ents], sorted(fields), batch_size=2000)  # type: ignore[index]

    def enterprise_id(r: Write) -> int:
        return r.enterprise_id or ids[id(r)]

    def name_of(r: Write) -> str:
        e = objs.get(r.enterprise_id or 0)
        return e.name if e is not None else str(r.enterprise_values.get("name", ""))

    def search_of(r: Write) -> str:
        e = objs.get(r.enterprise_id or 0)
        return e.search_text if e is not None else _search_text(r.enterprise_values)

    def enterprise_created_events() -> Any:
        for r in new_ents:
            row = enterprise_columns(r.enterprise_values)  # not the whole row again: no keys or search text
            yield events.event("imports.enterprise.created", Enterprise, ids[id(r)], row["name"],
                               {k: [None, v] for k in ENTERPRISE_FIELDS if (v := row[k]) is not None and v != ""},
                               f"第 {r.row} 行")  # fmt: skip

    later: list[Any] = [enterprise_created_events(), updated_events]
    count = len(new_ents) + len(updated_events)
    history: list[dict[str, Any]] = []
    if kind == "list":
        new_cases = [r for r in writes if r.case_id is None and r.case_values]

        def case_columns(v: dict[str, Any]) -> dict[str, Any]:
            """The case's own columns as stored: what its row holds and its creation event shows."""
            row = {k: v.get(k) if k in _NULLABLE_CASE_FIELDS else (v.get(k) or "") for k in CASE_FIELDS}
            row.update(listed_on=v.get("listed_on"), status=v.get("status") or CaseStatus.LISTED)
            return row

        def case_row(r: Write) -> dict[str, Any]:
            v = r.case_values
            row = case_columns(v)
            row.update(enterprise_id=enterprise_id(r), campaign_id=campaign.pk if campaign else None,
                       town_id=r.town_id, created_at=now, updated_at=now, created_by_id=actor_id, version=1,
                       search_text=case_search_text(search_of(r), v.get("responsible_person") or ""))  # fmt: skip
            return row

        case_ids = insert_many(Case, pace.paced(case_row(r) for r in new_cases), count=len(new_cases))
        new_case_id = {id(r): cid for r, cid in zip(new_cases, case_ids, strict=True)}

        def case_created_events() -> Any:
            for r in new_cases:
                row = case_columns(r.case_values)
                yield events.event("imports.case.created", Case, new_case_id[id(r)], name_of(r),
                                   {k: [None, v] for k in _CASE_EVENT_FIELDS if (v := row[k]) is not None and v != ""},
                                   f"第 {r.row} 行")  # fmt: skip

        later.append(case_created_events())
        count += len(new_cases)
        changed_cases = [r for r in writes if r.case_id and r.case_values]
        if changed_cases:
            objs_c = {c.pk: c for c in Case.objects.filter(pk__in=[r.case_id for r in changed_cases])}
            cfields: set[str] = set()
            case_events = []
            for r in changed_cases:
                c = objs_c[r.case_id]  # type: ignore[index]
                before = {k: getattr(c, k) for k in r.case_values}
                for k, v in r.case_values.items():
                    setattr(c, k, v if v is not None or k in _NULLABLE_CASE_FIELDS else "")
                c.version += 1
                c.updated_at = now
                cfields |= set(r.case_values) | {"version", "updated_at"}
                if "responsible_person" in r.case_values or r.enterprise_values:
                    c.search_text = case_search_text(search_of(r), c.responsible_person)
                    cfields.add("search_text")
                case_events.append(events.event("imports.case.updated", Case, c.pk, name_of(r),
                                                {k: [show(before[k]), show(getattr(c, k))] for k in r.case_values},
                                                f"第 {r.row} 行"))  # fmt: skip
            Case.objects.bulk_update(list(objs_c.values()), sorted(cfields), batch_size=2000)
            later.append(case_events)
            count += len(case_events)
        # Cases carry a copy of the enterprise's search text: the other cases of a renamed enterprise follow it.
        for r in changed_ents:
            if {"name", "address", "legal_person"} & set(r.enterprise_values):
                e = objs[r.enterprise_id]  # type: ignore[index]
                for other in Case.objects.filter(enterprise=e).exclude(pk=r.case_id or 0).only("responsible_person"):
                    Case.objects.filter(pk=other.pk).update(
                        search_text=case_search_text(e.search_text, other.responsible_person)
                    )
        # Status history: a row per workflow step the sheet's progress walked.
        for r in writes:
            status = r.from_status or CaseStatus.LISTED
            case_id = r.case_id or new_case_id.get(id(r))
            for action in r.steps:
                step = workflow.TRANSITIONS[action]
                history.append(status_change_values(case_id=case_id or 0, from_status=status, to_status=step.target,
                                                    actor=actor, action=action, at=now,
                                                    note=f"{source} 第 {r.row} 行"))  # fmt: skip
                status = step.target
        insert_many(CaseStatusChange, pace.paced(history), count=len(history))
    else:
        base_rows = [r for r in writes if r.baseline_values]
        records = [{**r.baseline_values, "enterprise_id": enterprise_id(r), "created_at": now} for r in base_rows]
        later.append([
            events.event("imports.baseline.created", BaselineRecord, new_id, name_of(r),
                         {"method": [None, rec["method"]], "method_text": [None, rec["method_text"]],
                          "completed_on": [None, rec["completed_on"]]}, f"第 {r.row} 行")
            for r, new_id, rec in zip(base_rows, insert_many(BaselineRecord, records), records, strict=True)
        ])  # fmt: skip
        count += len(base_rows)
    written = {enterprise_id(r): code for r in writes if (code := (r.enterprise_values or {}).get("credit_code"))}
    clashes = _flag_credit_code_clashes(written, actor=actor, at=now)
    later.append([events.event("registry.credit_code_clash.raised", CreditCodeClash, c.pk, str(c),
                               {"credit_code": [None, c.credit_code], "enterprise": [None, c.enterprise_id],
                                "holder": [None, c.holder_id]}) for c in clashes])  # fmt: skip
    count += len(clashes)
    BulkEvents.insert(itertools.chain.from_iterable(later), count=count)


def _flag_credit_code_clashes(written: dict[int, str], *, actor: Any, at: Any) -> list[CreditCodeClash]:
    """The enterprises just written whose credit code another enterprise holds (one the importer could not see,
    else the row was refused): one open clash each for the office (registry.services._flag_credit_code_clash)."""
    if not written:
        return []
    holders: dict[str, list[int]] = {}
    for pk, code in Enterprise.objects.filter(credit_code__in=set(written.values())).values_list("pk", "credit_code"):
        holders.setdefault(code, []).append(pk)
    name = getattr(actor, "display_name", "") or getattr(actor, "username", "")
    clashes = [CreditCodeClash(credit_code=code, enterprise_id=pk, holder_id=other, raised_at=at, raised_by_name=name)
               for pk, code in written.items() for other in holders.get(code, []) if other != pk]  # fmt: skip
    return CreditCodeClash.objects.bulk_create(clashes) if clashes else []


def _short(text: str, n: int = 20) -> str:
    return text if len(text) <= n else text[:n] + "…"


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


def _search_text(values: dict[str, Any]) -> str:
    return search_text(values["name"], values.get("address", ""), values.get("legal_person", ""))


def show(value: Any) -> Any:
    """A value as the audit log keeps it (dates as text; choice members as their value)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return ""
    return str(value) if not isinstance(value, int | str) else value
