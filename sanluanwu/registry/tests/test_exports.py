from __future__ import annotations

import datetime as dt
import io
import zipfile
from urllib.parse import quote

import openpyxl
import pytest
from django.core.management import call_command

from conftest import make_case, walk_case
from sanluanwu.core import clock
from sanluanwu.registry.exports import COLUMNS, NOTES, TITLE, attachment2_rows, write_attachment2
from sanluanwu.registry.models import Case

HEADERS = [h for h, _ in COLUMNS]


def _sheet(content: bytes) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(io.BytesIO(content)).active


def test_the_headers_are_the_15_columns_of_attachment_2_in_order():
    assert HEADERS == [
        "序号", "企业名称", "行业类别", "详细地址", "经纬度", "企业法人或负责人", "属于“回头看”四种排查类型类别",
        "营业执照办理情况", "存在环境违法行为、环境风险问题情况", "存在安全隐患情况", "存在其他问题情况", "整治类型",
        "计划完成时间", "整治进度", "责任人",
    ]  # fmt: skip


def test_the_export_has_title_unit_date_rows_and_notes(client, alice, hutang_case):
    client.force_login(alice)
    response = client.get("/cases/export/?as_of=" + clock.today().isoformat())
    assert response.status_code == 200
    ws = _sheet(b"".join(response.streaming_content))
    assert ws["A1"].value == TITLE
    assert "湖塘镇" in ws["A2"].value
    assert [c.value for c in ws[3]][:15] == HEADERS
    row = [c.value for c in ws[4]]
    assert row[0] == 1 and row[1] == "张三塑料造粒作坊" and row[4] == "119.965000, 31.725000"
    assert row[6] == "第一类：关停取缔后复产经营" and row[7] == "未办理" and row[11] == "关停取缔"
    assert row[10] is None  # no other problem: left empty (填写说明 2)
    assert row[13] == "已列入名单" and row[15] == hutang_case.pk
    texts = [ws.cell(r, 1).value for r in range(5, ws.max_row + 1)]
    assert [t for t in texts if t] == NOTES
    assert ws.freeze_panes == "C4"
    assert ws.print_title_rows.replace("$", "") == "3:3"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.column_dimensions["P"].hidden


def test_the_download_has_a_chinese_file_name(client, alice, hutang_case):
    client.force_login(alice)
    today = clock.today().isoformat()
    disposition = client.get("/cases/export/")["Content-Disposition"]
    name = f"武进区散乱污动态管理整治企业清单_湖塘镇_{today}.xlsx"
    assert "attachment" in disposition and f"filename*=utf-8''{quote(name)}" in disposition


def test_formula_like_text_is_written_as_plain_text(office, campaign, district):
    case = make_case(
        office,
        district["hutang"],
        name='=HYPERLINK("http://x","y")',
        licence_status="licensed",
        case={"env_problems": "@SUM(1)", "responsible_person": "+张三"},
    )
    buf = io.BytesIO()
    write_attachment2(attachment2_rows(Case.objects.all()), buf, unit_label="湖塘镇", as_of=clock.today())
    ws = _sheet(buf.getvalue())
    assert ws["B4"].value == case.enterprise.name and ws["B4"].data_type == "s"
    assert ws["I4"].value == "@SUM(1)" and ws["O4"].value == "+张三"
    with zipfile.ZipFile(buf) as zf:
        assert b"<f>" not in zf.read("xl/worksheets/sheet1.xml")


def test_the_export_follows_the_list_filters_and_the_scope(client, office, bob, hutang_case, niutang_case):
    client.force_login(office)
    ws = _sheet(b"".join(client.get(f"/cases/export/?town={niutang_case.town_id}").streaming_content))
    names = [ws.cell(r, 2).value for r in range(4, ws.max_row + 1)]
    assert niutang_case.enterprise.name in names and hutang_case.enterprise.name not in names
    client.force_login(bob)
    ws = _sheet(b"".join(client.get("/cases/export/").streaming_content))
    names = [ws.cell(r, 2).value for r in range(4, ws.max_row + 1)]
    assert hutang_case.enterprise.name not in names


def test_as_of_shows_the_cases_listed_by_then_with_their_progress_then(office, hutang_case, time_machine):
    listed = hutang_case.listed_on
    time_machine.move_to(dt.datetime.combine(listed + dt.timedelta(days=3), dt.time(10)))
    walk_case(hutang_case, "stopped")
    rows = list(attachment2_rows(Case.objects.all(), as_of=listed + dt.timedelta(days=1)))
    assert rows[0].cells[12] == "已列入名单"
    rows = list(attachment2_rows(Case.objects.all(), as_of=listed + dt.timedelta(days=3)))
    assert rows[0].cells[12] == "已停产"
    assert list(attachment2_rows(Case.objects.all(), as_of=listed - dt.timedelta(days=1))) == []


def test_the_api_exports_the_same_table(alice, hutang_case):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(alice)
    response = api.get("/api/v1/cases/export/")
    assert response.status_code == 200
    ws = _sheet(b"".join(response.streaming_content))
    assert ws["B4"].value == hutang_case.enterprise.name


def test_the_export_command_writes_a_unit_or_the_whole_district(tmp_path, hutang_case, niutang_case):
    out = tmp_path / "hutang.xlsx"
    call_command("export_list", "--unit", "湖塘镇", "-o", str(out))
    ws = openpyxl.load_workbook(out).active
    assert ws["B4"].value == hutang_case.enterprise.name and ws["B5"].value != niutang_case.enterprise.name
    call_command("export_list", "--unit", "all", "-o", str(tmp_path / "all.xlsx"))
    assert openpyxl.load_workbook(tmp_path / "all.xlsx").active.max_row >= 5


def test_an_unknown_unit_is_a_clear_error(tmp_path, db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="找不到镇（街道）：火星镇"):
        call_command("export_list", "--unit", "火星镇", "-o", str(tmp_path / "x.xlsx"))


def _parts(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        return {name: zf.read(name) for name in zf.namelist() if not name.startswith("docProps/")}


@pytest.mark.parametrize("memo", [4096, 2], ids=["texts-remembered", "memo-full"])
@pytest.mark.parametrize("system_ids", [True, False])
def test_the_fast_row_writer_gives_the_same_workbook_as_writing_cell_by_cell(system_ids, memo, monkeypatch):
    from sanluanwu.registry import exports
    from sanluanwu.registry.exports import ExportRow

    # The fast writer remembers each column's texts (escaped, measured) up to a limit; past it, it works them out.
    monkeypatch.setattr(exports, "_MEMO_PER_COLUMN", memo)

    awkward = [
        "张三塑料造粒作坊", " leading space", "trailing space ", "a & b < c > d", "tab\there",
        "line\nbreak", "bell\x07char", "_x0041_ literal", "=HYPERLINK(\"http://x\")", "长" * 200, "\ufffe",
    ]  # fmt: skip
    rows = [
        ExportRow(1000 + i, [text, "塑料造粒", "湖塘镇新华村", "119.965000, 31.725000", "张三", "第一类：关停取缔后复产经营",
                             "未办理", text if i % 2 else "", "", "电线私拉乱接", "关停取缔", dt.date(2026, 12, 31) if i % 3 != 1
                             else None, "已停产：已断水断电", "陈科长"])
        for i, text in enumerate(awkward)
    ]  # fmt: skip
    # (The first row has a date, so both writers meet the cell formats in the same order and number them alike.)
    outputs = []
    for reference in (True, False):
        buffer = io.BytesIO()
        n = write_attachment2(iter(rows), buffer, unit_label="湖塘镇", as_of=dt.date(2026, 11, 28),
                              system_ids=system_ids, reference_writer=reference)  # fmt: skip
        assert n == len(rows)
        outputs.append(_parts(buffer.getvalue()))
    assert outputs[0].keys() == outputs[1].keys()
    for name in outputs[0]:
        assert outputs[0][name] == outputs[1][name], name
    ws = _sheet(buffer.getvalue())
    assert [ws.cell(row=4 + i, column=2).value for i in range(len(awkward))][:6] == awkward[:6]


def test_text_that_looks_like_rich_text_xml_stays_literal_text():
    # xlsxwriter itself writes a string "<r>…</r>" unescaped, as rich text; our row writer never does.
    from sanluanwu.registry.exports import ExportRow

    literal = "<r><t>rich?</t></r>"
    buffer = io.BytesIO()
    write_attachment2(iter([ExportRow(1, [literal, *[""] * 13])]), buffer, unit_label="湖塘镇",
                      as_of=dt.date(2026, 11, 28))  # fmt: skip
    assert _sheet(buffer.getvalue()).cell(row=4, column=2).value == literal


def test_a_department_export_is_headed_with_the_department_not_the_district(client, dora, hutang_case):
    client.force_login(dora)
    response = client.get("/cases/export/")
    assert response.status_code == 200
    ws = _sheet(b"".join(response.streaming_content))
    assert "武进区生态环境局" in ws["A2"].value or "生态环境" in ws["A2"].value, ws["A2"].value
    assert "全区" not in ws["A2"].value and ws.cell(4, 2).value != "张三塑料造粒作坊"


@pytest.mark.parametrize(("as_of", "said"), [("0001-01-01", "不在合理范围内"), ("9999-12-31", "不在合理范围内"),
                                             ("2100-01-01", "不在合理范围内"), ("+2020-01-01", "格式不对"),
                                             ("2020-02-30", "不存在"), ("20200715", "格式不对")])  # fmt: skip
def test_an_export_date_out_of_range_or_not_a_day_is_told(client, office, hutang_case, as_of, said):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(office)
    response = api.get("/api/v1/cases/export/", {"town": hutang_case.town_id, "as_of": as_of})
    assert response.status_code == 400 and said in str(response.json()), response.content
    client.force_login(office)
    page = client.get("/cases/export/", {"as_of": as_of}, follow=True)
    assert said in page.content.decode()


def test_a_workbook_is_zipped_at_the_level_chosen_for_speed():
    import zlib

    from sanluanwu.registry.exports import XLSX_ZIP_LEVEL, ExportRow

    rows = [ExportRow(i, [f"张{i}塑料造粒作坊", "塑料造粒", f"湖塘镇新华村{i}号", "", "张三", "第一类", "未办理", "废气直排",
                          "", "", "关停取缔", None, "已停产", "陈科长"]) for i in range(2000)]  # fmt: skip
    buffer = io.BytesIO()
    write_attachment2(iter(rows), buffer, unit_label="湖塘镇", as_of=dt.date(2026, 11, 28))
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as zf:
        info = max(zf.infolist(), key=lambda i: i.file_size)
        content = zf.read(info)

    def deflated(level: int) -> int:
        packer = zlib.compressobj(level, zlib.DEFLATED, -15)
        return len(packer.compress(content) + packer.flush())

    assert info.compress_type == zipfile.ZIP_DEFLATED and XLSX_ZIP_LEVEL == 3
    assert info.compress_size == deflated(XLSX_ZIP_LEVEL) != deflated(6)
