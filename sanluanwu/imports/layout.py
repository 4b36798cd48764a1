"""Find the table in a sheet: where the header is (any of the first rows, possibly two merged rows),
which column holds which field, the sheet's own date (填报日期 / 截至日期 above the table), and which rows are
data, notes, repeated headers, totals or signature lines.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sanluanwu.core.masking import mask_text
from sanluanwu.core.text import strip_controls
from sanluanwu.registry import columns
from sanluanwu.registry.cells import SHEET_DATE_LABEL_ONLY, key, parse_sheet_date, text

HEADER_SCAN_ROWS = 30
SIGNATURE_SCAN_ROWS = 12  # the 落款 (填表人, 日期) stands in the last rows under the table

# field → header texts as town clerks write them: each column's synonyms (registry.columns, one definition for the
# form, the API, the import and the export). Compared after header_key() (half-width, no spaces, quotes, brackets
# or separators), so "企业法人/负责人", "属于回头看…" without quotes and "整治  类型" need no entry of their own.
# Matching (_match): exact; then a header whose parts all name one field (法人/负责人) or a person and a phone
# (联系人及电话); then the header without its bracketed words (经纬度（东经、北纬）); then "the header contains the
# synonym" for synonyms of four characters or more, the longest first.
LIST_FIELDS: dict[str, list[str]] = {k: list(columns.BY_KEY[k].synonyms) for k in columns.SHEET_COLUMNS["list"]}
BASELINE_FIELDS: dict[str, list[str]] = {k: list(columns.BY_KEY[k].synonyms) for k in columns.SHEET_COLUMNS["baseline"]}

# Headers of columns that are there for people, not for the system: recognised, shown as not imported.
IGNORED_HEADERS = ["备注", "说明", "备注说明", "附注", "备注栏", "其他说明"]

FIELD_LABELS = {c.key: c.short for c in columns.BY_KEY.values()} | {"ignore": "（不导入）"}
REQUIRED = {"list": {"name"}, "baseline": {"name"}}
# The columns a sheet of the kind usually has (附件2's fifteen, less 序号): the preview names the ones not found.
USUAL = {
    "list": ["name", "industry", "address", "coordinates", "legal_person", "lookback_category", "licence_status",
             "env_problems", "safety_problems", "other_problems", "remediation_type", "planned_completion",
             "progress", "responsible_person"],
    "baseline": ["name", "address", "legal_person", "method", "completed_on"],
}  # fmt: skip
MIN_COLUMNS = 3  # fewer recognised columns than this: the preview asks what the others are before any row is read
# Why a row that is not data is left out (row_kind's answer → the preview's note).
SKIP_NOTES = {
    "note": "说明行，未导入",
    "header": "重复的表头行，未导入",
    "total": "合计行，未导入",
    "signature": "落款行（填表人、审核人、盖章、日期等），未导入",
    "end": "“以下空白”，未导入",
}


def fields_for(kind: str) -> dict[str, list[str]]:
    return LIST_FIELDS if kind == "list" else BASELINE_FIELDS


class DateInSheet(NamedTuple):
    """The sheet's own date (填报日期 / 截至日期): the day its rows speak of."""

    day: dt.date
    written: str  # the cell as written
    row: int  # 1-based, as the spreadsheet numbers it


@dataclass
class Layout:
    header_rows: list[int]  # 0-based sheet rows that form the header
    columns: dict[int, str]  # column index → field
    headers: dict[int, str]  # column index → header text as written
    unknown: dict[int, str] = field(default_factory=dict)  # columns with a header we could not map
    header_keys: dict[int, str] | None = None  # filled on first use by row_kind()
    ignored: dict[int, str] = field(default_factory=dict)  # column → why it is not imported (备注, a second 责任人)
    remembered: dict[int, str] = field(default_factory=dict)  # column → field, from the unit's remembered mapping
    memory_keys: dict[int, str] = field(default_factory=dict)  # column → the header_key a mapping is remembered by
    chosen: dict[int, str] = field(default_factory=dict)  # column → field the user chose for this upload
    sheet_date: DateInSheet | None = None

    @property
    def first_data_row(self) -> int:
        return self.header_rows[-1] + 1

    @property
    def by_field(self) -> dict[str, int]:
        """field → column index (the inverse of `columns`)."""
        return {f: c for c, f in self.columns.items()}


# ---- header matching -------------------------------------------------------------------------------

_PUNCT = re.compile(r"[/\\、,;:()\[\]【】<>《》{}·.?!。_~*#\-]")
_SEPARATORS = re.compile(r"[/\\、,;()\[\]【】<>《》]|或|及|和|与")
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|<[^<>]*>|《[^《》]*》")
# Words that only name a field as part of a header: 联系人 (alone it may be anyone) beside a phone.
_PART_WORDS = {"联系人": "legal_person", "姓名": "legal_person"}
_CONTAINMENT_MAX = 40  # a longer cell is a sentence (a note), not a header


def header_key(value: Any) -> str:
    """A header as compared: key() (half-width, no spaces or quotes, lower case) without brackets or separators."""
    return _PUNCT.sub("", key(value))


_Table = tuple[dict[str, str], list[tuple[str, str]]]
_NORMALISED: dict[int, _Table] = {}


def _normalised(synonyms: dict[str, list[str]]) -> _Table:
    """Exact-match table and the long synonyms for containment, computed once per field table."""
    cached = _NORMALISED.get(id(synonyms))
    if cached is None:
        exact: dict[str, str] = {}
        long: list[tuple[str, str]] = []
        for fname, words in [*synonyms.items(), ("ignore", IGNORED_HEADERS)]:
            for w in words:
                kw = header_key(w)
                exact.setdefault(kw, fname)
                if len(kw) >= 4:
                    long.append((kw, fname))
        long.sort(key=lambda item: -len(item[0]))
        cached = _NORMALISED[id(synonyms)] = (exact, long)
    return cached


def _match(raw_key: str, table: _Table) -> str | None:
    """The field a header names ("ignore" for 备注 and the like), or None. `raw_key` is key() of the header."""
    hk = _PUNCT.sub("", raw_key)
    if not hk:
        return None
    exact, long = table
    if hk in exact:
        return exact[hk]
    parts = [p for p in (_PUNCT.sub("", part) for part in _SEPARATORS.split(raw_key)) if p]
    if len(parts) > 1:
        named = {exact.get(p) or _PART_WORDS.get(p) for p in parts}
        if None not in named:
            if len(named) == 1:
                return named.pop()
            if named == {"legal_person", "phone"}:
                return "person_phone"
            if named == {"longitude", "latitude"}:
                return "coordinates"
    core = _PUNCT.sub("", _BRACKETED.sub("", raw_key))
    if core and core != hk and core in exact:
        return exact[core]
    if len(hk) > _CONTAINMENT_MAX:
        return None
    return next((fname for kw, fname in long if kw in hk), None)


def _cell(rows: list[list[Any]], r: int, c: int) -> Any:
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else None


def _map_row(rows: list[list[Any]], header_rows: list[int], table: _Table, remembered: dict[str, str] | None) -> Layout:
    width = max((len(rows[r]) for r in header_rows if r < len(rows)), default=0)
    layout = Layout(header_rows, {}, {})
    for c in range(width):
        parts: list[str] = []
        for r in header_rows:
            t = key(_cell(rows, r, c))
            if t and t not in parts:
                parts.append(t)
        if not parts:
            continue
        joined = "".join(parts)
        # Try the lowest header cell alone (sub-header of a merged group), then the joined text.
        fname = _match(parts[-1], table) if len(parts) > 1 else None
        fname = fname or _match(joined, table)
        written: list[str] = []
        for r in header_rows:
            t = text(_cell(rows, r, c))
            if t and t not in written:
                written.append(t)
        layout.headers[c] = " / ".join(written)
        memory_key = _PUNCT.sub("", joined)[:200]  # as UnitColumnMapping.header_key keeps it
        if fname is None and remembered and memory_key in remembered:
            fname = remembered[memory_key]
            layout.remembered[c] = fname
        if fname is None:
            layout.unknown[c] = layout.headers[c]
            layout.memory_keys[c] = memory_key
        elif fname == "ignore":
            layout.ignored[c] = "备注类列，不导入"
        elif fname in layout.columns.values():
            layout.ignored[c] = f"与前面的“{FIELD_LABELS[fname]}”列重复，不导入"
        else:
            layout.columns[c] = fname
        if c in layout.remembered:
            layout.memory_keys[c] = memory_key
    return layout


def find_layout(
    rows: list[list[Any]], kind: str, mapping: dict[int, str] | None = None, remembered: dict[str, str] | None = None
) -> Layout | None:
    """The header rows and column map scoring best among the first rows (one row or two merged rows).

    None only when no row looks like a header (not one cell names a column). A header without the required
    columns is still returned: the preview names what it found and what is missing (see incomplete()).
    `mapping` (column → field) is what the user chose for this upload; `remembered` (header_key → field) what
    the unit chose before for headers we do not know.
    """
    table = _normalised(fields_for(kind))
    required = REQUIRED[kind]
    best: tuple[int, Layout] | None = None
    for r in range(min(HEADER_SCAN_ROWS, len(rows))):
        for header_rows in ([r], [r, r + 1]):
            if header_rows[-1] >= len(rows):
                continue
            layout = _map_row(rows, header_rows, table, remembered)
            if not layout.columns:
                continue
            score = len(layout.columns) * 10 - len(layout.unknown) - (len(header_rows) - 1) * 5
            score += 1000 if required <= set(layout.columns.values()) else 0
            if best is None or score > best[0]:
                best = (score, layout)
    if best is None:
        return None
    layout = best[1]
    if mapping:
        for c, fname in mapping.items():
            if c not in layout.headers or fname not in FIELD_LABELS:
                continue  # a column this sheet does not have (a mapping kept from before a new upload of it)
            layout.chosen[c] = fname
            layout.unknown.pop(c, None)
            layout.ignored.pop(c, None)
            layout.remembered.pop(c, None)
            for other, f in list(layout.columns.items()):
                if f == fname and other != c:
                    del layout.columns[other]
            if fname == "ignore":
                layout.columns.pop(c, None)
                layout.ignored[c] = "已指定不导入"
            else:
                layout.columns[c] = fname
    return layout


def missing(layout: Layout, kind: str) -> tuple[list[str], list[str]]:
    """(required fields, usual fields) the layout has no column for."""
    have = set(layout.columns.values())
    if {"longitude", "latitude"} <= have:
        have.add("coordinates")
    if "person_phone" in have:
        have.add("legal_person")
    required = [f for f in USUAL[kind] if f in REQUIRED[kind] and f not in have]
    usual = [f for f in USUAL[kind] if f not in REQUIRED[kind] and f not in have]
    return required, usual


def incomplete(layout: Layout, kind: str) -> bool:
    """Too little was recognised to read rows: the user says what the columns are first."""
    return bool(missing(layout, kind)[0]) or len(layout.columns) < MIN_COLUMNS


def describe(layout: Layout, kind: str) -> dict[str, Any]:
    """What the preview shows of a sheet's layout (JSON-safe)."""
    required, usual = missing(layout, kind)
    info: dict[str, Any] = {
        "header_rows": [r + 1 for r in layout.header_rows],
        "columns": {layout.headers[c]: FIELD_LABELS[f] for c, f in layout.columns.items()},
        "unknown": {str(c): h for c, h in layout.unknown.items()},
        "ignored": {layout.headers[c]: why for c, why in layout.ignored.items()},
        "remembered": {layout.headers[c]: FIELD_LABELS[f] for c, f in layout.remembered.items()},
        # What the mapping form offers: the unknown columns, and those the user or the unit's memory mapped (preselected).
        "mappable": [[str(c), layout.headers[c], layout.chosen.get(c) or layout.remembered.get(c, "")]
                     for c in sorted({*layout.unknown, *layout.remembered, *layout.chosen}) if c in layout.headers],
        "memory_keys": {str(c): k for c, k in layout.memory_keys.items()},
        "missing_required": [FIELD_LABELS[f] for f in required],
        "missing_usual": [FIELD_LABELS[f] for f in usual],
    }  # fmt: skip
    if layout.sheet_date:
        info["sheet_date"] = layout.sheet_date.day.isoformat()
        info["sheet_date_written"] = layout.sheet_date.written
        info["sheet_date_row"] = layout.sheet_date.row
    return info


# ---- the sheet's own date ----------------------------------------------------------------------------


def find_sheet_date(rows: list[list[Any]], layout: Layout, *, year: int) -> DateInSheet | None:
    """The 填报日期 / 截至日期 the sheet gives itself, or None.

    Looked for in the title rows above the header (a labelled date first, else a cell that is only a date),
    then in header cells that name no column (填报日期：2020.7.15 beside the header; such a cell is then no
    unknown column), then in the signature lines under the table (labelled only). `year` is for a labelled
    date written without one (截至7月15日).
    """
    beside: DateInSheet | None = None
    for c in sorted(layout.unknown):
        for r in layout.header_rows:
            date = parse_sheet_date(_cell(rows, r, c), year=year)
            if date and date.labelled:
                del layout.unknown[c]
                layout.memory_keys.pop(c, None)
                layout.ignored[c] = "表中填报日期，不是数据列"
                beside = beside or DateInSheet(date.day, quoted(_cell(rows, r, c)), r + 1)
                break
    found = _date_in_rows(rows, range(layout.header_rows[0]), year=year, labelled_only=False) or beside
    if found:
        return found
    tail = range(max(len(rows) - SIGNATURE_SCAN_ROWS, layout.first_data_row), len(rows))
    signature_rows = [r for r in tail if row_kind(rows[r], layout) == "signature"]
    return _date_in_rows(rows, signature_rows, year=year, labelled_only=True)


def as_written(value: Any) -> str:
    """A cell on one line as the user wrote it: its spaces collapsed, not dropped. text() drops the spaces between
    Chinese characters, which ran 「填报单位：湖塘镇        截至日期：…」 (two facts in one merged cell) together."""
    return " ".join(strip_controls(value).split()) if isinstance(value, str) else text(value)


def quoted(value: Any) -> str:
    """A cell as the preview quotes it: as_written, masked (core.masking). The line that gives the sheet's date often
    names the 填表人 and his mobile too, and everyone who may see the batch reads the preview."""
    return mask_text(as_written(value))


def _date_in_rows(rows: list[list[Any]], which: Any, *, year: int, labelled_only: bool) -> DateInSheet | None:
    alone: DateInSheet | None = None
    for r in which:
        row = rows[r]
        for c, value in enumerate(row):
            date = parse_sheet_date(value, year=year)
            if date and date.labelled:
                return DateInSheet(date.day, quoted(value), r + 1)
            if date and alone is None and not labelled_only:
                alone = DateInSheet(date.day, quoted(value), r + 1)
            if isinstance(value, str) and value and SHEET_DATE_LABEL_ONLY.fullmatch(key(value)):
                # 填报日期： in one cell, the date in the next filled one
                after = next((v for v in row[c + 1 :] if text(v)), None)
                date = parse_sheet_date(after, year=year)
                if date:
                    return DateInSheet(date.day, mask_text(f"{as_written(value)}{as_written(after)}"), r + 1)
    return alone


# ---- rows --------------------------------------------------------------------------------------------

_TOTAL = re.compile(r"(?:合计|小计|总计|共计)(?:$|[:(\d共])")
_TOTAL_HEADS = {"合计", "小计", "总计", "共计"}
_SIGNATURE = re.compile(
    r"(?:填表人|填报人|制表人|制表|统计人|审核人|审核|复核人|审批人|签发人|经办人|分管领导|主要领导|单位负责人|"
    r"科室负责人|负责人|联系人|联系电话|电话|填表日期|填报日期|报送日期|日期|填报单位|报送单位|单位)"
    r"(?:\((?:盖章|签字|签名|公章|章)\))?(?::|$)"
    r"|\(?(?:单位)?(?:盖章|公章|签章)\)?$"
    r"|.*\((?:盖章|公章|签章)\)"
)
_END = re.compile(r"\(?以下(?:空白|无内容|无正文|空)\)?$")


def row_kind(row: list[Any], layout: Layout) -> str:
    """data or blank, or why the row is no data (a key of SKIP_NOTES): note (填写说明 and other merged text rows),
    header (a repeated header row), total (合计, 小计), signature (填表人, 审核人, 盖章, 日期) or end (以下空白).
    """
    cells = [row[c] if c < len(row) else None for c in layout.columns]
    filled = [v for v in cells if v is not None and (not isinstance(v, str) or v.strip())]
    if not filled:
        return "blank"
    if layout.header_keys is None:
        layout.header_keys = {c: key(layout.headers.get(c, "").split(" / ")[-1]) for c in layout.columns}
    name_col = next((c for c, f in layout.columns.items() if f == "name"), None)
    name_value = row[name_col] if name_col is not None and name_col < len(row) else None
    name_header = layout.header_keys.get(name_col or 0, "")
    # A cell can only repeat the header if it holds the header's last Chinese character (which NFKC leaves alone):
    # this skips key() for the real names, every row.
    probe = next((ch for ch in reversed(name_header) if "\u4e00" <= ch <= "\u9fff"), "")
    if isinstance(name_value, str) and probe in name_value and key(name_value) == name_header:
        # The name cell repeats its header: a repeated header row if most other cells do too.
        same_as_header = sum(1 for c, v in zip(layout.columns, cells, strict=False)
                             if isinstance(v, str) and v and key(v) == layout.header_keys[c])  # fmt: skip
        if same_as_header >= max(3, len(filled) // 2):
            return "header"
    first = next((v for v in row if v is not None and str(v).strip()), "")
    if not isinstance(first, str):
        return "data"  # a row led by a number (序号) or a date is never a note
    first_key = key(first)
    if first_key.startswith(("填写说明", "说明:", "注:", "备注:")):
        return "note"
    if _TOTAL.match(first_key) or (
        isinstance(name_value, str) and name_value.strip()[:2] in _TOTAL_HEADS and _TOTAL.match(key(name_value))
    ):
        return "total"
    if _SIGNATURE.match(first_key):
        return "signature"
    if _END.match(first_key):
        return "end"
    if len(filled) >= 3 and all(v == filled[0] for v in filled) and isinstance(filled[0], str):
        return "note"
    if len(filled) == 1 and _looks_like_note(first_key) and not _cell_for(row, layout, "name"):
        return "note"
    return "data"


def _cell_for(row: list[Any], layout: Layout, fname: str) -> Any:
    for c, f in layout.columns.items():
        if f == fname:
            return row[c] if c < len(row) else None
    return None


def _looks_like_note(text: str) -> bool:
    return len(text) > 15 and (text[:1].isdigit() or text.startswith(("填写", "说明", "注")))
