"""Open an uploaded sheet safely and return its rows. Macros never run; nothing is evaluated.

.xlsx: checked as a zip before any parser sees it (entry count, total and per-entry expansion, names),
and refused if any XML part declares a DTD or entity. .xls: read by calamine (no macros, no formulas
run). .csv: UTF-8 (with or without BOM) or GBK/GB18030. Anything else is refused by content, not name.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from python_calamine import CalamineWorkbook

MAX_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ENTRIES = 500
MAX_RATIO = 150
MAX_ROWS = 300_000
MAX_COLUMNS = 200

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UnreadableFile(ValueError):
    """The file as a whole cannot be read (exit code 2 of the command); the message is for the user."""


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


def _check_zip(data: bytes) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UnreadableFile("文件已损坏，无法作为 .xlsx 打开") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise UnreadableFile("文件内部结构异常（包含的部件过多），已拒绝")
        total = 0
        names = {i.filename for i in infos}
        for info in infos:
            if info.filename.startswith(("/", "\\")) or ".." in info.filename.split("/"):
                raise UnreadableFile("文件内部路径异常，已拒绝")
            total += info.file_size
            if info.file_size > 1_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise UnreadableFile("文件解压后异常膨胀（疑似压缩炸弹），已拒绝")
        if total > MAX_UNCOMPRESSED:
            raise UnreadableFile("文件解压后过大（超过 200 MB），请拆分后导入")
        if "xl/vbaProject.bin" in names:
            raise UnreadableFile("文件含有宏（.xlsm），不接受；请另存为普通 .xlsx 后导入")
        if "xl/workbook.xml" not in names:
            raise UnreadableFile("文件不是 Excel 工作簿（缺少 workbook），无法导入")
        for info in infos:
            if info.filename.endswith((".xml", ".rels")):
                with zf.open(info) as part:
                    head = part.read(2048).upper()
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise UnreadableFile("文件包含 XML 实体声明（可能是恶意文件），已拒绝")


def _calamine(data: bytes) -> list[Sheet]:
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types for broken files
        raise UnreadableFile(f"无法读取该 Excel 文件：{str(exc)[:120]}") from None
    sheets = []
    for name in wb.sheet_names:
        try:
            sheet = wb.get_sheet_by_name(name)
            if sheet.height > MAX_ROWS or sheet.width > MAX_COLUMNS:
                raise UnreadableFile(f"工作表“{name}”过大（{sheet.height} 行 × {sheet.width} 列），请拆分后导入")
            rows = sheet.to_python(skip_empty_area=False)
            merged = list(sheet.merged_cell_ranges or [])
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
    content = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(content[:8192], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    rows = list(csv.reader(io.StringIO(content), dialect))
    if len(rows) > MAX_ROWS:
        raise UnreadableFile(f"CSV 行数过多（{len(rows)} 行），请拆分后导入")
    return [Sheet("CSV", [list(r) for r in rows])]


def read_sheets(data: bytes, filename: str) -> list[Sheet]:
    """Every sheet of the file with merged ranges filled from their top-left cell."""
    if len(data) > MAX_BYTES:
        raise UnreadableFile(f"文件过大（{len(data) / 1024 / 1024:.1f} MB），单个文件不超过 20 MB")
    if not data:
        raise UnreadableFile("文件是空的")
    kind = sniff(data, filename)
    if kind == "xlsx":
        _check_zip(data)
        sheets = _calamine(data)
    elif kind == "xls":
        sheets = _calamine(data)
    else:
        sheets = _csv(data)
    for sheet in sheets:
        _fill_merged(sheet)
    return sheets


def _fill_merged(sheet: Sheet) -> None:
    """A merged range reads as its top-left value everywhere (a town name merged over many rows, a 2-row header)."""
    for (r0, c0), (r1, c1) in sheet.merged:
        if r0 >= len(sheet.rows) or (r1 - r0 + 1) * (c1 - c0 + 1) > 100_000:
            continue
        value = sheet.rows[r0][c0] if c0 < len(sheet.rows[r0]) else None
        for r in range(r0, min(r1, len(sheet.rows) - 1) + 1):
            row = sheet.rows[r]
            if len(row) <= c1:
                row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    row[c] = value
