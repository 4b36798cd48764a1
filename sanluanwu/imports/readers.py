"""Open an uploaded sheet safely and return its rows. Macros never run; nothing is evaluated.

.xlsx: checked part by part before any parser sees it (xlsx_check: zip structure, macros, DTDs, the used range
of every sheet), then read in a child process under memory and CPU limits (sheet_child.py). .xls: read in that
child directly (calamine reads a whole .xls when it opens it). .csv: UTF-8 (with or without BOM) or GBK/GB18030, bounded while it is read. Every sheet must fit the
bounds of limits.py. Anything else is refused by content, not name.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import pickle
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sanluanwu.imports import sheet_child, xlsx_check
from sanluanwu.imports.limits import (
    MAX_BYTES,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_FIELD_CHARS,
    MAX_RECORD_CHARS,
    MAX_ROWS,
    MAX_TEXT_CHARS,
    READER_MEMORY,
    READER_SECONDS,
    Box,
    UnreadableFile,
    check_box,
    check_total,
)

__all__ = ["MAX_BYTES", "MAX_CELLS", "MAX_COLUMNS", "MAX_ROWS", "Sheet", "UnreadableFile", "read_sheets", "sniff"]

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # the stream name in the OLE directory
log = logging.getLogger(__name__)
_SHEET_CHILD = Path(__file__).with_name("sheet_child.py")
# One reading child at a time per process (each may take READER_MEMORY): the web workers and the job worker
# together never hold more than a few of them, whatever is uploaded at once.
_READERS = threading.BoundedSemaphore(1)


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
        if _ENCRYPTED_PACKAGE in data[:1_000_000]:  # an .xlsx with an open password is an OLE file holding it
            raise UnreadableFile(
                "该 Excel 文件设置了打开密码，请在 Excel 或 WPS 中取消密码（文件 › 信息 › 保护工作簿）后再导入"
            )
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


def _read_in_child(data: bytes) -> list[Sheet]:
    """Every sheet as calamine reads it, read in a child process under memory and CPU limits (sheet_child.py).

    calamine aborts the process it runs in when a file makes it allocate without bound, and a file can do that
    in ways no check of ours foresees; in a child such a file costs that child and a refusal. The child checks
    each sheet's range and the text of all cells against the bounds before it makes or sends anything. It adds
    ~0.4 s to a 100,000-row sheet (the rows sent back by marshal, the cells counted on the way).
    """
    limits = {"memory": READER_MEMORY, "seconds": READER_SECONDS, "rows": MAX_ROWS, "cols": MAX_COLUMNS,
              "cells": MAX_CELLS, "text": MAX_TEXT_CHARS}  # fmt: skip
    if not sys.executable:
        raise UnreadableFile("无法读取该 Excel 文件，请另存为 .csv 后导入")
    if not _READERS.acquire(timeout=READER_SECONDS + 30):
        raise UnreadableFile("系统正在读取其他文件，请稍后再试")
    try:
        done = subprocess.run([sys.executable, "-I", str(_SHEET_CHILD), json.dumps(limits)], input=data,
                              capture_output=True, timeout=READER_SECONDS + 30, check=False)  # fmt: skip
    except subprocess.TimeoutExpired:
        raise UnreadableFile("读取文件超时（文件过大或结构异常），请删除多余的行列或拆分后导入") from None
    finally:
        _READERS.release()
    if done.returncode == 0:
        try:
            found = sheet_child.read_output(done.stdout)  # written by our own child, from calamine's values only
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError):
            raise UnreadableFile("无法读取该 Excel 文件，请另存为 .xlsx 后导入") from None
        sheets = [
            Sheet(str(name), rows, [((r0, c0), (r1, c1)) for (r0, c0), (r1, c1) in merged])
            for name, rows, merged in found
        ]
        check_total([(s.name, Box(len(s.rows), max((len(r) for r in s.rows), default=0))) for s in sheets])
        return sheets
    said = done.stdout.decode("utf-8", "replace")
    if done.returncode == 3:  # calamine refused the file itself
        log.info("calamine refused an upload: %s", said[:200])
        if "password" in said.lower():
            raise UnreadableFile("该 Excel 文件设置了打开密码，请取消密码后再导入")
        raise UnreadableFile(
            "无法读取该 Excel 文件（文件已损坏或格式不受支持），请用 Excel 或 WPS 打开后另存为 .xlsx 再导入"
        )
    if done.returncode in (5, 6):
        try:
            what = json.loads(said)
        except ValueError:
            what = {}
        if done.returncode == 5 and what.get("sheet") is not None:
            check_box(str(what["sheet"]), Box(int(what.get("rows", 0)), int(what.get("cols", 0))))
        if done.returncode == 5:
            raise UnreadableFile(
                f"工作簿各工作表合计 {int(what.get('cells', 0))} 个单元格（已用区域），超过 {MAX_CELLS // 10_000} 万个："
                "请删除不需要导入的工作表或拆分后导入"
            )
        raise UnreadableFile(
            f"文件中的文字过多（超过 {MAX_TEXT_CHARS // 10_000} 万字，可能是同一段长文字被大量单元格引用），"
            "请删除不需要导入的内容或拆分后导入"
        )
    raise UnreadableFile(
        "读取文件时超出内存或时间限制（文件过大或结构异常），请删除多余的行列（包括远处的空白格式单元格）或另存为 .xlsx 后导入"
    )


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
        sheets = _read_in_child(data)
    elif kind == "xls":
        sheets = _read_in_child(data)
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
