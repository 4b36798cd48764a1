"""Open an uploaded sheet safely and return its rows. Macros never run; nothing is evaluated.

.xlsx: checked part by part before any parser sees it (xlsx_check: zip structure, macros, DTDs and the used
range of every sheet). .xls: its sheets measured by calamine in a child process under a memory limit, then
read. .csv: UTF-8 (with or without BOM) or GBK/GB18030, bounded while it is read. Every sheet must fit the
bounds of limits.py. Anything else is refused by content, not name.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from sanluanwu.imports import xlsx_check
from sanluanwu.imports.limits import (
    MAX_BYTES,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_FIELD_CHARS,
    MAX_RECORD_CHARS,
    MAX_ROWS,
    Box,
    UnreadableFile,
    check_box,
    check_total,
)

__all__ = ["MAX_BYTES", "MAX_CELLS", "MAX_COLUMNS", "MAX_ROWS", "Sheet", "UnreadableFile", "read_sheets", "sniff"]

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_XLS_PROBE = Path(__file__).with_name("xls_probe.py")
# The .xls probe's address space: calamine on a legitimate .xls within the bounds needs well under 300 MB.
XLS_PROBE_MEMORY = 768 * 1024 * 1024
XLS_PROBE_SECONDS = 60


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


def sniff(data: bytes, filename: str) -> str:
    """The real kind of the file: xlsx, xls or csv; by content, with the name only as a tie-breaker."""
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(_OLE2):
        return "xls"
    head = data[:4096]
    if b"\x00" in head:
        raise UnreadableFile("文件不是 Excel（.xlsx/.xls）或 CSV 表格，无法导入")
    lower = filename.lower()
    if lower.endswith((".xlsx", ".xls", ".xlsm")):
        raise UnreadableFile("文件扩展名是 Excel，但内容不是 Excel 表格（可能已损坏或被改名），请重新另存为 .xlsx")
    if lower.endswith((".csv", ".txt")) or not lower:
        return "csv"
    raise UnreadableFile(f"不支持的文件类型“{filename}”：只接受 .xlsx、.xls 和 .csv")


def _probe_xls(data: bytes) -> list[tuple[str, Box]]:
    """Each sheet's used range as calamine reads it, measured in a child process under a memory limit.

    calamine reads every sheet of a .xls when the workbook opens and trusts the DIMENSIONS record and the
    cell positions (up to 65,535 columns) for its allocations; a crafted file aborts the process that opens
    it. The child runs xls_probe.py (no Django, only calamine) with RLIMIT_AS set before calamine loads, so
    such a file costs a dead child and a refusal, never the worker. .xls uploads are rare and small: the
    probe adds ~0.1 s.
    """
    if not sys.executable:
        raise UnreadableFile("无法读取 .xls 文件，请用 Excel 或 WPS 另存为 .xlsx 后导入")
    try:
        done = subprocess.run(
            [sys.executable, "-I", str(_XLS_PROBE), str(XLS_PROBE_MEMORY), str(XLS_PROBE_SECONDS)],
            input=data, capture_output=True, timeout=XLS_PROBE_SECONDS + 10, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise UnreadableFile("读取 .xls 文件超时（文件过大或已损坏），请另存为 .xlsx 后导入") from None
    if done.returncode != 0:
        if done.returncode == 3:  # calamine refused the file itself
            raise UnreadableFile(f"无法读取该 Excel 文件：{done.stdout.decode('utf-8', 'replace')[:120]}")
        raise UnreadableFile(
            "读取 .xls 文件时超出内存或时间限制（文件过大或已损坏），请删除多余的行列或另存为 .xlsx 后导入"
        )
    try:
        found = json.loads(done.stdout)
        return [(str(name), Box(int(rows), int(cols))) for name, rows, cols in found]
    except (ValueError, TypeError):
        raise UnreadableFile("无法读取该 .xls 文件，请另存为 .xlsx 后导入") from None


def _calamine(data: bytes) -> list[Sheet]:
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types for broken files
        raise UnreadableFile(f"无法读取该 Excel 文件：{str(exc)[:120]}") from None
    sheets = []
    for name in wb.sheet_names:
        try:
            sheet = wb.get_sheet_by_name(name)
            # The range from A1 that to_python(skip_empty_area=False) pads to; checked before those lists exist
            # (the package checks bounded it already: this is the last line, not the first).
            end = sheet.end or (-1, -1)
            check_box(name, Box(end[0] + 1, end[1] + 1))
            merged = list(sheet.merged_cell_ranges or [])
            rows = sheet.to_python(skip_empty_area=False)
        except UnreadableFile:
            raise
        except Exception as exc:
            raise UnreadableFile(f"无法读取工作表“{name}”：{str(exc)[:120]}") from None
        # to_python gives lists already; copying them would double the peak memory of a 100,000-row sheet.
        sheets.append(Sheet(name, [r if type(r) is list else list(r) for r in rows], merged))
        del sheet, rows
    return sheets


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("CSV 文件编码无法识别，请另存为 UTF-8 或 GBK 编码")


def _csv(data: bytes) -> list[Sheet]:
    """Rows and columns are counted as the reader goes: a row, a field or a record past its bound stops it."""
    content = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(content[:8192], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    pending = 0

    def lines() -> Iterator[str]:
        nonlocal pending
        for line in io.StringIO(content):
            pending += len(line)
            if pending > MAX_RECORD_CHARS:
                raise UnreadableFile(f"CSV 第 {len(rows) + 1} 行过长（超过 {MAX_RECORD_CHARS} 个字符），请检查文件")
            yield line

    csv.field_size_limit(MAX_FIELD_CHARS)
    rows: list[list[str]] = []
    width = 0
    try:
        for row in csv.reader(lines(), dialect):
            pending = 0
            rows.append(row)
            width = max(width, len(row))
            if len(rows) > MAX_ROWS or width > MAX_COLUMNS or len(rows) * width > MAX_CELLS:
                check_box("CSV", Box(len(rows), width))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise UnreadableFile(
                f"CSV 第 {len(rows) + 1} 行有一个单元格超过 {MAX_FIELD_CHARS} 个字符（Excel 单元格的上限），请检查文件"
            ) from None
        raise UnreadableFile(f"CSV 文件第 {len(rows) + 1} 行格式有误，无法读取") from None
    return [Sheet("CSV", rows)]


def read_sheets(data: bytes, filename: str) -> list[Sheet]:
    """Every sheet of the file with merged ranges filled from their top-left cell."""
    if len(data) > MAX_BYTES:
        raise UnreadableFile(f"文件过大（{len(data) / 1024 / 1024:.1f} MB），单个文件不超过 20 MB")
    if not data:
        raise UnreadableFile("文件是空的")
    kind = sniff(data, filename)
    if kind == "xlsx":
        xlsx_check.check_package(data)
        sheets = _calamine(data)
    elif kind == "xls":
        check_total(_probe_xls(data))
        sheets = _calamine(data)
    else:
        sheets = _csv(data)
    for sheet in sheets:
        _fill_merged(sheet)
    return sheets


def _fill_merged(sheet: Sheet) -> None:
    """A merged range reads as its top-left value everywhere (a town name merged over many rows, a 2-row header).

    Filled only within the rows that exist and, all ranges together, at most MAX_CELLS cells: overlapping or
    far-reaching ranges cannot make the sheet grow past its bounds.
    """
    budget = MAX_CELLS
    for (r0, c0), (r1, c1) in sheet.merged:
        if r1 < r0 or c1 < c0 or r0 >= len(sheet.rows) or (r1 - r0 + 1) * (c1 - c0 + 1) > 100_000:
            continue
        if c1 >= MAX_COLUMNS:
            raise UnreadableFile(f"工作表“{sheet.name}”的合并单元格超出 {MAX_COLUMNS} 列，请取消合并后导入")
        budget -= (min(r1, len(sheet.rows) - 1) - r0 + 1) * (c1 - c0 + 1)
        if budget < 0:
            raise UnreadableFile(f"工作表“{sheet.name}”的合并单元格过多或相互重叠，请取消合并后导入")
        value = sheet.rows[r0][c0] if c0 < len(sheet.rows[r0]) else None
        for r in range(r0, min(r1, len(sheet.rows) - 1) + 1):
            row = sheet.rows[r]
            if len(row) <= c1:
                row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    row[c] = value
