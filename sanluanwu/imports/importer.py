"""Plan an import row by row (new / changed / unchanged / error) and apply a plan in one transaction.

Planning reads the database but never writes, so the preview is exact and a confirm re-plans from the
stored file. Rules come from registry.rules, the same ones the forms and the API obey. Applying is
bulk (a town's sheet of 100,000 rows in seconds) and writes one audit event per changed object.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any, cast

from django.db import transaction

from sanluanwu.accounts import permissions
from sanluanwu.accounts.choices import OrgUnitKind
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.scope import Scope
from sanluanwu.audit.models import AuditEvent
from sanluanwu.campaigns.models import Campaign
from sanluanwu.core import clock, geo
from sanluanwu.core.bulk import insert_many
from sanluanwu.core.text import name_key, search_text
from sanluanwu.imports.layout import FIELD_LABELS, SKIP_NOTES, Layout, describe, row_kind
from sanluanwu.imports.readers import Sheet
from sanluanwu.registry import cells as p
from sanluanwu.registry import rules
from sanluanwu.registry.choices import BaselineMethod, CaseStatus, LicenceStatus
from sanluanwu.registry.models import BaselineRecord, Case, Enterprise

STATUS_ORDER: list[str] = [CaseStatus.LISTED, CaseStatus.STOPPED, CaseStatus.REMEDIATING, CaseStatus.AWAITING_REVIEW,
                CaseStatus.CLOSED]  # fmt: skip
_NONE_WORDS = {"无", "没有", "/", "-", "—", "——", "无问题", "暂无"}
ENTERPRISE_FIELDS = ["name", "industry", "address", "village", "legal_person", "phone", "credit_code",
                     "licence_status", "longitude", "latitude", "coord_datum", "coord_input"]  # fmt: skip
CASE_FIELDS = ["lookback_category", "env_problems", "safety_problems", "other_problems", "remediation_type",
               "planned_completion", "status", "progress_note", "responsible_person", "closed_on"]  # fmt: skip
_CASE_EVENT_FIELDS = [*CASE_FIELDS, "listed_on"]
_LABELS = {**FIELD_LABELS, "status": "整治状态", "progress_note": "整治进度说明", "closed_on": "销号日期",
           "lookback_category": "排查类型类别", "coord_input": "经纬度（原文）", "coord_datum": "坐标系"}  # fmt: skip


@dataclass(slots=True)
class RowResult:
    sheet: str
    row: int  # as the spreadsheet numbers it (1-based)
    outcome: str  # new | changed | unchanged | error | skipped
    name: str = ""
    errors: list[dict[str, str]] = field(default_factory=list)
    interpreted: list[dict[str, str]] = field(default_factory=list)
    changes: dict[str, list[Any]] = field(default_factory=dict)
    note: str = ""
    # what to write (not shown): set by the planner, used by apply()
    enterprise_id: int | None = None
    case_id: int | None = None
    enterprise_values: dict[str, Any] = field(default_factory=dict)
    case_values: dict[str, Any] = field(default_factory=dict)
    baseline_values: dict[str, Any] = field(default_factory=dict)
    town_id: int | None = None

    def public(self) -> dict[str, Any]:
        """What the preview shows (the values to write stay internal)."""
        return {
            "sheet": self.sheet, "row": self.row, "outcome": self.outcome, "name": self.name, "errors": self.errors,
            "interpreted": self.interpreted, "changes": self.changes, "note": self.note,
            "enterprise_id": self.enterprise_id, "case_id": self.case_id,
        }  # fmt: skip


@dataclass
class Plan:
    kind: str
    rows: list[RowResult]
    sheet_layouts: dict[str, dict[str, Any]]

    def counts(self) -> dict[str, int]:
        counts = {"new": 0, "changed": 0, "unchanged": 0, "error": 0, "skipped": 0}
        for r in self.rows:
            counts[r.outcome] += 1
        return counts

    # Pickled (imports.plans) by column: lists of plain values, which pickle reads and writes in C. The dicts of
    # values go as (key-tuple number, values) so their keys are stored once per plan, not once per row (the plan is
    # pickled without a memo), and choice members as their plain values (an enum costs pickle a call per value).
    def __getstate__(self) -> tuple[Any, ...]:
        key_tuples: dict[tuple[str, ...], int] = {}
        columns: list[list[Any]] = []
        for name in _ROW_SLOTS:
            column = list(map(operator.attrgetter(name), self.rows))
            if name in _DICT_SLOTS:
                packed: list[Any] = []
                for d in column:
                    if d:
                        keys = tuple(d)
                        at = key_tuples.setdefault(keys, len(key_tuples))
                        packed.append((at, tuple([v._value_ if isinstance(v, Enum) else v for v in d.values()])))
                    else:
                        packed.append(None)
                column = packed
            columns.append(column)
        return (self.kind, self.sheet_layouts, list(key_tuples), columns)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.kind, self.sheet_layouts, key_tuples, columns = state
        for i in _DICT_SLOT_INDEXES:
            columns[i] = [
                _NONE_DICT if p is None else dict(zip(key_tuples[p[0]], p[1], strict=True)) for p in columns[i]
            ]
        self.rows = [_settled(RowResult(*values)) for values in zip(*columns, strict=True)]
        columns.clear()


_ROW_SLOTS = [f.name for f in fields(RowResult)]
_DICT_SLOTS = frozenset({"changes", "enterprise_values", "case_values", "baseline_values"})
_DICT_SLOT_INDEXES = [i for i, name in enumerate(_ROW_SLOTS) if name in _DICT_SLOTS]


class _Row:
    """One sheet row with its cells looked up by field; collects errors and interpretations."""

    __slots__ = ("_texts", "by_field", "layout", "result", "values")

    def __init__(self, values: list[Any], layout: Layout, result: RowResult, by_field: dict[str, int]):
        self.values = values
        self.layout = layout
        self.result = result
        self.by_field = by_field
        n = len(values)
        # Every mapped cell as clean text (parsing.text), once: most are read as text, several more than once.
        self._texts = {f: p.text(values[c]) if c < n else "" for f, c in by_field.items()}

    def has(self, fname: str) -> bool:
        return fname in self.by_field

    def raw(self, fname: str) -> Any:
        c = self.by_field.get(fname)
        return self.values[c] if c is not None and c < len(self.values) else None

    def clean(self, fname: str) -> str:
        """The cell as clean text (parsing.text); "" for a column the sheet does not have."""
        return self._texts.get(fname, "")

    def column(self, fname: str) -> str:
        c = self.by_field.get(fname)
        return self.layout.headers.get(c, FIELD_LABELS.get(fname, fname)) if c is not None else FIELD_LABELS[fname]

    def error(self, fname: str, message: str | None) -> None:
        if message:
            self.result.errors.append({"column": self.column(fname), "message": message})

    def parse(self, fname: str, parser: Callable[[Any], p.Parsed], *, memo: dict[Any, Any] | None = None) -> Any:
        """Parse one cell; with `memo` (one dict per column and import) each distinct cell value is parsed once.

        Only for parsers that depend on the cell alone (and the import's fixed context): categories, types,
        dates and progress words repeat down a sheet, names and coordinates do not.
        """
        raw = self.raw(fname)
        parsed: p.Parsed | str
        if memo is None:
            parsed = self._parse_now(raw, parser)
        else:
            cell_key = (type(raw), raw)
            found = memo.get(cell_key)
            parsed = found if found is not None else memo.setdefault(cell_key, self._parse_now(raw, parser))
        if isinstance(parsed, str):
            self.error(fname, parsed)
            return None
        if parsed.shown:
            self.result.interpreted.append({"column": self.column(fname), "shown": parsed.shown})
        return parsed.value

    @staticmethod
    def _parse_now(raw: Any, parser: Callable[[Any], p.Parsed]) -> p.Parsed | str:
        """The parsed cell, or the rule it breaks as a message."""
        try:
            return parser(raw)
        except p.CellError as exc:
            return str(exc)

    def text(self, fname: str, *, required: bool = False, none_words: bool = False) -> str:
        value = self.clean(fname)
        if none_words and value in _NONE_WORDS:
            self.result.interpreted.append({"column": self.column(fname), "shown": f"{value} → 空（无此类问题）"})
            return ""
        if required and not value:
            self.error(fname, f"请填写{FIELD_LABELS[fname]}")
        return value


class Context:
    """What planning needs from the database, fetched once per import (not per row)."""

    def __init__(
        self, *, scope: Scope, unit: OrgUnit | None, campaign: Campaign | None, synonyms: dict[str, dict[str, str]]
    ):
        self.scope = scope
        self.unit = unit
        self.campaign = campaign
        self.synonyms = synonyms
        self.today = clock.today()
        self.campaign_year = campaign.starts_on.year if campaign else self.today.year
        towns = list(OrgUnit.objects.filter(kind=OrgUnitKind.TOWN))
        self.towns_by_key = {p.key(t.name): t for t in towns} | {p.key(t.short_name): t for t in towns if t.short_name}
        self.towns = {t.pk: t for t in towns}
        from sanluanwu.accounts.queries import district

        d = district()
        self.district_boundary = d.boundary if d else None
        writable = permissions.towns_allowing(scope, "import.upload")
        town_ids = [unit.pk] if unit else [t.pk for t in towns if writable is None or t.pk in writable]
        self.enterprises: dict[tuple[int, str], dict[str, Any]] = {}
        self.enterprise_by_id: dict[int, dict[str, Any]] = {}
        for e in Enterprise.objects.filter(town_id__in=town_ids).values(
            "id", "town_id", "name_key", *ENTERPRISE_FIELDS
        ):
            self.enterprises[(e["town_id"], e["name_key"])] = e
            self.enterprise_by_id[e["id"]] = e
        self.credit_codes = dict(Enterprise.objects.exclude(credit_code="").values_list("credit_code", "id"))
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
        self.seen: dict[tuple[int, str], int] = {}
        # Parsed cells by column and cell value (see _Row.parse): a sheet repeats its categories, types and dates.
        self.memo: defaultdict[str, dict[Any, Any]] = defaultdict(dict)
        self.use_sheet_date(None)

    def use_sheet_date(self, sheet_date: dt.date | None) -> None:
        """The day a sheet's rows speak of: its own 填报日期 (new cases are listed on it, dates without a year take
        its year), else today and the campaign's year."""
        self.as_of = sheet_date or self.today
        self.year = sheet_date.year if sheet_date else self.campaign_year
        self.year_from = "表中填报日期的年份" if sheet_date else "专项行动年份"
        self.memo.pop("planned_completion", None)  # "7月底" depends on the year


def _town_for(row: _Row, ctx: Context) -> OrgUnit | None:
    if row.has("town") and row.clean("town"):
        written = row.clean("town")
        town = ctx.towns_by_key.get(p.key(written))
        if town is None:
            row.error("town", f"找不到镇（街道）“{written}”")
            return None
        if ctx.unit and town.pk != ctx.unit.pk:
            row.error("town", f"该行属于{town.name}，不属于本次导入的{ctx.unit.name}")
            return None
    elif ctx.unit:
        town = ctx.unit
    else:
        row.error("town", "表中没有“所属镇（街道）”列，请选择导入单位")
        return None
    if not permissions.allows(ctx.scope, "import.upload", town_id=town.pk):
        row.error("town", f"您无权导入{town.name}的数据")
        return None
    return town


def _coordinates(row: _Row, ctx: Context, datum: str, *, required: bool) -> geo.Point | None:
    if row.has("coordinates"):
        raw = row.clean("coordinates")
    elif row.has("longitude") and row.has("latitude"):
        lon, lat = row.clean("longitude"), row.clean("latitude")
        raw = f"{lon}, {lat}" if lon and lat else ""
    else:
        raw = ""
    if not raw:
        if required:
            row.error("coordinates", "请填写经纬度")
        return None
    point = row.parse("coordinates", lambda v: p.parse_coordinates(raw, datum))
    if point is not None:
        inside = geo.boundary_contains(ctx.district_boundary, *point.as_floats())
        if inside is False:
            row.error(
                "coordinates",
                f"该位置（经度 {point.lon}，纬度 {point.lat}）不在武进区范围内，请检查经纬度是否填反、坐标系是否正确",
            )
            return None
    return point  # type: ignore[no-any-return]


def _enterprise_values(row: _Row, ctx: Context, town: OrgUnit, datum: str, *, kind: str) -> dict[str, Any]:
    """Only the columns the sheet has: a column that is not there leaves the stored value alone."""
    values: dict[str, Any] = {}
    name = row.text("name", required=True)
    values["name"] = name
    if row.has("industry"):
        values["industry"] = row.text("industry", required=kind == "list")
    if row.has("address"):
        values["address"] = row.text("address", required=True)
    if row.has("village"):
        values["village"] = row.text("village")
    if row.has("legal_person"):
        values["legal_person"] = row.text("legal_person", required=True)
    if row.has("person_phone"):  # 联系人及电话 in one cell
        person, phone = row.parse("person_phone", p.parse_person_phone) or ("", "")
        if person and not row.has("legal_person"):
            values["legal_person"] = person  # the person is the 负责人 when the sheet names no other
        if not row.has("phone"):
            row.error("person_phone", rules.check_phone(phone))
            values["phone"] = phone
    if row.has("phone"):
        phone = p.to_halfwidth(row.text("phone")).replace(" ", "")
        row.error("phone", rules.check_phone(phone))
        values["phone"] = phone
    if row.has("credit_code"):
        code = p.to_halfwidth(row.text("credit_code")).upper()
        row.error("credit_code", rules.check_credit_code(code))
        values["credit_code"] = code
    if row.has("licence_status"):
        licence = row.parse(
            "licence_status",
            lambda v: p.parse_choice(
                v, "licence_status", ctx.synonyms["licence_status"], label="营业执照办理情况", required=False
            ),
            memo=ctx.memo["licence_status"],
        )
        if licence == "" and name:
            licence = LicenceStatus.UNLICENSED if name.endswith(("作坊", "个体户")) else LicenceStatus.LICENSED
            row.result.interpreted.append(
                {
                    "column": row.column("licence_status"),
                    "shown": f"（空）→ {LicenceStatus(licence).label}（按企业名称推断）",
                }
            )
        if licence:
            values["licence_status"] = licence
    has_coords = row.has("coordinates") or (row.has("longitude") and row.has("latitude"))
    if has_coords:
        point = _coordinates(row, ctx, datum, required=kind == "list")
        if point is not None:
            values["longitude"], values["latitude"] = point.lon, point.lat
            values["coord_datum"] = datum
            values["coord_input"] = (
                row.clean("coordinates")
                if row.has("coordinates")
                else f"{row.clean('longitude')}, {row.clean('latitude')}"
            )
    return values


def _merge_enterprise(existing: dict[str, Any] | None, values: dict[str, Any], row: _Row, kind: str) -> dict[str, Any]:
    """The enterprise as it would be after the row; checks the rules that span several columns."""
    merged = dict(existing or {})
    merged.update(values)
    if existing is None:
        for fname, label in (("industry", "行业类别"), ("address", "详细地址"), ("legal_person", "企业法人或负责人")):
            missing = not merged.get(fname) and (kind == "list" or fname != "industry")
            if missing and not any(e["column"] == row.column(fname) for e in row.result.errors):
                row.error(fname, f"请填写{label}")
        if not merged.get("licence_status"):
            name = merged.get("name", "")
            merged["licence_status"] = (
                LicenceStatus.UNLICENSED if name.endswith(("作坊", "个体户")) else LicenceStatus.LICENSED
            )
            row.result.interpreted.append(
                {
                    "column": "营业执照办理情况",
                    "shown": f"（无此列）→ {LicenceStatus(merged['licence_status']).label}（按企业名称推断）",
                }
            )
    if merged.get("name") and merged.get("legal_person"):
        row.error(
            "name",
            rules.check_workshop_name(
                name=merged["name"],
                licence_status=merged.get("licence_status", ""),
                legal_person=merged["legal_person"],
                industry=merged.get("industry", ""),
            ),
        )
    return merged


def _diff(old: dict[str, Any] | None, new: dict[str, Any], fields: list[str]) -> dict[str, list[Any]]:
    old = old or {}
    out = {}
    for f in fields:
        if f not in new:
            continue
        a, b = old.get(f), new.get(f)
        if (a in (None, "") and b in (None, "")) or a == b:
            continue
        if f in ("coord_input", "coord_datum"):
            continue  # the text as typed is kept, but a new spelling of the same point is no change
        out[f] = [a, b]
    return out


def plan_rows(
    sheets: list[tuple[Sheet, Layout]],
    *,
    kind: str,
    ctx: Context,
    datum: str,
    progress: Callable[[int, int], None] | None = None,
) -> Plan:
    results: list[RowResult] = []
    total = sum(max(len(sheet.rows) - layout.first_data_row, 0) for sheet, layout in sheets) or 1
    done = 0
    layouts = {}
    for sheet, layout in sheets:
        layouts[sheet.name] = describe(layout, kind)
        sheet_date = layout.sheet_date
        if sheet_date and sheet_date.day > ctx.today:
            message = (f"表中填报日期（{sheet_date.day:%Y-%m-%d}）晚于今天（{ctx.today:%Y-%m-%d}），"
                       "请核对填报日期；本工作表未导入")  # fmt: skip
            layouts[sheet.name]["error"] = message
            results.append(RowResult(sheet=sheet.name, row=sheet_date.row, outcome="error", name=sheet_date.written[:40],
                                     errors=[{"column": "填报日期", "message": message}]))  # fmt: skip
            continue
        ctx.use_sheet_date(sheet_date.day if sheet_date else None)
        layouts[sheet.name] |= {"as_of": ctx.as_of.isoformat(), "year": ctx.year}
        by_field = layout.by_field
        for r in range(layout.first_data_row, len(sheet.rows)):
            done += 1
            if progress and done % 5000 == 0:
                progress(done, total)
            values = sheet.rows[r]
            sheet.rows[r] = _RELEASED  # planned rows keep only parsed values: release the cells (100,000 rows)
            what = row_kind(values, layout)
            if what == "blank":
                continue
            result = RowResult(sheet=sheet.name, row=r + 1, outcome="skipped")
            if what != "data":
                result.note = SKIP_NOTES[what]
                result.name = p.text(next((v for v in values if p.text(v)), ""))[:40]
                results.append(result)
                continue
            row = _Row(values, layout, result, by_field)
            if kind == "list":
                _plan_list_row(row, ctx, datum)
            else:
                _plan_baseline_row(row, ctx, datum)
            if result.errors:
                result.outcome = "error"
            results.append(_settled(result))
    return Plan(kind=kind, rows=results, sheet_layouts=layouts)


# Shared by every planned row that has nothing in them: a 100,000-row plan would otherwise hold 400,000 empty
# lists and dicts (~25 MB). A row is never changed after planning, except for the ids apply() sets.
_RELEASED: list[Any] = []
_NONE_LIST: list[Any] = cast(list[Any], ())  # immutable: an append after planning fails loudly
_NONE_DICT: dict[str, Any] = {}


def _settled(result: RowResult) -> RowResult:
    if not result.errors:
        result.errors = _NONE_LIST
    if not result.interpreted:
        result.interpreted = _NONE_LIST
    if not result.changes:
        result.changes = _NONE_DICT
    if not result.baseline_values:
        result.baseline_values = _NONE_DICT
    if not result.enterprise_values:
        result.enterprise_values = _NONE_DICT
    if not result.case_values:
        result.case_values = _NONE_DICT
    return result


def _match_enterprise(row: _Row, ctx: Context, town: OrgUnit, name: str) -> dict[str, Any] | None:
    return ctx.enterprises.get((town.pk, name_key(name)))


def _check_duplicates(
    row: _Row, ctx: Context, town: OrgUnit, values: dict[str, Any], enterprise_id: int | None
) -> None:
    k = (town.pk, name_key(values.get("name", "")))
    if values.get("name"):
        if k in ctx.seen:
            row.error("name", f"与第 {ctx.seen[k]} 行是同一企业（同一镇内名称相同），请合并为一行")
        else:
            ctx.seen[k] = row.result.row
    code = values.get("credit_code")
    if code and ctx.credit_codes.get(code) not in (None, enterprise_id):
        row.error("credit_code", "该统一社会信用代码已登记在另一家企业")


def _plan_list_row(row: _Row, ctx: Context, datum: str) -> None:
    result = row.result
    name = row.text("name")
    result.name = name
    case: dict[str, Any] | None = None
    sid = row.clean("system_id") if row.has("system_id") else ""
    if sid:
        # Our own export: the hidden system id names the case, and with it the town.
        case = ctx.cases.get(int(sid)) if sid.isdigit() else None
        if case is None:
            row.error("system_id", f"系统编号 {sid} 不是您可导入的本次专项行动整治对象，请勿修改该列")
            return
        town = ctx.towns[case["town_id"]]
        written = row.clean("town") if row.has("town") else ""
        if (written and ctx.towns_by_key.get(p.key(written)) != town) or (ctx.unit and ctx.unit.pk != town.pk):
            row.error("town", f"系统编号 {sid} 的整治对象属于{town.name}，与表中（或所选）单位不一致")
            return
        existing = ctx.enterprise_by_id.get(case["enterprise_id"])
    else:
        found_town = _town_for(row, ctx)
        if found_town is None:
            if not name:
                row.error("name", "请填写企业名称")
            return
        town = found_town
        existing = _match_enterprise(row, ctx, town, name)
        if existing is not None:
            case = ctx.case_by_enterprise.get(existing["id"])
    values = _enterprise_values(row, ctx, town, datum, kind="list")
    merged = _merge_enterprise(existing, values, row, "list")
    if existing is not None and values.get("name") and name_key(values["name"]) != existing["name_key"]:
        clash = ctx.enterprises.get((town.pk, name_key(values["name"])))
        if clash and clash["id"] != existing["id"]:
            row.error("name", f"{town.name}已有同名企业“{values['name']}”")
    _check_duplicates(row, ctx, town, merged, existing["id"] if existing else None)

    cvals: dict[str, Any] = {}
    if row.has("category"):
        cvals["lookback_category"] = row.parse("category", p.parse_category, memo=ctx.memo["category"])
    for fname in ("env_problems", "safety_problems", "other_problems"):
        if row.has(fname):
            cvals[fname] = row.text(fname, none_words=True)
    if row.has("remediation_type"):
        cvals["remediation_type"] = row.parse(
            "remediation_type",
            lambda v: p.parse_choice(
                v, "remediation_type", ctx.synonyms["remediation_type"], label="整治类型", required=False
            ),
            memo=ctx.memo["remediation_type"],
        )
    if row.has("planned_completion"):
        cvals["planned_completion"] = row.parse(
            "planned_completion",
            lambda v: p.parse_date(v, year=ctx.year, year_from=ctx.year_from),
            memo=ctx.memo["planned_completion"],
        )
    if row.has("responsible_person"):
        cvals["responsible_person"] = row.text("responsible_person", required=True)
    current = (case or {}).get("status", CaseStatus.LISTED)
    target_status = None
    if row.has("progress"):
        progress: p.Progress | None = row.parse("progress", p.parse_progress, memo=ctx.memo["progress"])
        if progress:
            target_status = progress.status or _implied_status(progress.at_least, current)
            cvals["progress_note"] = progress.note
            if target_status == CaseStatus.CLOSED:
                cvals["closed_on"] = progress.closed_on or (case or {}).get("closed_on") or ctx.as_of
    merged_case = dict(case or {})
    merged_case.update({k: v for k, v in cvals.items() if v is not None})
    if case is None:
        if "lookback_category" not in merged_case and not any(
            e["column"] == row.column("category") for e in result.errors
        ):
            row.error("category", "请填写“回头看”四种排查类型类别")
        if not merged_case.get("responsible_person") and not row.has("responsible_person"):
            row.error("responsible_person", "请填写责任人")
        merged_case["listed_on"] = ctx.as_of
    status = target_status or current
    if STATUS_ORDER.index(status) < STATUS_ORDER.index(current):
        row.error(
            "progress",
            f"整治进度不能倒退（系统中为“{CaseStatus(current).label}”，表中为“{CaseStatus(status).label}”），"
            "如需退回请在系统中办理",
        )
    elif STATUS_ORDER.index(status) >= STATUS_ORDER.index(CaseStatus.REMEDIATING):
        if not merged_case.get("remediation_type"):
            row.error("remediation_type", "整治进度为整治中或之后的，须填写整治类型")
        if not merged_case.get("planned_completion"):
            row.error("planned_completion", "整治进度为整治中或之后的，须填写计划完成时间")
    merged_case["status"] = status
    if status != CaseStatus.CLOSED:
        merged_case["closed_on"] = None
    row.error(
        "planned_completion",
        rules.check_planned_completion(
            merged_case.get("planned_completion"), merged_case.get("listed_on") or ctx.as_of
        ),
    )
    if result.errors:
        return
    result.town_id = town.pk
    if existing is None:
        result.outcome = "new"
        result.enterprise_values = merged
        result.case_values = merged_case
        return
    result.enterprise_id = existing["id"]
    ent_changes = _diff(existing, merged, ENTERPRISE_FIELDS)
    case_changes = _diff(case, merged_case, CASE_FIELDS) if case else {}
    result.enterprise_values = {k: merged[k] for k in ent_changes} | (
        {"coord_input": merged["coord_input"], "coord_datum": merged["coord_datum"]}
        if "longitude" in ent_changes or "latitude" in ent_changes
        else {}
    )
    if case is None:
        result.outcome = "new"
        result.case_values = merged_case
        result.note = "已有该企业的档案，新列入本次专项行动"
    else:
        result.case_id = case["id"]
        result.case_values = {k: merged_case[k] for k in case_changes}
        result.outcome = "changed" if (ent_changes or case_changes) else "unchanged"
    result.changes = {_LABELS.get(k, k): [_show(a), _show(b)] for k, (a, b) in (ent_changes | case_changes).items()}


def _implied_status(at_least: str | None, current: str) -> str | None:
    """The least status progress words imply (已断水断电 → 已停产), when the case is not already past it."""
    if at_least and STATUS_ORDER.index(at_least) > STATUS_ORDER.index(current):
        return at_least
    return None


def _show(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return ""
    return str(value) if not isinstance(value, int | str) else value


def _plan_baseline_row(row: _Row, ctx: Context, datum: str) -> None:
    result = row.result
    town = _town_for(row, ctx)
    name = row.text("name")
    result.name = name
    if town is None:
        if not name:
            row.error("name", "请填写企业名称")
        return
    existing = _match_enterprise(row, ctx, town, name)
    values = _enterprise_values(row, ctx, town, datum, kind="baseline")
    merged = _merge_enterprise(existing, values, row, "baseline")
    if not merged.get("industry"):
        merged["industry"] = "未注明"
        result.interpreted.append({"column": "行业类别", "shown": "（空）→ 未注明"})
    _check_duplicates(row, ctx, town, merged, existing["id"] if existing else None)
    method_text = row.text("method", required=True)
    method = None
    if method_text:
        method = ctx.synonyms["baseline_method"].get(p.key(method_text))
        if method is None:
            method = BaselineMethod.OTHER
            result.interpreted.append({"column": row.column("method"), "shown": f"{method_text} → 其他（原文保留）"})
    completed = (
        row.parse("completed_on", lambda v: p.parse_date(v, year=2019), memo=ctx.memo["completed_on"])
        if row.has("completed_on")
        else None
    )
    if result.errors:
        return
    result.town_id = town.pk
    batch = "2018-2019年集中整治"
    result.baseline_values = {"batch": batch, "method": method, "method_text": method_text, "completed_on": completed}
    if existing is None:
        result.outcome = "new"
        result.enterprise_values = merged
        result.changes = {_LABELS.get(k, k): [None, _show(v)] for k, v in merged.items() if v not in (None, "")}
        result.changes["2018-2019年整治方式"] = [None, method_text]
        return
    result.enterprise_id = existing["id"]
    ent_changes = _diff(existing, merged, ENTERPRISE_FIELDS)
    result.enterprise_values = {k: merged[k] for k in ent_changes}
    known = (existing["id"], batch, method, completed) in ctx.baselines
    if known and not ent_changes:
        result.outcome = "unchanged"
        result.baseline_values = {}
        return
    if known:
        result.baseline_values = {}
    result.outcome = "changed"
    result.changes = {_LABELS.get(k, k): [_show(a), _show(b)] for k, (a, b) in ent_changes.items()}
    if not known:
        result.changes["2018-2019年整治方式"] = ["", method_text]


# ---- apply -----------------------------------------------------------------------------------------


def apply_plan(plan: Plan, *, actor: Any, campaign: Campaign | None, batch_label: str) -> dict[str, int]:
    """Write every valid row of the plan; the caller holds the transaction.

    New rows go in by COPY (core.bulk.insert_many, rows generated while the server writes), changed rows
    by bulk_update; one audit event per created or changed object, with the same fields record_event()
    writes, inserted the same way.
    """
    assert transaction.get_connection().in_atomic_block
    from sanluanwu.accounts.scope import scope_for
    from sanluanwu.audit.context import client_ip_var, current_request_id

    now = clock.now()
    today = clock.today()
    rows = [r for r in plan.rows if r.outcome in ("new", "changed")]
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    base_event = {
        "occurred_at": now, "actor_id": actor_id, "actor_username": actor.username, "actor_name": actor.display_name,
        "org_unit_name": "、".join(scope_for(actor).unit_names), "request_id": current_request_id(),
        "ip": client_ip_var.get(), "result": "success",
    }  # fmt: skip

    def event(action: str, obj_type: str, obj_id: int, repr_: str, changes: dict[str, Any], row: int) -> dict[str, Any]:
        # Dates and decimals inside `changes` are written as their text by insert_many (as _show does).
        return {**base_event, "action": action, "object_type": obj_type, "object_id": str(obj_id),
                "object_repr": repr_[:300], "changes": changes, "note": f"{batch_label} 第 {row} 行"}  # fmt: skip

    # 1. enterprises: insert the new ones, update the changed ones
    new_ents = [r for r in rows if r.enterprise_id is None]

    def enterprise_row(v: dict[str, Any], town_id: int | None) -> dict[str, Any]:
        row = {k: v.get(k, "") for k in ENTERPRISE_FIELDS}
        row.update(longitude=v.get("longitude"), latitude=v.get("latitude"),
                   coord_datum=v.get("coord_datum") or geo.DATUM_WGS84, town_id=town_id, name_key=name_key(v["name"]),
                   created_at=now, updated_at=now, version=1, search_text=_search_text(v))  # fmt: skip
        return row

    new_ent_ids = insert_many(Enterprise, (enterprise_row(r.enterprise_values, r.town_id) for r in new_ents),
                              count=len(new_ents))  # fmt: skip
    for r, new_id in zip(new_ents, new_ent_ids, strict=True):
        r.enterprise_id = new_id
    created = {id(r) for r in new_ents}
    changed_ents = [r for r in rows if r.enterprise_values and id(r) not in created]
    objs = {e.pk: e for e in Enterprise.objects.filter(pk__in=[r.enterprise_id for r in rows if id(r) not in created])}
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
        updated_events.append(event("imports.enterprise.updated", "registry.enterprise", e.pk, e.name,
                                    {k: [_show(before[k]), _show(getattr(e, k))] for k in r.enterprise_values
                                     if k not in ("coord_input", "coord_datum")}, r.row))  # fmt: skip
    if changed_ents:
        Enterprise.objects.bulk_update([objs[r.enterprise_id] for r in changed_ents], sorted(fields), batch_size=2000)  # type: ignore[index]
        # Cases carry a copy of the enterprise's search text (registry.models.Case.search_text).
        for r in changed_ents:
            if {"name", "address", "legal_person"} & set(r.enterprise_values):
                e = objs[r.enterprise_id]  # type: ignore[index]
                Case.objects.filter(enterprise=e).update(search_text=e.search_text)

    def name_of(r: RowResult) -> str:
        e = objs.get(r.enterprise_id or 0)
        return e.name if e is not None else str(r.enterprise_values.get("name", ""))

    def search_of(r: RowResult) -> str:
        e = objs.get(r.enterprise_id or 0)
        return e.search_text if e is not None else _search_text(r.enterprise_values)

    def enterprise_created_events() -> Any:
        for r in new_ents:
            row = enterprise_row(r.enterprise_values, r.town_id)
            yield event("imports.enterprise.created", "registry.enterprise", r.enterprise_id or 0, row["name"],
                        {k: [None, v] for k in ENTERPRISE_FIELDS if (v := row[k]) is not None and v != ""}, r.row)  # fmt: skip

    # 2. cases (dynamic list) or baseline records
    later_events: list[Any] = [enterprise_created_events(), updated_events]
    if plan.kind == "list":
        new_cases = [r for r in rows if r.case_id is None and r.case_values]

        def case_row(r: RowResult) -> dict[str, Any]:
            v = r.case_values
            row = {k: v.get(k) if k in _NULLABLE_CASE_FIELDS else (v.get(k) or "") for k in CASE_FIELDS}
            row.update(enterprise_id=r.enterprise_id, campaign_id=campaign.pk if campaign else None,
                       town_id=r.town_id, listed_on=v.get("listed_on") or today,
                       status=v.get("status") or CaseStatus.LISTED, created_at=now, updated_at=now,
                       created_by_id=actor_id, version=1, search_text=search_of(r))  # fmt: skip
            return row

        for r, new_id in zip(new_cases, insert_many(Case, (case_row(r) for r in new_cases), count=len(new_cases)),
                             strict=True):  # fmt: skip
            r.case_id = new_id

        def case_created_events() -> Any:
            for r in new_cases:
                row = case_row(r)
                yield event("imports.case.created", "registry.case", r.case_id or 0, name_of(r),
                            {k: [None, v] for k in _CASE_EVENT_FIELDS if (v := row[k]) is not None and v != ""},
                            r.row)  # fmt: skip

        later_events.append(case_created_events())
        created_cases = {id(r) for r in new_cases}
        changed_cases = [r for r in rows if r.case_id and r.case_values and id(r) not in created_cases]
        if changed_cases:
            objs_c = {c.pk: c for c in Case.objects.filter(pk__in=[r.case_id for r in changed_cases])}
            cfields: set[str] = set()
            case_events = []
            for r in changed_cases:
                c = objs_c[r.case_id]  # type: ignore[index]
                before = {k: getattr(c, k) for k in r.case_values}
                for k, v in r.case_values.items():
                    setattr(c, k, v if v is not None or k in ("planned_completion", "closed_on") else "")
                c.version += 1
                c.updated_at = now
                cfields |= set(r.case_values) | {"version", "updated_at"}
                case_events.append(event("imports.case.updated", "registry.case", c.pk, name_of(r),
                                         {k: [_show(before[k]), _show(getattr(c, k))] for k in r.case_values}, r.row))  # fmt: skip
            Case.objects.bulk_update(list(objs_c.values()), sorted(cfields), batch_size=2000)
            later_events.append(case_events)
    else:
        base_rows = [r for r in rows if r.baseline_values]
        records = [{**r.baseline_values, "enterprise_id": r.enterprise_id, "created_at": now} for r in base_rows]
        later_events.append([
            event("imports.baseline.created", "registry.baselinerecord", new_id, name_of(r),
                  {"method": [None, rec["method"]], "method_text": [None, rec["method_text"]],
                   "completed_on": [None, rec["completed_on"]]}, r.row)
            for r, new_id, rec in zip(base_rows, insert_many(BaselineRecord, records), records, strict=True)
        ])  # fmt: skip
    count = sum(len(e) if isinstance(e, list) else 0 for e in later_events) + len(new_ents)
    if plan.kind == "list":
        count += len(new_cases)
    insert_many(AuditEvent, itertools.chain.from_iterable(later_events), count=count)
    return plan.counts()


def _search_text(values: dict[str, Any]) -> str:
    return search_text(values["name"], values.get("address", ""), values.get("legal_person", ""))


_NULLABLE_CASE_FIELDS = frozenset({"planned_completion", "closed_on", "lookback_category"})
