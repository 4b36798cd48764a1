"""Cell wordings town clerks use for dates, progress and contacts, each read as it is meant and said so."""

from __future__ import annotations

import datetime as dt

import pytest

from sanluanwu.registry.cells import (
    CellError,
    Progress,
    parse_date,
    parse_person_phone,
    parse_progress,
    parse_sheet_date,
)
from sanluanwu.registry.choices import CaseStatus


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("9月10日前", "2020-09-10"),
        ("10月15日之前", "2020-10-15"),
        ("10月15日前完成", "2020-10-15"),
        ("8月上旬", "2020-08-10"),
        ("8月中旬", "2020-08-20"),
        ("8月下旬", "2020-08-31"),
        ("2月下旬", "2020-02-29"),  # the last day of the month, whatever it is
        ("8月底前", "2020-08-31"),
        ("8月底之前", "2020-08-31"),
        ("年底前", "2020-12-31"),
        ("年底", "2020-12-31"),
        ("2021年底前", "2021-12-31"),
        ("2020年9月10日前", "2020-09-10"),
        ("2020-11-21 00:00:00", "2020-11-21"),  # a date with its time, as a program writes one into a CSV
        ("2020/11/21 14:30", "2020-11-21"),
        ("2020-11-21T08:00:00.000", "2020-11-21"),
    ],
)
def test_a_deadline_as_clerks_write_it_is_its_last_day_and_is_shown(written, day):
    parsed = parse_date(written, year=2020)
    assert parsed.value == dt.date.fromisoformat(day)
    assert parsed.shown.startswith(f"{written} → {day}")


def test_a_date_without_a_year_says_whose_year_it_took():
    parsed = parse_date("8月中旬", year=2020, year_from="表中填报日期的年份")
    assert parsed.shown == "8月中旬 → 2020-08-20（年份取表中填报日期的年份）"
    assert parse_date("2020年8月15日", year=2019).shown == ""  # nothing was interpreted


@pytest.mark.parametrize(
    ("written", "near", "day"),
    [
        ("1月10日前", "2026-11-30", "2027-01-10"),  # next January, not ten months ago
        ("1月中旬", "2026-11-30", "2027-01-20"),
        ("12月20日", "2027-01-05", "2026-12-20"),  # a listing date written early in the new year
        ("7月底", "2020-08-15", "2020-07-31"),  # an overdue deadline stays in the sheet's year
        ("年底前", "2027-01-05", "2027-12-31"),  # 年底 is always the sheet's own year end
        ("2月29日", "2023-12-01", "2024-02-29"),  # only a year that has the day
    ],
)
def test_a_date_without_a_year_is_the_one_nearest_to_the_sheets_date(written, near, day):
    sheet = dt.date.fromisoformat(near)
    parsed = parse_date(written, year=sheet.year, year_from="表中填报日期的年份", near=sheet)
    assert parsed.value == dt.date.fromisoformat(day)
    if day[:4] != near[:4]:
        assert parsed.shown == f"{written} → {day}（离表中填报日期 {near} 最近的{day[:4]}年）"
    else:
        assert parsed.shown.endswith("（年份取表中填报日期的年份）")


def test_a_deadline_that_is_no_date_names_the_forms_that_are():
    with pytest.raises(CellError) as exc:
        parse_date("尽快", year=2020)
    assert "9月10日前" in str(exc.value) and "8月中旬" in str(exc.value)


@pytest.mark.parametrize(
    "cell",
    [
        "填报日期：2020年7月15日",
        "填报单位（盖章）：湖塘镇人民政府        填报日期：2020年7月15日",
        "截至2020年7月15日",
        "截至日期：2020年07月15日",  # our own export
        "（截止时间：2020.7.15）",
        "截止到2020-7-15",
        "2020年7月15日",
        "武进区“散乱污”企业（作坊）动态管理整治企业清单（截至2020年7月15日）",
        "统计时间：2020/07/15",
        dt.datetime(2020, 7, 15),
    ],
)
def test_the_sheets_own_date_is_read_from_its_title_cells(cell):
    found = parse_sheet_date(cell, year=2020)
    assert found is not None and found.day == dt.date(2020, 7, 15)


def test_a_labelled_date_without_a_year_takes_the_given_year():
    assert parse_sheet_date("截至7月15日", year=2020).day == dt.date(2020, 7, 15)


@pytest.mark.parametrize(
    "cell",
    [
        "武进区“散乱污”企业（作坊）动态管理整治企业清单",
        "2020年“散乱污”整治清单",
        "填报日期：2020年6月31日",
        "7月15日",
        None,
        15,
    ],
)
def test_a_title_without_a_date_gives_none(cell):
    assert parse_sheet_date(cell, year=2020) is None


@pytest.mark.parametrize(
    "written",
    ["已断水断电", "已断水", "已断电", "已断水、断电", "设备已清除", "原料已清除", "已清除设备原料产品", "两断三清已完成",
     "已完成两断三清", "断水断电已完成", "已责令停产", "责令停产", "已停产整顿", "停产整顿", "已关停"],
)  # fmt: skip
def test_shutdown_words_mean_at_least_stopped_and_stay_the_note(written):
    parsed = parse_progress(written)
    assert parsed.value == Progress(None, CaseStatus.STOPPED, written)
    assert "已停产或保持更后的进度" in parsed.shown


@pytest.mark.parametrize("written", ["未停产", "尚未断电", "两断三清未完成"])
def test_words_that_deny_a_shutdown_are_only_a_note(written):
    assert parse_progress(written).value == Progress(None, None, written)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("已停产：已断水断电", Progress(CaseStatus.STOPPED, None, "已断水断电")),  # registry.exports.progress_words
        ("已停产", Progress(CaseStatus.STOPPED, None, "")),
        ("整治中", Progress(CaseStatus.REMEDIATING, None, "")),
        ("已销号（2020-07-10）", Progress(CaseStatus.CLOSED, None, "", dt.date(2020, 7, 10))),
        ("整改中，已断电", Progress(CaseStatus.REMEDIATING, None, "整改中，已断电")),
        ("已关停取缔", Progress(CaseStatus.AWAITING_REVIEW, None, "已关停取缔")),
        # A sheet that claims the review passed names 已销号 (and so is refused by an import), never a mere note.
        ("验收合格已销号", Progress(CaseStatus.CLOSED, None, "验收合格已销号")),
        ("通过验收", Progress(CaseStatus.CLOSED, None, "通过验收")),
        ("待验收销号", Progress(CaseStatus.AWAITING_REVIEW, None, "待验收销号")),
        # The remediation work's own words, as 附件2 writes them (registry.choices.Stage), and the older ones.
        ("整改事项已完成，待申请现场审核", Progress(CaseStatus.REMEDIATING, None, "")),
        ("任务已完成，待申请现场审核", Progress(CaseStatus.REMEDIATING, None, "")),
        ("整改中（3/3项）", Progress(CaseStatus.REMEDIATING, None, "")),
        ("", Progress(None, None, "")),
    ],
)
def test_named_statuses_and_our_own_words_are_read_as_such(written, expected):
    assert parse_progress(written).value == expected


@pytest.mark.parametrize(
    ("written", "person", "phone"),
    [
        ("张三 13812345678", "张三", "13812345678"),
        ("张三/13812345678", "张三", "13812345678"),
        ("张三13812345678", "张三", "13812345678"),
        ("13812345678（张三）", "张三", "13812345678"),
        ("张三，电话：138 1234 5678", "张三", "13812345678"),
        ("张三 0519-86312345", "张三", "0519-86312345"),
        ("13812345678", "", "13812345678"),
        ("张三", "张三", ""),
    ],
)
def test_a_person_and_a_phone_in_one_cell_are_told_apart(written, person, phone):
    assert parse_person_phone(written).value == (person, phone)
