"""Hostile uploads are refused before any parser touches them, with a clear message and exit code 2."""

from __future__ import annotations

import io
import zipfile

import pytest

from sanluanwu.imports import readers
from sanluanwu.imports.choices import BatchStatus
from sanluanwu.imports.services import preview_import, upload_import
from sanluanwu.imports.tests.sheets import messy_xlsx

pytestmark = pytest.mark.usefixtures("in_2020")  # the sheets write 2020 dates


def _refused(data: bytes, name: str = "x.xlsx") -> str:
    with pytest.raises(readers.UnreadableFile) as exc:
        readers.read_sheets(data, name)
    return str(exc.value)


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in entries.items():
            zf.writestr(name, content)
    return buf.getvalue()


def _with_part(name: str, content: bytes) -> bytes:
    """A real workbook with one part replaced or added."""
    src = zipfile.ZipFile(io.BytesIO(messy_xlsx([["1", "张三塑料造粒作坊"]])))
    entries = {n: src.read(n) for n in src.namelist()}
    entries[name] = content
    return _zip(entries)


def test_a_text_file_renamed_to_xlsx_is_refused():
    assert "内容不是 Excel" in _refused(b"name,address\nfoo,bar\n", "renamed.xlsx")


def test_a_binary_that_is_no_spreadsheet_is_refused():
    assert "不是 Excel" in _refused(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 100, "photo.png")


def test_another_file_type_is_refused_by_name_and_content():
    assert "只接受 .xlsx、.xls 和 .csv" in _refused("企业名称\n张三".encode(), "list.docx")


def test_a_zip_bomb_is_refused_before_parsing():
    bomb = _with_part("xl/worksheets/sheet2.xml", b"\0" * (30 * 1024 * 1024))
    assert len(bomb) < 1024 * 1024
    assert "压缩炸弹" in _refused(bomb)


def test_a_zip_with_thousands_of_parts_is_refused():
    assert "部件过多" in _refused(_zip({f"xl/p{i}.xml": b"<a/>" for i in range(600)}))


def test_a_zip_slip_entry_is_refused():
    assert "路径异常" in _refused(_with_part("../../etc/evil.xml", b"<a/>"))


def test_xml_external_entities_are_refused():
    xxe = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&x;</t></si></sst>')  # fmt: skip
    message = _refused(_with_part("xl/sharedStrings.xml", xxe))
    assert "XML 实体" in message and "root:" not in message


def test_billion_laughs_is_refused():
    lol = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><a>&lol2;</a>'
    assert "XML 实体" in _refused(_with_part("xl/sharedStrings.xml", lol))


def test_macro_workbooks_are_refused():
    assert "含有宏" in _refused(_with_part("xl/vbaProject.bin", b"VBA"), "macro.xlsm")


def test_a_zip_that_is_not_a_workbook_is_refused():
    assert "不是 Excel 工作簿" in _refused(_zip({"word/document.xml": b"<a/>"}))


def test_an_oversized_file_is_refused_at_upload(alice, campaign, district):
    from sanluanwu.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        upload_import(actor=alice, data=b"x" * (readers.MAX_BYTES + 1), filename="big.csv", kind="list",
                      unit=district["hutang"])  # fmt: skip
    assert "不超过 20 MB" in exc.value.errors["file"][0]


def test_a_refused_file_is_kept_with_its_hash_and_the_reason(alice, campaign, district):
    batch = upload_import(
        actor=alice, data=b"not a sheet\x00\x01", filename="x.xlsx", kind="list", unit=district["hutang"]
    )
    batch = preview_import(actor=alice, batch=batch)
    assert batch.status == BatchStatus.REJECTED and batch.message
    assert len(batch.sha256) == 64 and bytes(batch.content) == b"not a sheet\x00\x01"


def test_formulas_in_a_sheet_are_never_evaluated(alice, campaign, district):
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(messy_xlsx([])))
    ws = wb.active
    ws.append([1, '=HYPERLINK("http://evil/","x")', "塑料造粒", "湖塘镇1号", "119.965, 31.725", "张三", "1", "有",
               "", "", "", "关停", "2020-12-31", "", "陈"])  # fmt: skip
    buf = io.BytesIO()
    wb.save(buf)
    batch = preview_import(actor=alice, batch=upload_import(actor=alice, data=buf.getvalue(), filename="f.xlsx",
                                                            kind="list", unit=district["hutang"]))  # fmt: skip
    # openpyxl stores no cached value for the formula: the name is empty, and the row says so.
    assert any(e["message"] == "请填写企业名称" for e in batch.preview["errors"])
