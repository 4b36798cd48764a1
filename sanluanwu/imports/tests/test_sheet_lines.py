"""What stands around the table in a town's sheet: its own date above, totals and signatures below, and the
progress words of a shutdown; and what the page says before and after the confirm."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import make_case, walk_case
from sanluanwu.core import clock
from sanluanwu.imports.choices import BatchStatus
from sanluanwu.imports.models import ImportBatch
from sanluanwu.imports.services import confirm_import, preview_import, upload_import
from sanluanwu.imports.tests.sheets import LIST_HEADER, clerk_xlsx
from sanluanwu.imports.tests.test_import_list import _row
from sanluanwu.registry.models import Case

pytestmark = pytest.mark.usefixtures("in_2020")  # today is 2020-07-20

TITLE = ["武进区“散乱污”企业（作坊）动态管理整治企业清单"]


def _preview(actor, unit, data, kind="list"):
    batch = upload_import(actor=actor, data=data, filename="湖塘镇.xlsx", kind=kind, unit=unit)
    return preview_import(actor=actor, batch=batch)


def _skipped(batch):
    return {r["row"]: r["note"] for r in batch.preview["rows"] if r["outcome"] == "skipped"}


def test_totals_signatures_and_the_blank_marker_are_skipped_with_a_note(alice, campaign, district):
    blank = [None] * 15
    below = [
        ["合计", "2家", None, None, None, None, None, None, 2, 0, 0, None, None, None, None],
        [None, "小计", None, None, None, None, None, None, 2],
        ["以下空白"],
        blank,
        ["填表人：张三", None, None, None, "审核人：李四", None, None, None, None, "联系电话：0519-86312345"],
        ["填报单位（盖章）：", None, None, None, None, "分管领导：", None, None, None, None, "日期：2020年7月15日"],
        [None, "湖塘镇人民政府（盖章）"],
        ["审核", None, "王五"],
    ]
    rows = [_row(1, "张三塑料造粒作坊", "张三"), _row(2, "李四塑料造粒作坊", "李四")]
    batch = _preview(alice, district["hutang"], clerk_xlsx(rows, above=[TITLE], below=below))
    assert batch.counts == {"new": 2, "changed": 0, "unchanged": 0, "error": 0, "skipped": 7}, batch.preview["errors"]
    assert _skipped(batch) == {
        5: "合计行，未导入", 6: "合计行，未导入", 7: "“以下空白”，未导入",
        9: "落款行（填表人、审核人、盖章、日期等），未导入", 10: "落款行（填表人、审核人、盖章、日期等），未导入",
        11: "落款行（填表人、审核人、盖章、日期等），未导入", 12: "落款行（填表人、审核人、盖章、日期等），未导入",
    }  # fmt: skip
    assert batch.sheet_date == dt.date(2020, 7, 15)  # the date of the 落款, the title having none


def test_a_skipped_row_is_named_by_its_cells_as_they_read_with_numbers_masked(alice, campaign, district):
    """A merged cell's two facts ran together (「填报单位：湖塘镇截至日期：…」), and only a row's first cell was shown."""
    below = [
        ["填报单位：湖塘镇        截至日期：2020年7月15日"],
        ["填表人：张三", None, None, None, "审核人：李四", None, None, None, None, "手机：13812345678"],
        ["填写说明：", "填写说明：", "填写说明：", "填写说明："],  # a merged range, as the reader gives it
        ["说明：本表所列作坊均已现场核实，其中部分作坊已于近期完成关停取缔，其余作坊正在按计划整治中，请区办审阅"],
    ]
    rows = [_row(1, "张三塑料造粒作坊", "张三")]
    batch = _preview(alice, district["hutang"], clerk_xlsx(rows, above=[TITLE], below=below))
    names = {r["row"]: r["name"] for r in batch.preview["rows"] if r["outcome"] == "skipped"}
    assert names[4] == "填报单位：湖塘镇 截至日期：2020年7月15日"
    assert names[5] == "填表人：张三 审核人：李四 手机：138****5678"
    assert names[6] == "填写说明："
    dated = _preview(
        alice, district["hutang"], clerk_xlsx(rows, above=[TITLE, ["填报单位：湖塘镇        截至日期：2020年7月15日"]])
    )
    assert dated.preview["sheets"]["湖塘镇"]["sheet_date_written"] == "填报单位：湖塘镇 截至日期：2020年7月15日"
    signed = [["填表人：张三 手机：13812345678 填报日期：2020年7月15日"]]  # the date's line names a mobile: masked
    dated = _preview(alice, district["hutang"], clerk_xlsx(rows, above=[TITLE, *signed]))
    assert (
        dated.preview["sheets"]["湖塘镇"]["sheet_date_written"]
        == "填表人：张三 手机：138****5678 填报日期：2020年7月15日"
    )
    assert "13812345678" not in str(dated.preview) and dated.sheet_date == dt.date(2020, 7, 15)
    assert names[7].startswith("说明：本表所列作坊") and names[7].endswith("…") and len(names[7]) == 40


@pytest.mark.parametrize(
    "above",
    [
        [TITLE, ["填报单位（盖章）：湖塘镇人民政府        填报日期：2020年7月15日"]],
        [TITLE, ["截至2020年7月15日"]],
        [TITLE, ["（截止时间：2020.7.15）"]],
        [TITLE, [None, None, None, None, None, None, None, None, None, None, None, None, "2020年7月15日"]],
        [["武进区“散乱污”企业（作坊）动态管理整治企业清单（截至2020年7月15日）"]],
        [TITLE, ["填报单位：湖塘镇", None, None, None, None, None, None, None, None, None, None, None, "填报日期：",
                 dt.datetime(2020, 7, 15)]],
    ],
)  # fmt: skip
def test_the_sheets_own_date_is_the_listing_date_and_the_year_of_dates_without_one(alice, campaign, district, above):
    rows = [_row(1, "张三塑料造粒作坊", "张三", planned="7月底")]
    batch = _preview(alice, district["hutang"], clerk_xlsx(rows, above=above))
    assert batch.sheet_date == dt.date(2020, 7, 15), batch.preview["sheets"]
    assert batch.counts["new"] == 1, batch.preview["errors"]
    confirm_import(actor=alice, batch=batch)
    case = Case.objects.get()
    assert case.listed_on == dt.date(2020, 7, 15) and case.planned_completion == dt.date(2020, 7, 31)


def test_a_deadline_without_a_year_after_the_turn_of_the_year_is_next_years(alice, campaign, district):
    rows = [_row(1, "张三塑料造粒作坊", "张三", planned="1月10日前")]
    batch = _preview(alice, district["hutang"], clerk_xlsx(rows, above=[TITLE, ["截至2020年7月15日"]]))
    assert batch.counts["new"] == 1, batch.preview["errors"]
    confirm_import(actor=alice, batch=batch)
    assert Case.objects.get().planned_completion == dt.date(2021, 1, 10)


def test_a_date_beside_the_header_is_the_sheets_date_and_no_unknown_column(alice, campaign, district):
    header = [*LIST_HEADER, "填报日期：2020.7.15"]
    batch = _preview(alice, district["hutang"], clerk_xlsx([_row(1, "张三塑料造粒作坊", "张三")], header=header))
    sheet = batch.preview["sheets"]["湖塘镇"]
    assert batch.sheet_date == dt.date(2020, 7, 15) and sheet["unknown"] == {}
    assert sheet["ignored"] == {"填报日期：2020.7.15": "表中填报日期，不是数据列"}


def test_the_preview_shows_the_sheets_date_and_each_deadline_as_read(client, alice, campaign, district):
    rows = [
        _row(1, "张三塑料造粒作坊", "张三", planned="8月中旬"),
        _row(2, "李四塑料造粒作坊", "李四", planned="9月10日前"),
    ]
    client.force_login(alice)
    client.post("/imports/", {"kind": "list", "unit": district["hutang"].pk, "coord_datum": "wgs84",
                              "file": SimpleUploadedFile("a.xlsx", clerk_xlsx(rows, above=[TITLE, ["截至2020年7月15日"]]))})  # fmt: skip
    page = client.get(f"/imports/{ImportBatch.objects.get().pk}/").content.decode()
    assert "表中填报日期：<strong>2020-07-15</strong>" in page
    assert "8月中旬 → 2020-08-20（年份取表中填报日期的年份）" in page and "9月10日前 → 2020-09-10" in page


def test_a_sheet_without_a_date_is_read_as_of_today_and_says_so(client, alice, campaign, district):
    client.force_login(alice)
    data = clerk_xlsx([_row(1, "张三塑料造粒作坊", "张三")], above=[TITLE])
    client.post("/imports/", {"kind": "list", "unit": district["hutang"].pk, "coord_datum": "wgs84",
                              "file": SimpleUploadedFile("a.xlsx", data)})  # fmt: skip
    batch = ImportBatch.objects.get()
    assert batch.sheet_date is None
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "表中未写填报日期：按预览当天（2020-07-20）计为列入日期，未写年份的日期按专项行动年份（2020 年）" in page
    confirm_import(actor=alice, batch=batch)
    assert Case.objects.get().listed_on == clock.today()


def test_a_sheet_dated_after_today_is_an_error_for_the_sheet(alice, campaign, district):
    data = clerk_xlsx([_row(1, "张三塑料造粒作坊", "张三")], above=[TITLE, ["填报日期：2020年8月15日"]])
    batch = _preview(alice, district["hutang"], data)
    assert batch.counts["new"] == 0 and batch.counts["error"] == 1
    assert batch.preview["errors"] == [{
        "sheet": "湖塘镇", "row": 2, "name": "填报日期：2020年8月15日", "column": "填报日期",
        "message": "表中填报日期（2020-08-15）晚于今天（2020-07-20），请核对填报日期；本工作表未导入",
    }]  # fmt: skip


def test_a_deadline_without_a_year_before_the_sheets_date_is_kept_in_its_year_and_reported(alice, campaign,
                                                                                             district):  # fmt: skip
    # Not moved to next year: "3月底" on a July sheet is far likelier a slip than a deadline nine months away.
    data = clerk_xlsx([_row(1, "张三塑料造粒作坊", "张三", planned="3月底")], above=[TITLE, ["截至2020年7月15日"]])
    batch = _preview(alice, district["hutang"], data)
    assert batch.preview["errors"][0]["message"] == "计划完成时间（2020-03-31）不能早于列入名单日期（2020-07-15）"


def test_shutdown_progress_keeps_the_words_and_leaves_the_stop_to_its_record(office, campaign, district):
    """已断水断电 in a sheet: the words are kept as the progress note; the status moves only with a stop record."""
    planned = clock.today() + dt.timedelta(days=9)
    make_case(office, district["hutang"], case={"planned_completion": planned})
    rows = [
        _row(1, "张三塑料造粒作坊", "张三", progress="已断水断电", planned=planned.isoformat(), resp="李四"),
        _row(2, "李四塑料造粒作坊", "李四", progress="已责令停产"),
    ]
    batch = confirm_import(actor=office, batch=_preview(office, district["hutang"], clerk_xlsx(rows)))
    assert batch.counts["changed"] == 1 and batch.counts["new"] == 1, batch.result["errors"]
    zhang = Case.objects.get(enterprise__name="张三塑料造粒作坊")
    assert (zhang.status, zhang.progress_note) == ("listed", "已断水断电")
    assert Case.objects.get(enterprise__name="李四塑料造粒作坊").status == "listed"
    shown = [w for r in batch.preview["rows"] for w in r["warnings"]]
    assert any("登记停产记录" in s for s in shown)


def test_shutdown_progress_never_moves_a_case_that_is_further_on_back(office, campaign, district):
    planned = clock.today() + dt.timedelta(days=9)
    case = make_case(office, district["hutang"], case={"planned_completion": planned})
    walk_case(case, "confirmed")
    row = _row(1, "张三塑料造粒作坊", "张三", progress="设备已清除", planned=planned.isoformat(), resp="李四")
    batch = confirm_import(actor=office, batch=_preview(office, district["hutang"], clerk_xlsx([row])))
    assert batch.counts["changed"] == 1, batch.result["errors"]
    case.refresh_from_db()
    assert (case.status, case.progress_note) == ("remediating", "设备已清除")


def test_the_confirm_button_is_off_when_no_row_is_valid_and_says_why(client, alice, campaign, district):
    bad = [_row(1, "湖塘塑料厂", "张三"), _row(2, "李四木材厂", "李四")]  # no licence, not named as 填写说明 1 asks
    client.force_login(alice)
    client.post("/imports/", {"kind": "list", "unit": district["hutang"].pk, "coord_datum": "wgs84",
                              "file": SimpleUploadedFile("a.xlsx", clerk_xlsx(bad))})  # fmt: skip
    batch = ImportBatch.objects.get()
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'id="confirm" disabled' in page and "没有可导入的行：2 行都有错误，请按下方说明修改表格后重新上传" in page
    response = client.post(f"/imports/{batch.pk}/confirm/", follow=True)
    assert "没有可导入的行" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED and not Case.objects.exists()


def test_after_the_confirm_the_page_says_what_was_written(client, alice, campaign, district):
    rows = [_row(1, "张三塑料造粒作坊", "张三"), _row(2, "湖塘塑料厂", "张三")]
    client.force_login(alice)
    client.post("/imports/", {"kind": "list", "unit": district["hutang"].pk, "coord_datum": "wgs84",
                              "file": SimpleUploadedFile("a.xlsx", clerk_xlsx(rows))})  # fmt: skip
    batch = ImportBatch.objects.get()
    page = client.post(f"/imports/{batch.pk}/confirm/", follow=True).content.decode()
    assert "已导入：新增 1 条，变更 0 条，未变 0 条；1 行有错误未导入" in page


def test_a_background_import_shows_what_it_wrote_once_it_finishes(client, alice, campaign, district, settings,
                                                                  django_capture_on_commit_callbacks):  # fmt: skip
    from sanluanwu.imports import services

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    rows = [_row(i, f"张{i}塑料造粒作坊", f"张{i}") for i in range(1, 41)]
    threshold = services.BACKGROUND_BYTES
    services.BACKGROUND_BYTES = 1000  # this file counts as large
    try:
        client.force_login(alice)
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/imports/", {"kind": "list", "unit": district["hutang"].pk, "coord_datum": "wgs84",
                                      "file": SimpleUploadedFile("big.xlsx", clerk_xlsx(rows))})  # fmt: skip
        batch = ImportBatch.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/imports/{batch.pk}/confirm/")
    finally:
        services.BACKGROUND_BYTES = threshold
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "已导入：新增 40 条，变更 0 条，未变 0 条" in page and 'http-equiv="refresh"' not in page


def test_the_api_gives_the_sheets_date_and_refuses_a_confirm_without_a_valid_row(alice, campaign, district):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(alice)
    data = clerk_xlsx([_row(1, "湖塘塑料厂", "张三")], above=[TITLE, ["截至2020年7月15日"]])
    body = api.post("/api/v1/imports/", {"file": SimpleUploadedFile("a.xlsx", data), "kind": "list",
                                         "unit": district["hutang"].pk}, format="multipart").json()  # fmt: skip
    assert body["sheet_date"] == "2020-07-15" and body["counts"]["error"] == 1
    response = api.post(f"/api/v1/imports/{body['id']}/confirm/", {}, format="json")
    assert response.status_code == 400 and "没有可导入的行" in response.content.decode()
