"""Sheets that would make a reader allocate without bound are refused by their real size, before any parser.

Each hostile file is built here. The dangerous ones are read with calamine replaced by a tripwire (the check
must come first), and once more in a child process under a memory limit, so a regression fails the test
instead of aborting the test process.
"""

from __future__ import annotations

import io
import json
import resource
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from sanluanwu.imports import readers, xlsx_check
from sanluanwu.imports.limits import MAX_CELLS, MAX_COLUMNS, MAX_ROWS, Box
from sanluanwu.imports.tests.sheets import messy_xlsx, xls_bytes

ROOT = Path(__file__).resolve().parents[3]
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in entries.items():
            zf.writestr(name, content)
    return buf.getvalue()


def _workbook(sheet_xml: str | bytes, extra: dict[str, bytes] | None = None) -> bytes:
    """A real workbook (sheet “湖塘镇”) whose sheet part is replaced by `sheet_xml`."""
    src = zipfile.ZipFile(io.BytesIO(messy_xlsx([["1", "张三塑料造粒作坊"]])))
    entries = {n: src.read(n) for n in src.namelist()}
    entries["xl/worksheets/sheet1.xml"] = sheet_xml.encode() if isinstance(sheet_xml, str) else sheet_xml
    entries.update(extra or {})
    return _zip(entries)


def _sheet(rows: str, before: str = "", after: str = "") -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>{before}<sheetData>{rows}</sheetData>{after}</worksheet>'


def _cell(ref: str, text: str = "x") -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


@pytest.fixture
def tripwire(monkeypatch):
    """calamine must never see a refused file."""

    def tripwire(*_args, **_kwargs):
        raise AssertionError("calamine was called before the file was checked")

    monkeypatch.setattr(readers, "_read_in_child", tripwire)


def _refused(data: bytes, name: str = "x.xlsx") -> str:
    with pytest.raises(readers.UnreadableFile) as exc:
        readers.read_sheets(data, name)
    return str(exc.value)


def _in_child(data: bytes, name: str, memory: int = 1_500_000_000) -> str:
    """read_sheets in a child process limited to `memory` bytes of address space; its message or 'ok'."""
    code = (
        "import sys\n"
        "from sanluanwu.imports import readers\n"
        "try:\n"
        "    readers.read_sheets(sys.stdin.buffer.read(), sys.argv[1])\n"
        "    print('ok')\n"
        "except readers.UnreadableFile as exc:\n"
        "    print(exc)\n"
    )

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    done = subprocess.run([sys.executable, "-c", code, name], input=data, capture_output=True, cwd=ROOT,
                          preexec_fn=limit, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, f"the reader died (exit {done.returncode}): {done.stderr[-500:]!r}"
    return done.stdout.decode()


# --- .xlsx: the used range ---------------------------------------------------------------------------------------


def test_one_cell_at_xfd1048576_is_refused_before_calamine_runs(tripwire):
    data = _workbook(_sheet(f'<row r="1">{_cell("A1", "企业名称")}</row><row r="1048576">{_cell("XFD1048576")}</row>'))
    assert len(data) < 10_000
    message = _refused(data)
    assert "工作表“湖塘镇”过大" in message and "1048576 行 × 16384 列" in message


def test_one_far_cell_does_not_kill_the_reader_process():
    data = _workbook(_sheet(f'<row r="1048576">{_cell("XFD1048576")}</row>'))
    assert "过大" in _in_child(data, "far.xlsx")


def test_a_sparse_huge_sheet_is_refused(tripwire):
    # Within the old bounds (300,000 × 200) this sheet cost 2.4 GB in one worker.
    data = _workbook(_sheet(f'<row r="1">{_cell("A1")}</row><row r="300000">{_cell("GR300000")}</row>'))
    assert "300000 行 × 200 列" in _refused(data)


@pytest.mark.parametrize("shape", ["rows", "columns", "cells"])
def test_each_bound_is_enforced_exactly(tripwire, shape):
    last = {"rows": (MAX_ROWS + 1, 2), "columns": (1, MAX_COLUMNS + 1), "cells": (MAX_CELLS // 100 + 1, 100)}[shape]
    ref = f"{_letters(last[1])}{last[0]}"
    message = _refused(_workbook(_sheet(f'<row r="{last[0]}">{_cell(ref)}</row>')))
    assert f"{last[0]} 行 × {last[1]} 列" in message


def _letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def test_a_wide_sheet_within_the_bounds_is_read():
    header = "".join(_cell(f"{_letters(c)}3", f"列{c}") for c in range(1, 31))
    data = _workbook(_sheet(f'<row r="3">{header}</row><row r="500">{_cell("AD500", "末")}</row>'))
    sheets = readers.read_sheets(data, "wide.xlsx")
    assert len(sheets[0].rows) == 500 and sheets[0].rows[499][29] == "末"


def test_cells_without_references_count_by_position(tripwire):
    # calamine puts a cell without r in the next column of its row: 250 of them reach column 250.
    cells = '<c t="inlineStr"><is><t>x</t></is></c>' * 250
    assert "1 行 × 250 列" in _refused(_workbook(_sheet(f"<row>{cells}</row>")))


def test_rows_without_references_count_by_position(tripwire):
    rows = "<row/>" * MAX_ROWS + '<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    assert f"{MAX_ROWS + 1} 行 × 1 列" in _refused(_workbook(_sheet(rows)))


@pytest.mark.parametrize(
    "cell",
    [
        '<x:c r="XFD1048576" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c>',  # a prefixed element name
        '<c s="0" r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>',  # r not the first attribute
        "<c r='XFD1048576' t='inlineStr'><is><t>x</t></is></c>",  # single quotes
        '<c foo=">" r="XFD1048576"><v>1</v></c>',  # a '>' inside an attribute value
        '<c r="xfd1048576"><v>1</v></c>',  # lower-case letters (calamine accepts them)
    ],
)
def test_a_far_cell_written_unusually_is_still_found(tripwire, cell):
    assert "过大" in _refused(_workbook(_sheet(f'<row r="1">{_cell("A1")}</row><row r="1048576">{cell}</row>')))


def test_a_far_cell_split_across_read_chunks_is_still_found(tripwire, monkeypatch):
    monkeypatch.setattr(xlsx_check, "CHUNK", 7)
    cell = '<c foo="<<<>>>" r="XFD1048576"><v>1</v></c>'
    assert "过大" in _refused(_workbook(_sheet(f'<row r="1">{_cell("A1")}{cell}</row>')))


def test_a_huge_declared_dimension_is_refused(tripwire):
    data = _workbook(_sheet(f'<row r="1">{_cell("A1")}</row>', before='<dimension ref="A1:XFD1048576"/>'))
    assert "1048576 行 × 16384 列" in _refused(data)


def test_a_merged_range_far_out_is_refused(tripwire):
    data = _workbook(
        _sheet(f'<row r="1">{_cell("A1")}</row>', after='<mergeCells><mergeCell ref="A1:XFD1"/></mergeCells>')
    )
    assert "1 行 × 16384 列" in _refused(data)


def test_overlapping_merged_ranges_cannot_grow_the_rows_past_the_bound():
    sheet = readers.Sheet("湖塘镇", [["x"] * 100 for _ in range(1000)], [((0, 0), (999, 99))] * 30)
    with pytest.raises(readers.UnreadableFile, match="合并单元格过多"):
        readers._fill_merged(sheet)


def test_all_sheets_of_a_workbook_count_together():
    boxes = [(f"表{i}", Box(100_000, 15)) for i in range(3)]
    with pytest.raises(readers.UnreadableFile, match="各工作表合计"):
        readers.check_total(boxes)


def test_the_100000_row_layout_stays_on_the_fast_path():
    rows = "".join(f'<row r="{r}">' + "".join(_cell(f"{c}{r}", "1") for c in "ABCDEFGHIJKLMNOP") + "</row>"
                   for r in range(99_990, 100_009))  # fmt: skip
    data = _workbook(_sheet(rows, before='<dimension ref="A1:P100008"/>'))
    zf = zipfile.ZipFile(io.BytesIO(data))
    part = xlsx_check._first_pass(zf, zf.getinfo("xl/worksheets/sheet1.xml"), content_types=False)
    assert part.sheet and part.fast
    assert xlsx_check.check_package(data) == [("湖塘镇", Box(119_999, 16))]


# --- .xlsx: macros and XML declarations ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["XL/VBAPROJECT.BIN", "xl/media/vbaData.bin", "custom/VbaProject.bin",
                                  "xl/activeX/activeX1.xml", "xl/activeX/activeX1.bin", "xl/macrosheets/sheet1.xml"])  # fmt: skip
def test_macro_parts_are_refused_whatever_their_case_or_place(tripwire, name):
    assert "含有宏" in _refused(_workbook(_sheet(""), {name: b"VBA"}))


def test_printer_settings_are_not_macros():
    data = _workbook(_sheet(f'<row r="1">{_cell("A1")}</row>'), {"xl/printerSettings/printerSettings1.bin": b"H\0P\0"})
    assert readers.read_sheets(data, "ok.xlsx")[0].rows == [["x"]]


@pytest.mark.parametrize("content_type", ["application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                                          "application/vnd.ms-excel.template.macroEnabled.main+xml"])  # fmt: skip
def test_xlsm_and_xltm_content_types_are_refused(tripwire, content_type):
    src = zipfile.ZipFile(io.BytesIO(messy_xlsx([])))
    types = src.read("[Content_Types].xml").replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", content_type.encode()
    )
    assert content_type.encode() in types
    assert "含有宏" in _refused(_workbook(_sheet(""), {"[Content_Types].xml": types}))


def test_an_entity_declaration_after_10_kb_of_padding_is_refused(tripwire):
    padding = "<!-- " + "x" * 10_240 + " -->"
    xml = (f'<?xml version="1.0"?>{padding}<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           f'<sst {NS}><si><t>&x;</t></si></sst>')  # fmt: skip
    message = _refused(_workbook(_sheet(""), {"xl/sharedStrings.xml": xml.encode()}))
    assert "XML 实体" in message and "root:" not in message


@pytest.mark.parametrize("chunk", [5, 64, 10_250])
def test_a_declaration_is_found_wherever_the_chunks_fall(tripwire, monkeypatch, chunk):
    monkeypatch.setattr(xlsx_check, "CHUNK", chunk)
    monkeypatch.setattr(xlsx_check, "MAX_TAG", 40)  # pieces without any '>' too
    xml = f'<?xml version="1.0"?><a>{"y" * 10_240}</a><!doctype r [<!ENTITY x "y">]><b/>'
    assert "XML 实体" in _refused(_workbook(_sheet(""), {"xl/styles.xml": xml.encode()}))


def test_a_part_in_utf16_is_refused(tripwire):
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY x "y">]><a/>'.encode("utf-16")
    assert "编码" in _refused(_workbook(_sheet(""), {"xl/styles.xml": xml}))


def test_comments_and_cdata_are_not_declarations():
    sheet = _sheet('<row r="1"><!-- note --><c r="A1" t="inlineStr"><is><t><![CDATA[a<b]]></t></is></c></row>')
    assert readers.read_sheets(_workbook(sheet), "ok.xlsx")[0].rows == [["a<b"]]


# --- .xls ---------------------------------------------------------------------------------------------------------


def _patched_xls(*, dims: tuple[int, int] | None = None, cell: tuple[int, int] | None = None) -> bytes:
    """An xlwt .xls with its DIMENSIONS record or the position of its second string cell rewritten."""
    data = bytearray(xls_bytes([["1", "张三塑料造粒作坊"]]))
    if dims:
        i = data.find(b"\x00\x02\x0e\x00")
        struct.pack_into("<IIHH", data, i + 4, 0, dims[0], 0, dims[1])
    if cell:
        i = data.find(b"\xfd\x00\x0a\x00", data.find(b"\xfd\x00\x0a\x00") + 1)
        struct.pack_into("<HH", data, i + 4, *cell)
    return bytes(data)


@pytest.mark.parametrize("kind", ["dimensions", "far_cell", "full_grid"])
def test_a_crafted_xls_costs_a_child_process_not_the_worker(kind):
    data = {"dimensions": _patched_xls(dims=(0xFFFFFFFF, 0xFFFF)), "far_cell": _patched_xls(cell=(65535, 65535)),
            "full_grid": _patched_xls(cell=(65535, 255))}[kind]  # fmt: skip
    t0 = time.monotonic()
    message = _refused(data, "crafted.xls")
    assert "内存或时间限制" in message or "过大" in message
    assert time.monotonic() - t0 < 30


def test_a_plain_xls_is_read():
    sheet = readers.read_sheets(xls_bytes([["1", "张三塑料造粒作坊"]]), "ok.xls")[0]
    assert sheet.name == "Sheet1" and len(sheet.rows) == 2 and len(sheet.rows[0]) == 15
    assert sheet.rows[1][1] == "张三塑料造粒作坊"


# --- CSV ----------------------------------------------------------------------------------------------------------


def test_a_csv_with_a_10_million_character_field_is_refused_while_reading():
    data = ('企业名称,地址\n张三,"' + "x" * 10_000_000 + '"\n').encode()
    t0 = time.monotonic()
    assert "CSV 第 2 行过长" in _refused(data, "long.csv")
    assert time.monotonic() - t0 < 10


def test_a_csv_field_longer_than_an_excel_cell_is_refused():
    data = ("企业名称,地址\n张三," + "长" * 40_000 + "\n").encode()
    assert "CSV 第 2 行有一个单元格超过 32767 个字符" in _refused(data, "long.csv")


def test_a_quoted_csv_record_over_many_lines_is_bounded():
    # Quoted fields that each hold a line break: one record of 400,000 fields over 400,000 lines.
    data = ("企业名称\n" + '"a\n",' * 400_000 + "\n").encode()
    assert "过长" in _refused(data, "lines.csv")


def test_a_csv_with_100000_columns_is_refused():
    assert "100000 列" in _refused(("," * 99_999 + "\n").encode(), "wide.csv")


def test_a_csv_with_too_many_rows_is_refused_at_the_first_row_past_the_bound():
    assert f"{MAX_ROWS + 1} 行 × 1 列" in _refused(("x\n" * (MAX_ROWS + 5000)).encode(), "long.csv")


def test_reading_a_normal_sheet_in_a_limited_child_still_works():
    assert _in_child(messy_xlsx([["1", "张三塑料造粒作坊"]]), "ok.xlsx").strip() == "ok"


def test_the_child_reports_a_sheet_beyond_the_bounds_in_json():
    limits = {"memory": 1 << 30, "seconds": 30, "rows": 1, "cols": 200, "cells": 100, "text": 100}
    done = subprocess.run([sys.executable, "-I", str(readers._SHEET_CHILD), json.dumps(limits)],
                          input=xls_bytes([["1", "张三"]]), capture_output=True, check=False)  # fmt: skip
    assert done.returncode == 5 and json.loads(done.stdout) == {"sheet": "Sheet1", "rows": 2, "cols": 15}


# --- what calamine would allocate from a small file, beyond the used range --------------------------------------


def _shared_string_bomb(rows: int, length: int = 32_000) -> bytes:
    """One shared string of `length` characters, referred to by every cell of `rows` × 16: each cell a copy."""
    sst = f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="1" uniqueCount="1"><si><t>{"字" * length}</t></si></sst>'
    cells = "".join(f'<row r="{r}">' + "".join(f'<c r="{chr(65 + c)}{r}" t="s"><v>0</v></c>' for c in range(16))
                    + "</row>" for r in range(1, rows + 1))  # fmt: skip
    return _workbook(_sheet(cells), {"xl/sharedStrings.xml": sst.encode()})


def test_one_long_shared_string_in_every_cell_is_refused_by_its_text_not_by_the_worker():
    data = _shared_string_bomb(500)
    assert len(data) < 40_000
    message = _in_child(data, "ss.xlsx", memory=600_000_000)
    assert "文字过多" in message or "内存或时间限制" in message


def test_a_shared_string_count_of_900_billion_is_refused_before_calamine(tripwire):
    sst = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="1" uniqueCount="900000000000"><si><t>x</t></si></sst>'
    )
    data = _workbook(_sheet(f'<row r="1">{_cell("A1")}</row>'), {"xl/sharedStrings.xml": sst.encode()})
    assert "共享字符串表声明了异常的数量" in _refused(data)


def test_a_count_calamine_would_abort_on_costs_only_the_child():
    """Even past the checks (here, the check of the count switched off), the reader's process survives."""
    sst = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="1" uniqueCount="900000000000"><si><t>x</t></si></sst>'
    )
    data = _workbook(_sheet(f'<row r="1">{_cell("A1")}</row>'), {"xl/sharedStrings.xml": sst.encode()})
    assert "内存或时间限制" in str(_raises(lambda: readers._read_in_child(data)))


def _raises(call) -> Exception:
    with pytest.raises(readers.UnreadableFile) as exc:
        call()
    return exc.value


def _opendocument(rows: str) -> bytes:
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               f'<office:spreadsheet><table:table table:name="附件2">{rows}</table:table></office:spreadsheet>'
               "</office:body></office:document-content>")  # fmt: skip
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")  # fmt: skip
    return _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "META-INF/manifest.xml":
                 manifest.encode(), "content.xml": content.encode(), "x/workbook.xml": b"<workbook/>"})  # fmt: skip


def test_an_opendocument_file_named_xlsx_is_refused_before_calamine(tripwire):
    repeated = ('<table:table-row table:number-rows-repeated="100000"><table:table-cell '
                'table:number-columns-repeated="1000" office:value-type="string"><text:p>x</text:p>'
                "</table:table-cell></table:table-row>")  # fmt: skip
    data = _opendocument(repeated)
    assert len(data) < 2_000
    assert "OpenDocument" in _refused(data, "附件2.xlsx")


def test_an_opendocument_expansion_costs_only_the_child():
    repeated = ('<table:table-row table:number-rows-repeated="100000"><table:table-cell '
                'table:number-columns-repeated="1000" office:value-type="string"><text:p>x</text:p>'
                "</table:table-cell></table:table-row>")  # fmt: skip
    assert "内存或时间限制" in str(_raises(lambda: readers._read_in_child(_opendocument(repeated))))


def test_a_binary_workbook_named_xlsx_is_refused(tripwire):
    data = _workbook(_sheet(f'<row r="1">{_cell("A1")}</row>'), {"xl/workbook.bin": b"\x83\x01\x00"})
    assert ".xlsb" in _refused(data)


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml"])
@pytest.mark.parametrize("prefix", [b"BM", b"GIF8", b"\x89PNG"])
def test_a_declaration_behind_a_binary_looking_prefix_is_still_refused(tripwire, part, prefix):
    doc = prefix + b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY e "boom">]>' + _sheet("").encode()[21:]
    data = _workbook(_sheet(f'<row r="1">{_cell("A1")}</row>'), {part: doc})
    assert "XML 实体" in _refused(data)


def test_pictures_that_happen_to_contain_angle_brackets_are_not_declarations():
    picture = b"\x89PNG\r\n\x1a\n" + b"<!DOCTYPE x>" * 10 + b"\x00" * 100
    data = _workbook(_sheet(f'<row r="1">{_cell("A1", "企业名称")}</row>'), {"xl/media/image1.png": picture})
    assert readers.read_sheets(data, "ok.xlsx")[0].rows == [["企业名称"]]


def test_a_workbook_with_an_open_password_is_told_so(tripwire):
    # Saved by Excel's "encrypt with password" (an OLE file holding EncryptionInfo and EncryptedPackage).
    data = (Path(__file__).parent / "data" / "encrypted.xlsx").read_bytes()
    assert "设置了打开密码" in _refused(data)
    assert "设置了打开密码" in _refused(data, "湖塘镇.xls")
