"""附件2: 武进区“散乱污”企业（作坊）动态管理整治企业清单, written exactly as the office's form has it.

One row iterator (attachment2_rows) feeds the xlsx writer; cells are written as strings (never formulas),
so an enterprise named "=HYPERLINK(...)" stays a name. The 16th column (hidden, outside the print
area) carries the system id, so an edited export imports back onto the same cases.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
import pickle
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import xlsxwriter
import xlsxwriter.workbook
from django.db.models import QuerySet

from sanluanwu.core import clock, params
from sanluanwu.core.errors import ValidationFailed
from sanluanwu.core.masking import mask_phone, mask_text
from sanluanwu.registry import columns
from sanluanwu.registry.models import Case
from sanluanwu.registry.queries import statuses_as_of

TITLE = "武进区“散乱污”企业（作坊）动态管理整治企业清单"
FILE_STEM = "武进区散乱污动态管理整治企业清单"
# Headers and widths as registry.columns defines them (one definition for the form, API, import and export).
COLUMNS: list[tuple[str, float]] = columns.header_widths()
SYSTEM_ID_HEADER = columns.SYSTEM_ID.header
NOTES = [
    "填写说明：",
    "1、企业名称栏有营业执照的请按营业执照规范填写；为避免企业名称重复，无营业执照的按“负责人姓名+经营内容+作坊（或个体户）”填写。",
    "2、存在问题栏分类填写存在的主要问题，对应栏目内不存在问题的不填。",
    "3、“属于“回头看”四种排查类型类别”栏按方案“回头看”四种排查类型填写。第一类：关停取缔后复产经营；"
    "第二类：治理改造后重新沦为“散乱污”；第三类：空置厂房新的“散乱污”进驻；第四类：新发现未纳入“散乱污”整治。",
]


@dataclass
class ExportRow:
    case_id: int
    cells: list[Any]  # 15 values in 附件2 order after 序号 (str or date)


# The record paths the 14 columns after 序号 are written from, fetched once per row, and where each column's lie.
_CELLS = columns.ATTACHMENT2[1:]
_FIELDS = ("id", *dict.fromkeys(source for c in _CELLS for source in c.sources))
_AT = {name: i for i, name in enumerate(_FIELDS)}
_PLAN = [(c.render, tuple(_AT[source] for source in c.sources)) for c in _CELLS]
# Each personal column's mask (core.masking) after its render: what every export writes by default.
_MASK_OF = [c.masked if c.personal else None for c in _CELLS]
# How many distinct values of a personal column one export keeps masked (the problems and the progress words repeat).
_MASKED_MEMO = 4096
_STATUS_AT, _NOTE_AT, _CLOSED_AT, _STAGE_AT = _AT["status"], _AT["progress_note"], _AT["closed_on"], _AT["stage"]


def attachment2_rows(
    cases: QuerySet[Case],
    *,
    as_of: dt.date | None = None,
    from_history: bool | None = None,
    unmasked: bool = False,
) -> Iterator[ExportRow]:
    """The rows of 附件2 for the given (already scoped and filtered) cases, listed on or before `as_of`; phone and
    ID numbers masked unless `unmasked` (the caller checked export.unmasked and records the export).

    For a past day (or whenever `from_history`) the status comes from the status history (CaseStatusChange) and the
    progress note, which the history does not keep, is left out.
    """
    today = clock.today()
    as_of = as_of or today
    cases = cases.filter(listed_on__lte=as_of).order_by("town__sort_order", "listed_on", "id")
    rebuild = as_of < today if from_history is None else from_history
    chunk: list[tuple[Any, ...]] = []
    # Per personal column, each value met and its mask: a repeated text is not searched for numbers again.
    memos: list[dict[Any, Any] | None] = [None if unmasked or mask is None else {} for mask in _MASK_OF]
    plan = list(zip(_PLAN, _MASK_OF, memos, strict=True))

    def cell(r: tuple[Any, ...], render: Any, at: tuple[int, ...], mask: Any, memo: dict[Any, Any] | None) -> Any:
        value = render(*[r[i] for i in at]) if render else r[at[0]]
        if memo is None:
            return value
        if type(value) is not str:
            return mask(value)  # (remembered by text only: 1 and True are one key to a dict)
        masked = memo.get(value)
        if masked is None:
            masked = mask(value)
            if len(memo) < _MASKED_MEMO:
                memo[value] = masked
        return masked

    def flush(rows: list[tuple[Any, ...]]) -> Iterator[ExportRow]:
        past = statuses_as_of([r[0] for r in rows], as_of) if rebuild else {}
        for r in rows:
            if r[0] in past:
                values = list(r)
                values[_STATUS_AT], values[_CLOSED_AT] = past[r[0]]
                values[_NOTE_AT] = values[_STAGE_AT] = ""  # today's words, not that day's
                r = tuple(values)
            yield ExportRow(r[0], [cell(r, render, at, mask, memo) for (render, at), mask, memo in plan])

    for row in cases.values_list(*_FIELDS).iterator(chunk_size=5000):
        chunk.append(row)
        if len(chunk) >= 5000:
            yield from flush(chunk)
            chunk = []
    if chunk:
        yield from flush(chunk)


def _text_width(text: str) -> int:
    """Display width in column units: a Chinese character (3 bytes in UTF-8) is about two digits wide."""
    return (len(text.encode("utf-8")) + len(text)) // 2


def _lines(text: str, width: float) -> int:
    """Lines a text wraps to in a column `width` units wide (each of its own lines at least one)."""
    if len(text) * 2 <= width - 1:
        return 1  # fast path: even all-Chinese text of this length fits on one line
    usable = max(width - 1, 1)
    if "\n" not in text:
        return max(math.ceil(((len(text.encode("utf-8")) + len(text)) // 2) / usable), 1)  # _text_width, inlined
    return sum(max(math.ceil(_text_width(part) / usable), 1) for part in text.split("\n"))


def _row_height(cells: list[Any], widths: list[float]) -> float:
    """Points for a row whose wrapped text must show whole (spreadsheets do not autofit written rows)."""
    lines = 1
    for value, width in zip(cells, widths, strict=False):
        if isinstance(value, str):
            lines = max(lines, _lines(value, width))
    return 14.0 * lines + 4


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_XML_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_XLSX_STRING_MAX = 32767  # UTF-16 units


def _inline_string(ref: str, style: int, text: str) -> str:
    """An inline string cell exactly as xlsxwriter writes one in constant-memory mode (but never as rich text)."""
    return f'<c r="{ref}"{_inline_tail(style, text)}'


def _inline_tail(style: int, text: str) -> str:
    """_inline_string() after its reference: the same for every cell of a column holding the same text."""
    if len(text) > _XLSX_STRING_MAX // 2 and len(text.encode("utf-16-le")) // 2 > _XLSX_STRING_MAX:
        text = text.encode("utf-16-le")[: _XLSX_STRING_MAX * 2].decode("utf-16-le", "ignore")
    if not _XML_SPECIAL.search(text):
        return f'" s="{style}" t="inlineStr"><is><t>{text}</t></is></c>'
    preserve = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    text = re.sub(r"(_x[0-9a-fA-F]{4}_)", r"_x005F\1", text)
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'" s="{style}" t="inlineStr"><is><t{preserve}>{text}</t></is></c>'


# How many distinct texts of a column _write_rows_fast keeps written and measured: the statuses, stages, categories
# and a town's villages repeat down a sheet; names and addresses do not, and stop being kept once this many are.
_MEMO_PER_COLUMN = 4096


def _write_rows_fast(
    ws: Any,
    rows: Iterable[ExportRow],
    *,
    first_row: int,
    widths: list[float],
    number_f: Any,
    date_f: Any,
    styles: list[Any],
    system_id_col: int | None,
) -> int:
    """Write the case rows as sheet XML directly, the way xlsxwriter's constant-memory mode writes them.

    xlsxwriter spends ~20 µs per cell checking and dispatching; at 1.6 million cells that is most of an
    export. The rows go to the worksheet's own row-data file (after the header row is flushed), and the
    worksheet's dimensions are set as if each cell had been written through its API, so everything written
    after them (the notes, print settings) is unchanged. Tested against the cell-by-cell writer.
    """
    from xlsxwriter.utility import xl_col_to_name

    ws._write_single_row(first_row)  # flush the header row; rows from first_row on are ours
    fh = ws.fh
    letters = [xl_col_to_name(c) for c in range(len(widths) + 2)]
    # xlsxwriter numbers formats in the order cells first use them: the same order as the cell-by-cell writer.
    number_s = number_f._get_xf_index()
    text_s = [f._get_xf_index() for f in styles]
    date_s = date_f._get_xf_index()
    id_letter = letters[system_id_col] if system_id_col is not None else ""
    # Per column, each distinct text's cell XML after its reference and the lines it wraps to: a repeated text is
    # neither escaped nor measured again.
    memos: list[dict[str, tuple[str, int]]] = [{} for _ in letters]
    opens = [f'<c r="{letter}' for letter in letters[1:]]  # a cell of column j + 1: opens[j] + row number + rest
    empty = [f'" s="{style}"/>' for style in text_s]
    date_rest = f'" s="{date_s}"><v>'
    n_widths = len(widths)
    n = 0
    r = first_row
    out: list[str] = []
    cells: list[str] = []
    for export_row in rows:
        n += 1
        excel_row = r + 1
        at = str(excel_row)
        lines = 1
        for j, value in enumerate(export_row.cells):
            if type(value) is str:
                if not value:
                    cells.append(opens[j] + at + empty[j])
                    continue
                memo = memos[j]
                known = memo.get(value)
                if known is None:
                    known = (_inline_tail(text_s[j], value), _lines(value, widths[j]) if j < n_widths else 1)
                    if len(memo) < _MEMO_PER_COLUMN:
                        memo[value] = known
                cells.append(opens[j] + at + known[0])
                if known[1] > lines:
                    lines = known[1]
            elif isinstance(value, dt.date):
                cells.append(f"{opens[j]}{at}{date_rest}{(value - _EXCEL_EPOCH).days}</v></c>")
            elif value:
                cells.append(_inline_string(f"{letters[j + 1]}{at}", text_s[j], str(value)))
                if isinstance(value, str) and j < n_widths:  # a str subclass (a lazy label): measured as text
                    lines = max(lines, _lines(value, widths[j]))
            else:
                cells.append(opens[j] + at + empty[j])
        pixels = int((14.0 * lines + 4) * 4.0 / 3.0 + 0.5)
        out.append(f'<row r="{at}" ht="{pixels * 0.75:.16g}" customHeight="1">'
                   f'<c r="A{at}" s="{number_s}"><v>{n}</v></c>')  # fmt: skip
        out += cells
        cells.clear()
        if id_letter:
            out.append(f'<c r="{id_letter}{excel_row}"><v>{export_row.case_id}</v></c>')
        out.append("</row>")
        r += 1
        if len(out) > 4000:
            fh.write("".join(out))
            out.clear()
    fh.write("".join(out))
    if n:
        ws._check_dimensions(r - 1, 0)
        ws._check_dimensions(r - 1, system_id_col if system_id_col is not None else len(widths))
    return n


def export_filename(unit_label: str, as_of: dt.date) -> str:
    return f"{FILE_STEM}_{unit_label}_{as_of:%Y-%m-%d}.xlsx"


@dataclass(frozen=True)
class Signature:
    """The line under the notes of the official form: who filled it in, who checked it, a telephone number."""

    filler: str = ""
    reviewer: str = ""
    phone: str = ""

    @property
    def text(self) -> str:
        """As the file shows it: the telephone masked like on every page (the office reveals it there, audited), and
        any number typed into a name too; a file is an output like any other (core.masking)."""
        filler, reviewer = mask_text(self.filler), mask_text(self.reviewer)
        return f"填表人：{filler or ' ' * 12}        审核人：{reviewer or ' ' * 12}        联系电话：{mask_phone(self.phone)}"


def _formats(wb: Any) -> dict[str, Any]:
    """The workbook's formats, made once per workbook (a district workbook has a sheet per unit)."""
    cached = getattr(wb, "_slw_formats", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
    formats = {
        "title": wb.add_format({**base, "font_name": "黑体", "font_size": 16, "bold": True, "align": "center"}),
        "meta": wb.add_format({**base, "font_size": 11}),
        "head": wb.add_format(
            {**base, "bold": True, "align": "center", "text_wrap": True, "border": 1, "bg_color": "#F2F2F2"}
        ),
        "cell": wb.add_format({**base, "text_wrap": True, "border": 1}),
        "center": wb.add_format({**base, "align": "center", "text_wrap": True, "border": 1}),
        "date": wb.add_format({**base, "align": "center", "border": 1, "num_format": "yyyy-mm-dd"}),
        "note": wb.add_format({**base, "text_wrap": True, "valign": "top"}),
        "mark": wb.add_format({**base, "font_name": "黑体", "font_size": 12}),
    }
    wb._slw_formats = formats
    return formats


# xlsxwriter zips a workbook at zlib's default level (6) and offers no other: a fifth of a 10,000-row report's
# making. Level 3 makes it 0.07 s faster for 15 % more bytes (880 KB → 1,014 KB), and a district export's
# compressing a quarter of its time less. Set once for the process (every workbook here is ours, and only
# xlsxwriter's writer reads this name: its reader opens files through zipfile.ZipFile).
XLSX_ZIP_LEVEL = 3
xlsxwriter.workbook.ZipFile = functools.partial(zipfile.ZipFile, compresslevel=XLSX_ZIP_LEVEL)  # type: ignore[misc]


def new_workbook(target: str | IO[bytes]) -> Any:
    """A workbook as every table of the system is written: constant memory, strings never formulas or links."""
    return xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": False, "strings_to_formulas": False,
                                        "strings_to_urls": False})  # fmt: skip


def add_attachment2_sheet(
    wb: Any,
    rows: Iterable[ExportRow],
    *,
    sheet_name: str = "附件2",
    unit_label: str,
    as_of: dt.date,
    system_ids: bool = True,
    reference_writer: bool = False,
    official: bool = False,
    signature: Signature | None = None,
) -> int:
    """One 附件2 sheet in `wb`; returns the number of case rows. `official` writes the form as the office files it:
    "附件2" at the top left above the title, and the 填表人 / 审核人 / 联系电话 line under the notes."""
    f = _formats(wb)
    ws = wb.add_worksheet(sheet_name)
    title_f, meta_f, head_f, cell_f, center_f, date_f, note_f = (
        f["title"], f["meta"], f["head"], f["cell"], f["center"], f["date"], f["note"])  # fmt: skip
    last_col = len(COLUMNS) - 1
    for i, (_h, width) in enumerate(COLUMNS):
        ws.set_column(i, i, width)
    ws.set_column(len(COLUMNS), len(COLUMNS), 12, None, {"hidden": True})
    top = 0
    if official:
        ws.set_row(0, 20)
        ws.write_string(0, 0, "附件2", f["mark"])
        top = 1
    ws.set_row(top, 30)
    ws.merge_range(top, 0, top, last_col, TITLE, title_f)
    ws.merge_range(
        top + 1, 0, top + 1, last_col, f"填报单位：{unit_label}        截至日期：{as_of:%Y年%m月%d日}", meta_f
    )
    head = top + 2
    ws.set_row(head, 45)
    for i, (header, _w) in enumerate(COLUMNS):
        ws.write_string(head, i, header, head_f)
    if system_ids:
        ws.write_string(head, len(COLUMNS), SYSTEM_ID_HEADER, head_f)
    ws.freeze_panes(head + 1, 2)
    centered = {j for j, c in enumerate(_CELLS) if c.centered}
    widths = [w for _h, w in COLUMNS][1:]
    row_no = head + 1
    if reference_writer:
        n = 0
        for n, export_row in enumerate(rows, start=1):
            ws.set_row(row_no, _row_height(export_row.cells, widths))
            ws.write_number(row_no, 0, n, center_f)
            for j, value in enumerate(export_row.cells, start=1):
                if isinstance(value, dt.date):
                    ws.write_datetime(row_no, j, dt.datetime.combine(value, dt.time.min), date_f)
                elif value:
                    ws.write_string(row_no, j, value, center_f if (j - 1) in centered else cell_f)
                else:
                    ws.write_blank(row_no, j, None, cell_f)  # 填写说明 2: no problem of that kind → left empty
            if system_ids:
                ws.write_number(row_no, len(COLUMNS), export_row.case_id)
            row_no += 1
    else:
        styles = [center_f if j in centered else cell_f for j in range(len(widths))]
        n = _write_rows_fast(ws, rows, first_row=row_no, widths=widths, number_f=center_f, date_f=date_f,
                             styles=styles, system_id_col=len(COLUMNS) if system_ids else None)  # fmt: skip
        row_no += n
    row_no += 1
    for k, text in enumerate(NOTES):
        ws.set_row(row_no, 18 if k == 0 else (30 if len(text) < 120 else 42))
        ws.merge_range(row_no, 0, row_no, last_col, text, note_f)
        row_no += 1
    if official:
        row_no += 1
        ws.set_row(row_no, 24)
        ws.merge_range(row_no, 0, row_no, last_col, (signature or Signature()).text, f["meta"])
        row_no += 1
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.center_horizontally()
    ws.repeat_rows(head)
    ws.print_area(0, 0, row_no - 1, last_col)
    ws.fit_to_pages(1, 0)
    ws.set_footer("&C第 &P 页，共 &N 页")
    return n


def write_attachment2(
    rows: Iterable[ExportRow],
    target: str | IO[bytes],
    *,
    unit_label: str,
    as_of: dt.date,
    system_ids: bool = True,
    reference_writer: bool = False,
) -> int:
    """Write the 附件2 workbook; returns the number of case rows. Constant memory: fine at 100,000 rows.

    The case rows are written by _write_rows_fast; `reference_writer` writes them cell by cell through
    xlsxwriter's API instead (the tests check that both give the same sheet, byte for byte).
    """
    wb = new_workbook(target)
    n = add_attachment2_sheet(wb, rows, unit_label=unit_label, as_of=as_of, system_ids=system_ids,
                              reference_writer=reference_writer)  # fmt: skip
    wb.close()
    return n


def attachment2_file(query: bytes, path: str, unit_label: str, as_of: dt.date, unmasked: bool) -> int:
    """附件2 of the pickled case query written to `path`; its row count. What core.exporting.build_apart runs in the
    builder process: a query (not its rows) and a file's path cross the process boundary."""
    cases = Case.objects.all()
    cases.query = pickle.loads(query)  # the server's own query, from the server's own process
    return write_attachment2(attachment2_rows(cases, as_of=as_of, unmasked=unmasked), path, unit_label=unit_label,
                             as_of=as_of)  # fmt: skip


def attachment2_response(
    cases: QuerySet[Case], *, actor: Any, unit_label: str, as_of: dt.date, unmasked: bool = False, reason: str = "",
    town_id: int | None = None,
) -> Any:  # fmt: skip
    """The download response for pages and API alike; the temporary file is closed by FileResponse. Personal data
    is masked unless `unmasked` (export.unmasked in `town_id`, the town the cases are filtered to, and a reason,
    checked before anything is written; a refusal is audited); every file is audited with its SHA-256 and row count
    (one event per file)."""
    import hashlib
    import tempfile

    from django.http import FileResponse

    from sanluanwu.core.exporting import XLSX_CONTENT_TYPE, attachment_header, build_apart
    from sanluanwu.registry.services import check_export, record_export

    check_export(actor=actor, unmasked=unmasked, reason=reason, town_id=town_id)
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    try:
        os.close(fd)
        rows = build_apart(attachment2_file, pickle.dumps(cases.query), path, unit_label, as_of, unmasked)
        buffer = open(path, "rb")  # noqa: SIM115 - FileResponse closes it after streaming
    finally:
        os.unlink(path)  # the open file reads on; nothing is left behind
    buffer.seek(0)
    digest = hashlib.file_digest(buffer, "sha256").hexdigest()
    buffer.seek(0)
    filename = export_filename(unit_label, as_of)
    record_export(actor=actor, kind="附件2", filename=filename, sha256=digest, rows=rows, unmasked=unmasked,
                  reason=reason)  # fmt: skip
    response = FileResponse(buffer, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment_header(filename)
    return response


def parse_as_of(value: str | None) -> dt.date:
    """The 截至日期 of an export: YYYY-MM-DD, today when not given."""
    if not value:
        return clock.today()
    written = value.strip()[:40]
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", written):
        raise ValidationFailed({"as_of": [f"截至日期“{written}”格式不对，应为 YYYY-MM-DD，如 2020-07-15"]})
    try:
        day = dt.date.fromisoformat(written)
    except ValueError:
        raise ValidationFailed({"as_of": [f"截至日期“{written}”不存在，请检查月份和日期"]}) from None
    if message := params.date_error(day, "截至日期"):
        raise ValidationFailed({"as_of": [message]})
    return day
