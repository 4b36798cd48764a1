"""The files of the reporting work: a unit's report (附件2 in the official layout + its summary), the district
workbook of a period, and the campaign summary as a workbook. Every figure comes from reporting.figures or from a
frozen report; cells are written as values, never formulas."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from sanluanwu.core.masking import mask_text
from sanluanwu.registry.exports import ExportRow, Signature, add_attachment2_sheet, new_workbook
from sanluanwu.reporting.choices import FIGURES
from sanluanwu.reporting.figures import Line

_DATE = "d"


def encode_rows(rows: Iterable[ExportRow]) -> list[list[Any]]:
    """附件2 rows as JSON: [case id, cells], a date cell as {"d": "YYYY-MM-DD"}."""
    return [[r.case_id, [{_DATE: v.isoformat()} if isinstance(v, dt.date) else v for v in r.cells]] for r in rows]


def decode_rows(data: Iterable[list[Any]]) -> Iterator[ExportRow]:
    for case_id, cells in data:
        yield ExportRow(case_id, [dt.date.fromisoformat(v[_DATE]) if isinstance(v, dict) else v for v in cells])


def _summary_block(wb: Any, ws: Any, row: int, title: str, lines: list[Line], *, with_changes: bool) -> int:
    """A block of the summary: one line per category / type and the total, figures with their change."""
    head = wb._slw_summary_formats
    ws.merge_range(row, 0, row, 1 + len(FIGURES) * (2 if with_changes else 1), title, head["sub"])
    row += 1
    ws.set_row(row, 30)  # the headings wrap (已停产（累计）, 完成率（已销号/列入）)
    ws.write_string(row, 0, "分类", head["head"])
    col = 1
    for _key, label in FIGURES:
        ws.write_string(row, col, label, head["head"])
        col += 1
        if with_changes:
            ws.write_string(row, col, "较上期", head["head"])
            col += 1
    ws.write_string(row, col, "完成率（已销号/列入）", head["head"])
    row += 1
    for line in lines:
        fmt = head["total"] if line.is_total else head["cell"]
        ws.write_string(row, 0, line.label, fmt)
        col = 1
        for value, change in line.pairs:
            ws.write_number(row, col, value, fmt)
            col += 1
            if with_changes:
                ws.write_string(row, col, change, fmt)
                col += 1
        ws.write_string(row, col, line.rate, fmt)
        row += 1
    return row + 1


def _summary_formats(wb: Any) -> dict[str, Any]:
    cached = getattr(wb, "_slw_summary_formats", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
    formats = {
        "title": wb.add_format({**base, "font_name": "黑体", "font_size": 14, "bold": True, "align": "center"}),
        "sub": wb.add_format({**base, "bold": True, "font_size": 11}),
        "head": wb.add_format(
            {**base, "bold": True, "align": "center", "text_wrap": True, "border": 1, "bg_color": "#F2F2F2"}
        ),
        "cell": wb.add_format({**base, "align": "center", "border": 1}),
        "text": wb.add_format({**base, "text_wrap": True, "border": 1}),
        "total": wb.add_format({**base, "align": "center", "border": 1, "bold": True}),
        "plain": wb.add_format({**base, "text_wrap": True, "valign": "top"}),
    }
    wb._slw_summary_formats = formats
    return formats


def split_lines(lines: list[Line]) -> tuple[list[Line], list[Line]]:
    """The category lines (with the total) and the type lines (with the total)."""
    total = lines[-1]
    categories = [ln for ln in lines[:4]] + [total]
    types = [ln for ln in lines[4:-1]] + [total]
    return categories, types


def report_xlsx(
    rows: Iterable[ExportRow],
    *,
    unit_label: str,
    period_label: str,
    as_of: dt.date,
    lines: list[Line],
    previous_label: str,
    signature: Signature,
    remark: str,
) -> bytes:
    """A unit's half-monthly report: 附件2 in the official layout, and a sheet with its summary."""
    buffer = io.BytesIO()
    wb = new_workbook(buffer)
    add_attachment2_sheet(wb, rows, unit_label=unit_label, as_of=as_of, official=True, signature=signature)
    f = _summary_formats(wb)
    ws = wb.add_worksheet("汇总")
    ws.set_column(0, 0, 16)
    ws.set_column(1, 2 * len(FIGURES), 10)
    ws.set_column(2 * len(FIGURES) + 1, 2 * len(FIGURES) + 1, 14)
    ws.merge_range(0, 0, 0, 2 * len(FIGURES) + 1, f"{unit_label}“散乱污”整治“回头看”进展汇总（{period_label}）",
                   f["title"])  # fmt: skip
    ws.merge_range(1, 0, 1, 2 * len(FIGURES) + 1, f"截至 {as_of:%Y年%m月%d日}；较上期：与{previous_label or '上期（无）'}相比",
                   f["plain"])  # fmt: skip
    categories, types = split_lines(lines)
    row = _summary_block(wb, ws, 3, "按“回头看”排查类型", categories, with_changes=True)
    row = _summary_block(wb, ws, row, "按整治类型", types, with_changes=True)
    ws.merge_range(
        row, 0, row, 2 * len(FIGURES) + 1, f"备注：{mask_text(remark)}" if remark else "备注：无", f["plain"]
    )
    ws.set_row(row, 30)
    ws.merge_range(row + 2, 0, row + 2, 2 * len(FIGURES) + 1, signature.text, f["plain"])
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    wb.close()
    return buffer.getvalue()


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_name(label: str, used: set[str]) -> str:
    name = _SHEET_BAD.sub("", label)[:28] or "单位"
    base, n = name, 2
    while name.lower() in used:
        name = f"{base[:26]}{n}"
        n += 1
    used.add(name.lower())
    return name


@dataclass
class UnitPart:
    """One unit in the district workbook: where its figures come from and how its rows are read."""

    unit_id: int
    label: str
    source: str  # "第2版（已审核通过）" or "未报送：按记录生成"
    as_of: dt.date
    figures: dict[str, Any]
    previous: dict[str, Any] | None
    rows: Any = field(repr=False, default=None)  # a callable returning the ExportRows


def district_workbook(target: str | IO[bytes], *, title: str, parts: list[UnitPart], district_lines: list[Line],
                      status_of: dict[int, str]) -> int:  # fmt: skip
    """The district workbook of a period: a summary sheet (unit × category × stage, completion rates, change since
    the last period), then one sheet per unit with its 附件2 rows (official layout). Returns the 附件2 rows written."""
    from sanluanwu.reporting.figures import CATEGORY_ROWS
    from sanluanwu.reporting.figures import lines as to_lines

    wb = new_workbook(target)
    f = _summary_formats(wb)
    ws = wb.add_worksheet("汇总")
    width = 3 + 2 * len(FIGURES) + 1
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 26)
    ws.set_column(3, width, 9)
    ws.merge_range(0, 0, 0, width, title, f["title"])
    row = 2
    ws.set_row(row, 30)
    ws.write_string(row, 0, "单位", f["head"])
    ws.write_string(row, 1, "排查类型", f["head"])
    ws.write_string(row, 2, "报送情况", f["head"])
    col = 3
    for _key, label in FIGURES:
        ws.write_string(row, col, label, f["head"])
        ws.write_string(row, col + 1, "较上期", f["head"])
        col += 2
    ws.write_string(row, col, "完成率", f["head"])
    ws.freeze_panes(row + 1, 1)
    row += 1

    def write_line(label: str, kind: str, status: str, line: Line) -> None:
        nonlocal row
        fmt = f["total"] if line.is_total else f["cell"]
        ws.write_string(row, 0, label, f["text"])
        ws.write_string(row, 1, kind, fmt)
        ws.write_string(row, 2, status, f["text"])
        c = 3
        for value, change in line.pairs:
            ws.write_number(row, c, value, fmt)
            ws.write_string(row, c + 1, change, fmt)
            c += 2
        ws.write_string(row, c, line.rate, fmt)
        row += 1

    for part in parts:
        unit_lines = to_lines(part.figures, part.previous)
        for line in unit_lines[: len(CATEGORY_ROWS)]:
            write_line(part.label, line.label, status_of.get(part.unit_id, part.source), line)
        write_line(part.label, "小计", status_of.get(part.unit_id, part.source), unit_lines[-1])
    for line in district_lines[: len(CATEGORY_ROWS)]:
        write_line("全区", line.label, "", line)
    write_line("全区", "合计", "", district_lines[-1])
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    used = {"汇总"}
    written = 0
    for part in parts:
        written += add_attachment2_sheet(wb, part.rows(), sheet_name=sheet_name(part.label, used),
                                         unit_label=part.label, as_of=part.as_of, official=True)  # fmt: skip
    wb.close()
    return written


def table_xlsx(target: IO[bytes], *, title: str, sheets: list[tuple[str, list[str], list[list[Any]]]]) -> None:
    """A plain workbook of tables (the campaign summary): each sheet a title, a header row and rows."""
    wb = new_workbook(target)
    f = _summary_formats(wb)
    used: set[str] = set()
    for name, header, rows in sheets:
        ws = wb.add_worksheet(sheet_name(name, used))
        ws.set_column(0, 0, 20)
        for c, text in enumerate(header[1:], start=1):  # wide enough for the heading and the longest value
            longest = max([len(text) * 2, *(len(str(r[c])) + 2 for r in rows if c < len(r))])
            ws.set_column(c, c, min(max(11, longest), 30))
        ws.set_row(0, 28)
        ws.set_row(1, 30)
        ws.merge_range(0, 0, 0, max(len(header) - 1, 1), f"{title} · {name}", f["title"])
        for c, text in enumerate(header):
            ws.write_string(1, c, text, f["head"])
        for r, values in enumerate(rows, start=2):
            for c, value in enumerate(values):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    ws.write_number(r, c, value, f["cell"])
                else:
                    ws.write_string(r, c, str(value), f["text"] if c == 0 else f["cell"])
        ws.freeze_panes(2, 1)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
    wb.close()
