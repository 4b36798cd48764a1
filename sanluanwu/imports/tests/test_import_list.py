"""Importing 附件2 sheets as towns really fill them: every valid row lands, every other row is explained."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client

from sanluanwu.core import clock
from sanluanwu.imports.choices import BatchStatus
from sanluanwu.imports.services import confirm_import, preview_import, upload_import
from sanluanwu.imports.tests.sheets import csv_bytes, messy_xlsx, xls_bytes
from sanluanwu.registry.models import Case, Enterprise

# The sheets write 2020 dates (the 2020 campaign): today is a day of its remediation phase.
pytestmark = pytest.mark.usefixtures("in_2020")


def _row(n, name, person, **kw):
    base = {
        "seq": n, "name": name, "industry": "塑料造粒", "address": "湖塘镇新华村人民路1号",
        "coords": "119.965, 31.725", "person": person, "category": "1", "licence": "无", "env": "废气直排",
        "safety": "", "other": "", "rtype": "关停", "planned": "2020-12-31", "progress": "", "resp": "陈科长",
    }  # fmt: skip
    base.update(kw)
    return [base[k] for k in ("seq", "name", "industry", "address", "coords", "person", "category", "licence", "env",
                              "safety", "other", "rtype", "planned", "progress", "resp")]  # fmt: skip


def _import(actor, data, unit, name="湖塘镇.xlsx", **kw):
    batch = upload_import(actor=actor, data=data, filename=name, kind="list", unit=unit, **kw)
    return preview_import(actor=actor, batch=batch)


def _rows(batch):
    return {r["row"]: r for r in batch.preview["rows"]}


def test_a_messy_sheet_lands_row_by_row_with_interpretations_shown(alice, campaign, district):
    rows = [
        _row(1, "张三塑料造粒作坊", "张三", category="第一类", planned="12月底"),
        _row(
            "２",
            "李四木材加工作坊",
            "李四",
            industry="木材加工",
            category="一",
            coords="31.7262，119.9661",
            licence="未办理",
            rtype="整治提升",
            planned="2021年1月15日",
            env="无",
            progress="整改中",
        ),
        _row(
            3,
            "王五废品回收个体户",
            "王五",
            industry="废品回收",
            category="空置厂房新的“散乱污”进驻",
            coords="119°58′12″E, 31°43′12″N",
            planned=dt.datetime(2020, 12, 20),
            rtype="取缔",
        ),
        [None] * 15,
        _row(
            4,
            " 赵六 石材加工作坊\n",
            "赵六",
            industry="石材加工",
            category="4",
            planned="2020.12.1",
            licence="正在办理",
        ),
    ]
    batch = _import(alice, messy_xlsx(rows), district["hutang"])
    assert batch.status == BatchStatus.PREVIEWED, batch.message
    assert batch.counts == {"new": 4, "changed": 0, "unchanged": 0, "error": 0, "skipped": 3}, batch.preview["errors"]
    by_row = _rows(batch)
    shown = [i["shown"] for i in by_row[6]["interpreted"]]  # title, unit, blank, 2 header rows, then row 6
    assert any("12月底 → " in s and "-12-31" in s for s in shown)
    assert not Case.objects.exists()  # the preview writes nothing
    batch = confirm_import(actor=alice, batch=batch)
    assert batch.status == BatchStatus.APPLIED
    li = Case.objects.get(enterprise__name="李四木材加工作坊")
    # 整改中 in a sheet is kept as the words: remediation starts with the stop record and the lead department's
    # confirmation in the system, never with a sheet (the preview said so).
    assert li.lookback_category == 1 and li.remediation_type == "rectification" and li.status == "listed"
    assert any("登记停产记录" in w for r in by_row.values() for w in r["warnings"])
    assert li.env_problems == "" and li.planned_completion == dt.date(2021, 1, 15) and li.progress_note == "整改中"
    assert (str(li.enterprise.longitude), str(li.enterprise.latitude)) == ("119.966100", "31.726200")
    wang = Case.objects.get(enterprise__name="王五废品回收个体户")
    assert wang.lookback_category == 3 and wang.remediation_type == "shutdown"
    assert Case.objects.get(enterprise__name="赵六石材加工作坊").enterprise.licence_status == "in_progress"
    year = Case.objects.get(enterprise__name="张三塑料造粒作坊").planned_completion
    assert (year.month, year.day) == (12, 31)


def test_every_bad_row_comes_back_with_row_column_and_rule(alice, campaign, district):
    rows = [
        _row(1, "湖塘塑料厂", "张三"),  # rule 1
        _row(2, "李四木材加工作坊", "李四", coords="121.47, 31.23"),  # outside the district
        _row(3, "王五废品回收作坊", "王五", category="第五类"),
        _row(4, "赵六石材加工作坊", "赵六", planned="下个月"),
        _row(5, "钱七印刷作坊", "钱七", rtype="拆了"),
        _row(6, "孙八铸造作坊", "孙八", resp=""),
        _row(7, "张三塑料造粒作坊", "张三"),
        _row(8, "张三塑料造粒作坊", "张三"),  # the same enterprise twice
    ]
    batch = _import(alice, messy_xlsx(rows, title=False, notes=False), district["hutang"])
    errors = {(e["row"], e["column"]): e["message"] for e in batch.preview["errors"]}
    assert "负责人姓名+经营内容+作坊" in errors[(3, "企业名称")]
    assert "不在武进区范围内" in errors[(4, "经纬度")]
    assert "第一类至第四类" in errors[(5, "属于“回头看”四种排查类型类别")]
    assert "无法识别日期“下个月”" in errors[(6, "计划完成时间")]
    assert "无法识别整治类型“拆了”" in errors[(7, "整治类型")]
    assert errors[(8, "责任人")] == "请填写责任人"
    assert "与第 9 行是同一企业" in errors[(10, "企业名称")]
    assert batch.counts["new"] == 1 and batch.counts["error"] == 7
    batch = confirm_import(actor=alice, batch=batch)
    assert list(Enterprise.objects.values_list("name", flat=True)) == ["张三塑料造粒作坊"]


def test_all_or_nothing_applies_nothing_when_a_row_is_wrong(alice, campaign, district):
    rows = [_row(1, "张三塑料造粒作坊", "张三"), _row(2, "湖塘塑料厂", "张三")]
    batch = _import(alice, messy_xlsx(rows), district["hutang"], all_or_nothing=True)
    batch = confirm_import(actor=alice, batch=batch)
    assert batch.status == BatchStatus.FAILED and "没有导入任何数据" in batch.message
    assert not Case.objects.exists()


def test_the_same_file_twice_changes_nothing(alice, campaign, district):
    data = messy_xlsx([_row(1, "张三塑料造粒作坊", "张三"), _row(2, "李四木材加工作坊", "李四", industry="木材加工")])
    confirm_import(actor=alice, batch=_import(alice, data, district["hutang"]))
    before = list(Case.objects.values_list("id", "version", "updated_at"))
    again = _import(alice, data, district["hutang"])
    assert again.counts["unchanged"] == 2 and again.counts["new"] == 0
    assert "导入过" in again.message
    confirm_import(actor=alice, batch=again)
    assert list(Case.objects.values_list("id", "version", "updated_at")) == before


def test_importing_our_own_export_changes_nothing(alice, office, campaign, district, tmp_path):
    from django.core.management import call_command

    from sanluanwu.demo.builder import build_demo

    build_demo(size="small", seed=9)
    out = tmp_path / "export.xlsx"
    call_command("export_list", "--unit", "all", "-o", str(out))
    batch = upload_import(actor=office, data=out.read_bytes(), filename=out.name, kind="list", unit=None)
    batch = preview_import(actor=office, batch=batch)
    assert batch.counts["error"] == 0, batch.preview["errors"][:3]
    assert batch.counts["changed"] == 0 and batch.counts["new"] == 0
    assert batch.counts["unchanged"] == Case.objects.count()


def test_an_edited_export_updates_the_same_cases_and_audits_old_and_new(office, campaign, district, tmp_path):
    import openpyxl
    from django.core.management import call_command

    from conftest import make_case
    from sanluanwu.audit.models import AuditEvent

    case = make_case(office, district["hutang"], case={"planned_completion": clock.today() + dt.timedelta(days=9)})
    out = tmp_path / "export.xlsx"
    call_command("export_list", "--unit", "湖塘镇", "-o", str(out))
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    ws["N4"] = "已停产：已断水断电"
    ws["O4"] = "周责任"
    buf = io.BytesIO()
    wb.save(buf)
    batch = upload_import(
        actor=office, data=buf.getvalue(), filename="edited.xlsx", kind="list", unit=district["hutang"]
    )
    batch = confirm_import(actor=office, batch=preview_import(actor=office, batch=batch))
    assert batch.counts["changed"] == 1, batch.preview
    case.refresh_from_db()
    # The stop is a record: a sheet's 已停产 keeps the case listed and its words as the note (the preview says where).
    assert (case.status, case.progress_note, case.responsible_person) == ("listed", "已断水断电", "周责任")
    event = AuditEvent.objects.get(action="imports.case.updated")
    assert event.changes["responsible_person"] == ["李四", "周责任"] and "第 4 行" in event.note


def test_progress_never_goes_backwards_through_an_import_and_the_rest_of_an_older_row_is_imported(
    office, campaign, district
):  # fmt: skip
    """A sheet filled in from an export made before the stop was recorded still says 已列入名单: the case stays 已停产
    (the records say so), the row's other corrections are imported, and the preview says why (helper-32)."""
    from conftest import make_case, walk_case

    case = make_case(office, district["hutang"], case={"planned_completion": clock.today() + dt.timedelta(days=9)})
    walk_case(case, "stopped")
    rows = [
        _row(
            1,
            "张三塑料造粒作坊",
            "张三",
            progress="已列入名单",
            planned=case.planned_completion.isoformat(),
            resp="周责任",
            env="废气直排",
        )
    ]
    batch = _import(office, messy_xlsx(rows), district["hutang"])
    assert batch.counts["error"] == 0 and batch.counts["changed"] == 1, batch.preview["errors"]
    said = [w["message"] for w in batch.preview["warnings"] if w["row"] == 6]
    assert any("系统中已为“已停产”" in m and "不会倒退" in m for m in said), batch.preview["warnings"]
    confirm_import(actor=office, batch=batch)
    case.refresh_from_db()
    assert case.status == "stopped" and case.responsible_person == "周责任"


def test_csv_in_gbk_and_utf8_and_old_xls_are_read(alice, campaign, district):
    for _i, (data, name) in enumerate(
        [
            (csv_bytes([_row(1, "张三塑料造粒作坊", "张三")], "gbk"), "gbk.csv"),
            (csv_bytes([_row(1, "李四塑料造粒作坊", "李四")], "utf-8-sig"), "utf8.csv"),
            (xls_bytes([_row(1, "王五塑料造粒作坊", "王五")]), "old.xls"),
        ]
    ):
        batch = _import(alice, data, district["hutang"], name=name)
        assert batch.status == BatchStatus.PREVIEWED, (name, batch.message)
        assert batch.counts["new"] == 1, (name, batch.preview["errors"])


def test_a_row_of_another_town_is_refused(alice, campaign, district):
    import csv

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(
        ["企业名称", "所属镇（街道）", "行业类别", "详细地址", "经纬度", "负责人", "排查类型", "整治类型", "责任人"]
    )
    w.writerow(["王五木材加工作坊", "牛塘镇", "木材加工", "牛塘镇1号", "119.905, 31.735", "王五", "4", "关停", "周"])
    batch = _import(alice, out.getvalue().encode(), district["hutang"], name="x.csv")
    assert "不属于本次导入的湖塘镇" in batch.preview["errors"][0]["message"]


def test_the_command_exit_codes_and_json(alice, campaign, district, tmp_path, capsys):
    import json

    from django.core.management import call_command

    good = tmp_path / "good.xlsx"
    good.write_bytes(messy_xlsx([_row(1, "张三塑料造粒作坊", "张三")]))
    with pytest.raises(SystemExit) as exit_:
        call_command("import_list", str(good), "--unit", "湖塘镇", "--dry-run", "--json")
    assert exit_.value.code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["counts"]["new"] == 1 and not Case.objects.exists()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(messy_xlsx([_row(1, "张三塑料造粒作坊", "张三"), _row(2, "湖塘塑料厂", "张三")]))
    with pytest.raises(SystemExit) as exit_:
        call_command("import_list", str(bad), "--unit", "湖塘镇", "--json")
    assert exit_.value.code == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["errors"][0]["row"] == 7 and summary["errors"][0]["column"] == "企业名称"
    assert Case.objects.count() == 1
    junk = tmp_path / "junk.xlsx"
    junk.write_text("this is not a spreadsheet")
    with pytest.raises(SystemExit) as exit_:
        call_command("import_list", str(junk), "--unit", "湖塘镇")
    assert exit_.value.code == 2


@pytest.mark.parametrize("name_header", ["企业名称", "企业（作坊）名称（全称）"])
def test_a_header_repeated_inside_the_table_is_skipped_not_imported(alice, campaign, district, name_header):
    header = ["序号", name_header, "行业类别", "详细地址", "经纬度", "企业法人或负责人", "属于“回头看”四种排查类型类别",
              "营业执照办理情况", "存在环境违法行为、环境风险问题情况", "存在安全隐患情况", "存在其他问题情况", "整治类型",
              "计划完成时间", "整治进度", "责任人"]  # fmt: skip
    import csv

    out = io.StringIO()
    csv.writer(out).writerows(
        [header, _row(1, "张三塑料造粒作坊", "张三"), header, _row(2, "李四木材加工作坊", "李四", industry="木材加工")]
    )
    batch = _import(alice, out.getvalue().encode(), district["hutang"], name="湖塘镇.csv")
    assert batch.counts["new"] == 2 and batch.counts["error"] == 0, batch.preview["errors"]
    assert [r["note"] for r in batch.preview["rows"] if r["outcome"] == "skipped"] == ["重复的表头行，未导入"]


def test_a_blank_problem_cell_keeps_the_cases_text_and_wu_clears_it(office, campaign, district):
    from conftest import make_case, walk_case

    case = make_case(office, district["hutang"], case={"planned_completion": dt.date(2020, 12, 31),
                                                       "env_problems": "废水直排河道", "safety_problems": "电线私拉"})  # fmt: skip
    case = walk_case(case, "stopped")
    rows = [
        _row(1, "张三塑料造粒作坊", "张三", env="", safety="无", progress="已停产", planned="2020-12-31", resp="李四")
    ]
    batch = _import(office, messy_xlsx(rows), district["hutang"])
    (row,) = [r for r in batch.preview["rows"] if r["name"] == "张三塑料造粒作坊"]
    assert row["outcome"] == "changed", row
    shown = " ".join(i["shown"] for i in row["interpreted"])
    assert "空白 → 保留原有内容“废水直排河道”" in shown
    confirm_import(actor=office, batch=batch)
    after = type(case).objects.get(pk=case.pk)
    assert after.env_problems == "废水直排河道"  # not retyped is not erased
    assert after.safety_problems == ""  # 无: there is none
    assert after.status == "stopped"


def test_the_same_step_said_again_keeps_the_progress_note(office, campaign, district):
    from conftest import make_case
    from sanluanwu.registry.models import Case

    case = make_case(office, district["hutang"], case={"planned_completion": dt.date(2020, 12, 31)})
    first = _import(office, messy_xlsx([_row(1, "张三塑料造粒作坊", "张三", progress="已停产：已断水断电",
                                            planned="2020-12-31", resp="李四")]), district["hutang"])  # fmt: skip
    confirm_import(actor=office, batch=first)
    assert Case.objects.get(pk=case.pk).progress_note == "已断水断电"
    again = _import(office, messy_xlsx([_row(1, "张三塑料造粒作坊", "张三", progress="已停产", planned="2020-12-31",
                                            resp="李四")]), district["hutang"])  # fmt: skip
    assert again.counts["unchanged"] == 1, again.preview
    confirm_import(actor=office, batch=again)
    assert Case.objects.get(pk=case.pk).progress_note == "已断水断电"


def test_a_masked_export_read_back_keeps_the_numbers_and_the_preview_never_shows_one(
    alice, ada, office, campaign, district, tmp_path
):
    import openpyxl
    from django.core.management import call_command

    from conftest import make_case

    phone, masked = "13812345678", "138****5678"
    case = make_case(office, district["hutang"], case={"other_problems": f"房东电话{phone}",
                                                       "progress_note": f"已约谈，负责人手机{phone}"})  # fmt: skip
    out = tmp_path / "export.xlsx"
    call_command("export_list", "--unit", "湖塘镇", "-o", str(out))  # masked, as every export by default
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(masked in c.value for c in cells) and not any(phone in c.value for c in cells)
    # Read back as it is: no change at all (the masked note is the stored one, not a new text with asterisks).
    batch = preview_import(actor=alice, batch=upload_import(actor=alice, data=out.read_bytes(), filename="a.xlsx",
                                                            kind="list", unit=district["hutang"]))  # fmt: skip
    assert batch.counts["error"] == 0 and batch.counts["changed"] == 0, batch.preview["rows"]
    # Edited: a new 责任人 typed with a phone number. It is written as typed, and the preview shows it masked to
    # everyone who reads the batch (an inspector too), while the masked note and problems keep their numbers.
    resp = next(c for c in ws[3] if c.value == "责任人").column_letter
    ws[f"{resp}4"] = "周责任13912345678"
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    batch = preview_import(actor=alice, batch=upload_import(actor=alice, data=edited.read_bytes(), filename="b.xlsx",
                                                            kind="list", unit=district["hutang"]))  # fmt: skip
    assert batch.counts["changed"] == 1, batch.preview["rows"]
    shown = str(batch.preview)
    assert "13912345678" not in shown and "139****5678" in shown and phone not in shown
    client = Client()
    client.force_login(ada)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "13912345678" not in page and "139****5678" in page
    confirm_import(actor=alice, batch=batch)
    case.refresh_from_db()
    assert case.responsible_person == "周责任13912345678"
    assert case.other_problems == f"房东电话{phone}" and case.progress_note == f"已约谈，负责人手机{phone}"


def test_our_own_report_workbook_imports_its_list_and_passes_over_its_summary_sheet(alice, campaign, district):
    """A town's 半月报表 (附件2 and its 汇总 sheet) read back: the 汇总 sheet is figures, not a list to map column by
    column; it is named as not imported, and the list's rows are the town's cases, unchanged."""
    from conftest import make_case
    from sanluanwu.registry.exports import Signature, attachment2_rows
    from sanluanwu.reporting import exports
    from sanluanwu.reporting import figures as fig

    make_case(alice, district["hutang"], name="张三塑料造粒作坊")
    make_case(alice, district["hutang"], name="李四五金加工作坊", legal_person="李四", industry="五金加工")
    rows = list(attachment2_rows(Case.objects.all(), as_of=clock.today()))
    content = exports.report_xlsx(rows, unit_label="湖塘镇", period_label="2020年7月上半月", as_of=clock.today(),
                                  lines=fig.lines(fig.tally([])), previous_label="",
                                  signature=Signature("陈", "刘", "0519-86310000"), remark="")  # fmt: skip
    batch = _import(alice, content, district["hutang"], name="附件2_湖塘镇_2020年7月上半月.xlsx")
    assert batch.preview["sheets"]["汇总"] == {"skipped": "汇总表（统计数字，不是企业清单），未导入"}
    assert "指定各列的含义" not in batch.message
    assert batch.counts["error"] == 0 and batch.counts["unchanged"] == 2 and batch.counts["new"] == 0


def test_problems_typed_over_several_lines_with_chinese_spaces_come_back_unchanged(alice, office, campaign, district,
                                                                                 tmp_path):  # fmt: skip
    # helper-47: full-width digits with ideographic spaces (a Chinese keyboard) and line breaks were kept by the form
    # but flattened by the import: the unchanged row read as changed, and confirming rewrote the stored text.
    from django.core.management import call_command

    from conftest import make_case

    safety = "负责人手机：１３８　１２３４　５６７１；\n二、消防通道　堵塞\n三、配电箱无门"
    case = make_case(alice, district["hutang"], case={"safety_problems": safety, "env_problems": "废气直排\n废水乱排"})
    case.refresh_from_db()
    assert "\n" in case.safety_problems and "\u3000" in case.safety_problems  # as the form keeps it
    out = tmp_path / "export.xlsx"
    call_command("export_list", "--unit", "湖塘镇", "--unmasked", "--reason", "导入前核对号码", "--actor", "office_p",
                 "-o", str(out))  # fmt: skip
    batch = preview_import(actor=office, batch=upload_import(actor=office, data=out.read_bytes(), filename=out.name,
                                                              kind="list", unit=district["hutang"]))  # fmt: skip
    assert batch.counts["changed"] == 0 and batch.counts["unchanged"] == 1, batch.preview
    stored = (case.safety_problems, case.env_problems)
    confirm_import(actor=office, batch=batch)
    case.refresh_from_db()
    assert (case.safety_problems, case.env_problems) == stored


@pytest.mark.parametrize(
    "note", ["行一\n行二", "进度\t说明", "a\u3000b", "1、已停产\n2、设备已清除", "第一句。\n\n第二句。"]
)
def test_a_progress_note_over_several_lines_comes_back_unchanged(alice, office, campaign, district, tmp_path, note):
    # helper-49: the 整治进度 column was read as one line: a note typed over two lines read back as changed and was
    # rewritten on one when confirmed.
    from django.core.management import call_command

    from conftest import make_case

    case = make_case(alice, district["hutang"], case={"progress_note": note})  # as the form and the API store it
    case.refresh_from_db()
    stored = case.progress_note
    out = tmp_path / "export.xlsx"
    call_command("export_list", "--unit", "湖塘镇", "--actor", "office_p", "-o", str(out))
    batch = preview_import(actor=office, batch=upload_import(actor=office, data=out.read_bytes(), filename=out.name,
                                                              kind="list", unit=district["hutang"]))  # fmt: skip
    assert batch.counts["changed"] == 0 and batch.counts["unchanged"] == 1, batch.preview
    confirm_import(actor=office, batch=batch)
    case.refresh_from_db()
    assert case.progress_note == stored


def test_none_words_in_a_problem_column_are_stored_empty_on_every_path(alice, campaign, district):
    # helper-49: 无 / — / 暂无 typed in the form or the API were stored as typed, while the import reads them as empty
    # (填写说明 2): an unchanged sheet read back as changed and emptied them on confirm.
    from conftest import make_case

    case = make_case(alice, district["hutang"], case={"env_problems": "无", "safety_problems": " 暂无 ",
                                                      "other_problems": "—"})  # fmt: skip
    case.refresh_from_db()
    assert (case.env_problems, case.safety_problems, case.other_problems) == ("", "", "")
