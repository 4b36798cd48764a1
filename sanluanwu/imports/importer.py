"""Read a sheet's rows and plan them (new / changed / unchanged / error / skipped) for the preview and the confirm.

Reading is this app's: which row is data, each cell read by its column's reader as registry.columns defines it
(registry.cells), every interpretation shown. What a row means and whether it may be written is the registry's:
registry.bulk decides each row with the same row rules, permission table and workflow table as the form, and
writes a confirmed plan (registry.bulk.apply). Planning never writes, so the preview is exact.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any, cast

from sanluanwu.accounts import permissions
from sanluanwu.accounts.choices import OrgUnitKind
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.queries import district
from sanluanwu.accounts.scope import Scope
from sanluanwu.campaigns.models import Campaign
from sanluanwu.core import clock, geo, memory, pacing
from sanluanwu.core.masking import mask_text
from sanluanwu.imports.layout import FIELD_LABELS, SKIP_NOTES, Layout, as_written, describe, row_kind
from sanluanwu.imports.readers import Sheet
from sanluanwu.registry import bulk, cells, columns
from sanluanwu.registry.choices import BaselineMethod, CaseStatus, LicenceStatus, LookbackCategory, RemediationType

# How a changed field is named in the preview (the column's short name, else the model's).
_LABELS = {**{c.field: c.short for c in columns.BY_KEY.values() if c.field}, "status": "整治状态",
           "progress_note": "整治进度说明", "closed_on": "销号日期", "longitude": "经度", "latitude": "纬度",
           "method": "2018-2019年整治方式"}  # fmt: skip


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
    warnings: list[str] = field(default_factory=list)  # a new enterprise that may be one on record (not blocking)
    # what to write (not shown): set by the planner, used by apply()
    enterprise_id: int | None = None
    case_id: int | None = None
    enterprise_values: dict[str, Any] = field(default_factory=dict)
    case_values: dict[str, Any] = field(default_factory=dict)
    baseline_values: dict[str, Any] = field(default_factory=dict)
    town_id: int | None = None
    steps: tuple[str, ...] = ()  # the workflow actions a status change walks (registry.bulk)
    from_status: str = ""

    def public(self) -> dict[str, Any]:
        """What the preview shows (the values to write stay internal). Every text in it is masked (core.masking): the
        preview is read by everyone who may see the batch, and what it quotes (a changed 责任人, a kept note, a cell
        read some way) may hold a phone or ID number; the clear values are written, never shown."""
        return {
            "sheet": self.sheet, "row": self.row, "outcome": self.outcome, "name": self.name,
            "errors": [{**e, "message": mask_text(e.get("message", ""))} for e in self.errors] or self.errors,
            "interpreted": [{**i, "shown": mask_text(i.get("shown", ""))} for i in self.interpreted] or self.interpreted,
            "changes": {k: [_masked(v) for v in pair] for k, pair in self.changes.items()} or self.changes,
            "note": mask_text(self.note), "warnings": [mask_text(w) for w in self.warnings] or self.warnings,
            "enterprise_id": self.enterprise_id, "case_id": self.case_id,
        }  # fmt: skip


def _masked(value: Any) -> Any:
    return mask_text(value) if isinstance(value, str) else value


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


class Context:
    """What planning needs, fetched once per import (not per row): how cells are read, and the registry's records."""

    def __init__(
        self, *, scope: Scope, unit: OrgUnit | None, campaign: Campaign | None, synonyms: dict[str, dict[str, str]],
        datum: str, kind: str,
    ):  # fmt: skip
        self.kind = kind
        self.today = clock.today()
        self.campaign_year = campaign.starts_on.year if campaign else self.today.year
        towns = list(OrgUnit.objects.filter(kind=OrgUnitKind.TOWN))
        towns_by_key = {cells.key(t.name): t for t in towns} | {
            cells.key(t.short_name): t for t in towns if t.short_name
        }
        self.cells = cells.CellContext(synonyms=synonyms, year=self.campaign_year, year_from="专项行动年份",
                                       datum=datum, towns_by_key=towns_by_key)  # fmt: skip
        writable = permissions.towns_allowing(scope, "import.upload")
        d = district()
        self.registry = bulk.Context(
            scope=scope, towns=[t for t in towns if writable is None or t.pk in writable], unit=unit, campaign=campaign,
            today=self.today, district_boundary=d.boundary if d else None,
        )  # fmt: skip
        # Read cells by column and cell value (see _read): a sheet repeats its categories, types and dates.
        self.memo: defaultdict[str, dict[Any, Any]] = defaultdict(dict)
        self.use_sheet_date(None)

    def use_sheet_date(self, sheet_date: dt.date | None) -> None:
        """The day a sheet's rows speak of: its own 填报日期 (new cases are listed on it, dates without a year take
        its year), else today and the campaign's year."""
        self.as_of = self.registry.as_of = sheet_date or self.today
        self.year = self.cells.year = sheet_date.year if sheet_date else self.campaign_year
        self.cells.year_from = "表中填报日期的年份" if sheet_date else "专项行动年份"
        self.cells.near = sheet_date
        for key, column in columns.BY_KEY.items():
            if column.read is cells.read_date:
                self.memo.pop(key, None)  # "7月底" depends on the year


def _read(value: Any, column: columns.Column, ctx: Context) -> cells.Parsed | str:
    """One cell by its column's reader; the rule it breaks as a message. Repeating columns are read once per value."""
    reader = column.read
    assert reader is not None
    if column.repeats:
        memo = ctx.memo[column.key]
        cell_key = (type(value), value)
        found = memo.get(cell_key)
        if found is not None:
            return found  # type: ignore[no-any-return]
    try:
        parsed: cells.Parsed | str = reader(value, ctx.cells)
    except cells.CellError as exc:
        parsed = str(exc)
    if column.repeats:
        memo[cell_key] = parsed
    return parsed


class _Reading:
    """How a sheet's rows are read, worked out once per sheet: which column's cells go through which reader.

    Columns read as plain text take the fast way (the cell as clean text, no interpretation to show): most of a
    sheet is names and addresses, and an import reads 1.5 million cells of them.
    """

    def __init__(self, layout: Layout, ctx: Context):
        self.by_field = by_field = layout.by_field
        self.plain: list[tuple[str, int]] = []
        self.read: list[tuple[str, int, columns.Column]] = []
        for key, c in by_field.items():
            column = columns.BY_KEY[key]
            if column.read is None or key in ("longitude", "latitude"):
                continue
            if column.read is cells.read_text:
                self.plain.append((key, c))
            else:
                self.read.append((key, c, column))
        self.coordinates = by_field.get("coordinates")
        self.split = ((by_field["longitude"], by_field["latitude"]) if self.coordinates is None
                      and "longitude" in by_field and "latitude" in by_field else None)  # fmt: skip
        self.has_legal_person = "legal_person" in by_field
        self.has_phone = "phone" in by_field

    def row(self, cells_in_row: list[Any], ctx: Context) -> tuple[dict[str, Any], list[tuple[str, str]],
                                                                   list[tuple[str, str]]]:  # fmt: skip
        """A data row's values by column key (only the columns the sheet has), with cell errors and interpretations."""
        n = len(cells_in_row)
        text = cells.text
        values: dict[str, Any] = {key: text(cells_in_row[c]) if c < n else "" for key, c in self.plain}
        errors: list[tuple[str, str]] = []
        shown: list[tuple[str, str]] = []
        blank: list[str] = []
        for key, c, column in self.read:
            raw = cells_in_row[c] if c < n else None
            if c == self.coordinates and text(raw) == "":
                continue  # an empty position: a new row needs one (registry.bulk says so), a known one keeps its own
            if key in bulk.KEPT_IF_BLANK and text(raw) == "":
                blank.append(key)  # a known case keeps its text (registry.bulk); 无 is how a sheet clears it
            parsed = _read(raw, column, ctx)
            if type(parsed) is str:
                errors.append((key, parsed))
                continue
            if parsed.shown:  # type: ignore[union-attr]
                shown.append((key, parsed.shown))  # type: ignore[union-attr]
            values[key] = parsed.value  # type: ignore[union-attr]
        if blank:
            values[bulk.BLANK_CELLS] = blank
        if self.coordinates is not None and "coordinates" in values:
            values["coord_input"] = text(cells_in_row[self.coordinates])
        elif self.split is not None:
            lon, lat = (text(cells_in_row[c]) if c < n else "" for c in self.split)
            if lon and lat:
                parsed = _read(f"{lon}, {lat}", columns.BY_KEY["coordinates"], ctx)
                if isinstance(parsed, str):
                    errors.append(("coordinates", parsed))
                else:
                    values["coordinates"], values["coord_input"] = parsed.value, f"{lon}, {lat}"
                    if parsed.shown:
                        shown.append(("coordinates", parsed.shown))
        if "coordinates" in values:
            values["coord_datum"] = ctx.cells.datum
        if "person_phone" in values:  # 联系人及电话 in one cell
            person, phone = values.pop("person_phone")
            if person and not self.has_legal_person:
                values["legal_person"] = person  # the person is the 负责人 when the sheet names no other
            if not self.has_phone:
                values["phone"] = phone
        return values, errors, shown


def _column_name(key: str, layout: Layout, by_field: dict[str, int]) -> str:
    """The sheet's own header of the column a message is about (or its usual name when the sheet has none)."""
    if key == bulk.ROW:
        return "（整行）"
    c = by_field.get(key)
    if c is None and key in ("legal_person", "phone"):
        c = by_field.get("person_phone")
    if c is None and key == "coordinates":
        c = by_field.get("longitude")
    if c is not None:
        return layout.headers.get(c, FIELD_LABELS.get(key, key))
    return FIELD_LABELS.get(key, key)


# How a changed value reads in the preview: a choice by its label (整治中, not remediating), a date as text.
_CHOICE_LABELS: dict[str, dict[Any, str]] = {
    "status": dict(CaseStatus.choices), "lookback_category": dict(LookbackCategory.choices),
    "licence_status": dict(LicenceStatus.choices), "remediation_type": dict(RemediationType.choices),
    "method": dict(BaselineMethod.choices), "coord_datum": dict(geo.DATUM_CHOICES),
}  # fmt: skip


def _shown(field: str, value: Any) -> Any:
    labels = _CHOICE_LABELS.get(field)
    if labels is not None and value not in (None, ""):
        return labels.get(value, value)
    return bulk.show(value)


def plan_rows(
    sheets: list[tuple[Sheet, Layout]],
    *,
    kind: str,
    ctx: Context,
    progress: Callable[[int, int], None] | None = None,
) -> Plan:
    results: list[RowResult] = []
    total = sum(max(len(sheet.rows) - layout.first_data_row, 0) for sheet, layout in sheets) or 1
    plan_row = bulk.plan_case_row if kind == "list" else bulk.plan_baseline_row
    with memory.few_collections():
        return _plan_sheets(sheets, kind=kind, ctx=ctx, progress=progress, plan_row=plan_row, results=results,
                            total=total)  # fmt: skip


def _plan_sheets(sheets: list[tuple[Sheet, Layout]], *, kind: str, ctx: Context,
                 progress: Callable[[int, int], None] | None, plan_row: Callable[..., bulk.Decision],
                 results: list[RowResult], total: int) -> Plan:  # fmt: skip
    done = 0
    # Progress is reported (and a cancel seen) every 5 % of the rows, at least 500 and at most 5,000 rows apart: a
    # 10,000-row sheet moved its bar once, from 22 % straight to 待确认.
    every = progress_step(total)
    layouts = {}
    pace = pacing.current()  # the job worker's rests (core.pacing); none in a request
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
        reading = _Reading(layout, ctx)
        by_field = reading.by_field
        for r in range(layout.first_data_row, len(sheet.rows)):
            done += 1
            if progress and done % every == 0:
                progress(done, total)
            if done % 500 == 0:
                pace.rest()
            row_cells = sheet.rows[r]
            sheet.rows[r] = _RELEASED  # planned rows keep only read values: release the cells (100,000 rows)
            what = row_kind(row_cells, layout)
            if what == "blank":
                continue
            result = RowResult(sheet=sheet.name, row=r + 1, outcome="skipped")
            if what != "data":
                result.note = SKIP_NOTES[what]
                result.name = skipped_caption(row_cells)
                results.append(result)
                continue
            values, errors, shown = reading.row(row_cells, ctx)
            result.name = values.get("name", "")
            decision = plan_row(ctx.registry, values, row=r + 1)
            read_badly = {key for key, _m in errors}
            problems = errors + [(k, m) for k, m in decision.errors if k not in read_badly]
            if problems:
                result.outcome = "error"
                result.errors = [{"column": _column_name(k, layout, by_field), "message": m} for k, m in problems]
            else:
                result.outcome = decision.outcome
                result.note = decision.note
                result.warnings = decision.warnings
                result.town_id = decision.town_id
                result.enterprise_id = decision.enterprise_id
                result.case_id = decision.case_id
                result.enterprise_values = decision.enterprise_values
                result.case_values = decision.case_values
                result.baseline_values = decision.baseline_values
                result.steps = decision.steps
                result.from_status = decision.from_status
                result.changes = {
                    _LABELS.get(k, k): [_shown(k, a), _shown(k, b)] for k, (a, b) in decision.changes.items()
                }
            result.interpreted = [{"column": _column_name(k, layout, by_field), "shown": m}
                                  for k, m in [*shown, *decision.interpreted]]  # fmt: skip
            results.append(_settled(result))
    if progress and done % every:
        progress(done, total)  # every row checked: the bar at the end of its span
    return Plan(kind=kind, rows=results, sheet_layouts=layouts)


def progress_step(total: int) -> int:
    """How many rows apart the planning reports its progress."""
    return min(max(total // 20, 500), 5000)


# Shared by every planned row that has nothing in them: a 100,000-row plan would otherwise hold 400,000 empty
# lists and dicts (~25 MB). A row is never changed after planning.
_RELEASED: list[Any] = []
_NONE_LIST: list[Any] = cast(list[Any], ())  # immutable: an append after planning fails loudly
_NONE_DICT: dict[str, Any] = {}


def _settled(result: RowResult) -> RowResult:
    if not result.errors:
        result.errors = _NONE_LIST
    if not result.interpreted:
        result.interpreted = _NONE_LIST
    if not result.warnings:
        result.warnings = _NONE_LIST
    if not result.changes:
        result.changes = _NONE_DICT
    if not result.baseline_values:
        result.baseline_values = _NONE_DICT
    if not result.enterprise_values:
        result.enterprise_values = _NONE_DICT
    if not result.case_values:
        result.case_values = _NONE_DICT
    return result


def apply_plan(plan: Plan, *, actor: Any, campaign: Campaign | None, batch_label: str) -> None:
    """Hand the confirmed plan to the registry, which writes it (registry.bulk.apply) in the caller's transaction."""
    bulk.apply(plan.rows, actor=actor, campaign=campaign, kind=plan.kind, source=batch_label)


def skipped_caption(row_cells: list[Any], *, limit: int = 40) -> str:
    """How a skipped row (a note, a signature) is named in the preview: its cells as they read, each cell's own spaces
    collapsed but kept (layout.as_written), the cells apart by a space and a merged range once; cut at `limit`
    characters with "…". Masked (core.masking): a signature row quotes the 联系电话 beside the 填表人."""
    parts: list[str] = []
    for value in row_cells:
        shown = as_written(value)
        if shown and (not parts or parts[-1] != shown):  # a merged range reads its value in each of its cells
            parts.append(shown)
    caption = mask_text(" ".join(parts))
    return caption if len(caption) <= limit else caption[: limit - 1] + "…"
