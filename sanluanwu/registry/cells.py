"""Reading one cell as towns really write it; every interpretation is reported, nothing is guessed silently.

Each parser returns Parsed(value, shown), where `shown` is how the importer understood the text when
that differs from the text itself ("7月底 → 2020-07-31"), or raises CellError with a Chinese message.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sanluanwu.core import geo
from sanluanwu.core.text import clean_multiline, clean_text, to_halfwidth
from sanluanwu.registry.choices import (
    CaseStatus,
    LicenceStatus,
    LookbackCategory,
    RemediationType,
    Stage,
    category_short,
)


class CellError(ValueError):
    """The cell cannot be read; the message names the rule (the caller adds row and column)."""


class Parsed(NamedTuple):
    value: Any
    shown: str = ""  # non-empty when the importer interpreted the text


# Whitespace (\s also matches the ideographic space U+3000), control characters and bidirectional overrides.
_NEEDS_CLEANING = re.compile("[\\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def text(value: Any) -> str:
    """Any cell as clean text: numbers without a trailing .0, line breaks and stray spaces removed."""
    if type(value) is str and not _NEEDS_CLEANING.search(value):
        return value  # the common case: a cell with nothing to clean
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return clean_text(str(value).replace("\r", " ").replace("\n", " "))


def lines(value: Any) -> str:
    """A cell of a column of several lines (problems, notes) as the form and the API store it
    (validation.clean_value: clean_multiline): its line breaks and spaces kept, so a sheet exported and read back is
    unchanged (helper-47: a cell's ideographic spaces and line breaks, flattened here, showed every such row as
    changed and confirming rewrote it)."""
    if type(value) is not str:
        return text(value)
    return clean_multiline(value)


_KEY_STRIP = re.compile(r"[\s\"'“”‘’「」]")


def key(value: Any) -> str:
    """Comparison form: half-width, no spaces or quotes of any kind."""
    if isinstance(value, str):
        return _key_str(value)
    return _key_str(text(value))


@functools.lru_cache(maxsize=8192)
def _key_str(value: str) -> str:
    return _KEY_STRIP.sub("", to_halfwidth(text(value))).lower()


# ---- dates -----------------------------------------------------------------------------------------

_EXCEL_EPOCH = dt.date(1899, 12, 30)
# The last day of a part of a month: 上旬 ends on the 10th, 中旬 on the 20th, 下旬 (and 底, 末) on the month's last day.
_PERIOD = {"上旬": 10, "中旬": 20}
# "by" words after a date: 9月10日前, 8月底之前, 年底前完成 all name the last day allowed.
_BY = r"(?:前|之前|以前)?(?:完成)?"
_DAY_FORM = re.compile(rf"(?:(\d{{4}})年)?(\d{{1,2}})月(\d{{1,2}})[日号]?({_BY})")
_MONTH_FORM = re.compile(rf"(?:(\d{{4}})年)?(\d{{1,2}})月(底|末|上旬|中旬|下旬)?({_BY})")
_YEAR_END_FORM = re.compile(rf"(?:(\d{{4}})年|今年)?年?(?:底|末){_BY}")


def parse_date(value: Any, *, year: int, year_from: str = "专项行动年份", near: dt.date | None = None) -> Parsed:
    """Excel dates and serials, 2020-07-31, 2020/7/31, 2020.7.31, 2020年7月31日, 7月31日, 9月10日前, 7月底,
    8月中旬 (the part's last day), 年底前. A date without a year takes `year` (`year_from` says whose year it is);
    given the day the sheet speaks of (`near`), a day or month without a year is the one nearest to it, so "1月10日前"
    in a sheet of 30 November means next January.
    """
    if value is None or text(value) == "":
        return Parsed(None)
    if isinstance(value, dt.datetime):
        return Parsed(value.date())
    if isinstance(value, dt.date):
        return Parsed(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 < value < 80000:
            day = _EXCEL_EPOCH + dt.timedelta(days=int(value))
            return Parsed(day, f"Excel 日期序号 {int(value)} → {day:%Y-%m-%d}")
        raise CellError(f"“{text(value)}”不是日期")
    raw = text(value)
    s = to_halfwidth(raw).replace(" ", "")
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", s)
    if m:
        return Parsed(_date(int(m[1]), int(m[2]), int(m[3]), raw))
    # A date with its time, as a spreadsheet or a program writes one into a CSV (2026-11-21 00:00:00): the day.
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})T?(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?", s)
    if m and int(m[4]) < 24 and int(m[5]) < 60:
        day = _date(int(m[1]), int(m[2]), int(m[3]), raw)
        return Parsed(day, f"{raw} → {day:%Y-%m-%d}（不计时刻）")
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s)
    if m:
        day = _date(int(m[1]), int(m[2]), int(m[3]), raw)
        return Parsed(day, f"{raw} → {day:%Y-%m-%d}")
    implied = f"（年份取{year_from}）"
    m = _DAY_FORM.fullmatch(s)
    if m:
        if m[1]:
            day = _date(int(m[1]), int(m[2]), int(m[3]), raw)
            return Parsed(day) if not m[4] else Parsed(day, f"{raw} → {day:%Y-%m-%d}")
        mo, d = int(m[2]), int(m[3])
        day, how = _nearest(lambda y: _date(y, mo, d, raw), year, near, implied)
        return Parsed(day, f"{raw} → {day:%Y-%m-%d}{how}")
    m = _MONTH_FORM.fullmatch(s)
    if m:
        mo, part = int(m[2]), m[3] or ""
        if not 1 <= mo <= 12:
            raise CellError(f"“{raw}”的月份不对")

        def in_year(y: int) -> dt.date:
            return _date(y, mo, _PERIOD.get(part, calendar.monthrange(y, mo)[1]), raw)

        if m[1]:
            day = in_year(int(m[1]))
            return Parsed(day, f"{raw} → {day:%Y-%m-%d}")
        day, how = _nearest(in_year, year, near, implied)
        return Parsed(day, f"{raw} → {day:%Y-%m-%d}{how}")
    m = _YEAR_END_FORM.fullmatch(s)
    if m:
        day = dt.date(int(m[1] or year), 12, 31)
        return Parsed(day, f"{raw} → {day:%Y-%m-%d}{'' if m[1] else implied}")
    raise CellError(
        f"无法识别日期“{raw}”，可写 2020-07-31、2020/7/31、2020年7月31日、7月31日、9月10日前、7月底、8月中旬 或 年底前"
    )


def _nearest(in_year: Callable[[int], dt.date], year: int, near: dt.date | None, implied: str) -> tuple[dt.date, str]:
    """A day written without a year: in `year`, or, given the sheet's day, in the year that puts it nearest."""
    if near is None:
        return in_year(year), implied
    options = []
    for y in (near.year - 1, near.year, near.year + 1):
        try:
            options.append(in_year(y))
        except CellError:  # 2月29日 in a common year
            continue
    if not options:
        return in_year(year), implied
    best = min(options, key=lambda d: (abs((d - near).days), d.year != near.year))
    if best.year == near.year:
        return best, implied
    return best, f"（离表中填报日期 {near:%Y-%m-%d} 最近的{best.year}年）"


def _date(y: int, m: int, d: int, raw: str) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError:
        raise CellError(f"日期“{raw}”不存在") from None


# The sheet's own date in its title rows: 填报日期：2020年7月15日, 截至2020年7月15日, （截止时间：2020.7.15）.
_FULL_DATE = r"(\d{4})[年./-](\d{1,2})[月./-](\d{1,2})[日号]?"
_SHEET_DATE_LABEL = r"(?:(?:填报|填表|报送|上报|统计|制表)(?:日期|时间)|(?:截至|截止)(?:日期|时间)?(?:到|至)?|日期)[:]?"
_LABELLED_DATE = re.compile(rf"{_SHEET_DATE_LABEL}(?:{_FULL_DATE}|(\d{{1,2}})月(\d{{1,2}})[日号]?)")
_BARE_DATE = re.compile(rf"[(\[]?{_FULL_DATE}[)\]]?")
SHEET_DATE_LABEL_ONLY = re.compile(rf"[(\[]?{_SHEET_DATE_LABEL}[)\]]?")


class SheetDate(NamedTuple):
    day: dt.date
    labelled: bool  # written after 填报日期 / 截至 …, not a date standing alone


def parse_sheet_date(value: Any, *, year: int) -> SheetDate | None:
    """The date a title or signature cell gives the sheet, or None when the cell gives none (never raises).

    A date after a label (填报日期：…, 截至…, 截止时间：…) is taken wherever it stands in the cell (the title may
    end with （截至2020年7月15日）); a date alone is taken only when it is the whole cell. A labelled date
    without a year (截至7月15日) takes `year`.
    """
    if isinstance(value, dt.datetime):
        return SheetDate(value.date(), False)
    if isinstance(value, dt.date):
        return SheetDate(value, False)
    if not isinstance(value, str) or not value:
        return None
    s = to_halfwidth(value)
    s = re.sub(r"\s", "", s)
    try:
        m = _LABELLED_DATE.search(s)
        if m:
            if m[1]:
                return SheetDate(dt.date(int(m[1]), int(m[2]), int(m[3])), True)
            return SheetDate(dt.date(year, int(m[4]), int(m[5])), True)
        m = _BARE_DATE.fullmatch(s)
        if m:
            return SheetDate(dt.date(int(m[1]), int(m[2]), int(m[3])), False)
    except ValueError:
        return None  # 2020年6月31日: no such day, so no date for the sheet
    return None


# ---- enumerations ----------------------------------------------------------------------------------

_CN_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_CATEGORY_WORDS = {
    1: ["关停取缔后复产经营", "复产经营", "复产"],
    2: ["治理改造后重新沦为", "重新沦为", "沦为散乱污"],
    3: ["空置厂房新的", "空置厂房", "新进驻", "进驻"],
    4: ["新发现未纳入", "未纳入", "新发现"],
}


def parse_category(value: Any) -> Parsed:
    """1, 一, 第一类, 一类, or the wording of 填写说明 3."""
    raw = text(value)
    if not raw:
        raise CellError("请填写“回头看”四种排查类型类别（第一类至第四类）")
    s = key(raw)
    m = re.fullmatch(r"(?:第)?([一二三四1-4])(?:类)?(?:[:：].*)?", s)
    if m:
        n = _CN_NUM[m[1]]
        short = category_short(n)
        return Parsed(n, "" if raw in (short, LookbackCategory(n).label) else f"{raw} → {short}")
    for n, words in _CATEGORY_WORDS.items():
        if any(w in s for w in words):
            return Parsed(n, f"{raw} → {category_short(n)}")
    raise CellError(f"无法识别排查类型“{raw}”，应为第一类至第四类")


DEFAULT_SYNONYMS: dict[str, dict[str, str]] = {
    "remediation_type": {
        "关停取缔": RemediationType.SHUTDOWN, "取缔": RemediationType.SHUTDOWN, "关停": RemediationType.SHUTDOWN,
        "关闭": RemediationType.SHUTDOWN, "取缔关闭": RemediationType.SHUTDOWN, "关停取缔类": RemediationType.SHUTDOWN,
        "治理改造": RemediationType.RECTIFICATION, "整治提升": RemediationType.RECTIFICATION,
        "升级改造": RemediationType.RECTIFICATION, "整改提升": RemediationType.RECTIFICATION,
        "治理改造类": RemediationType.RECTIFICATION, "规范提升": RemediationType.RECTIFICATION,
    },
    "licence_status": {
        "有": LicenceStatus.LICENSED, "已办理": LicenceStatus.LICENSED, "已办": LicenceStatus.LICENSED,
        "有证": LicenceStatus.LICENSED, "有照": LicenceStatus.LICENSED, "有营业执照": LicenceStatus.LICENSED,
        "已领取": LicenceStatus.LICENSED, "是": LicenceStatus.LICENSED,
        "无": LicenceStatus.UNLICENSED, "未办理": LicenceStatus.UNLICENSED, "未办": LicenceStatus.UNLICENSED,
        "无证": LicenceStatus.UNLICENSED, "无照": LicenceStatus.UNLICENSED, "无营业执照": LicenceStatus.UNLICENSED,
        "没有": LicenceStatus.UNLICENSED, "否": LicenceStatus.UNLICENSED, "无证无照": LicenceStatus.UNLICENSED,
        "正在办理": LicenceStatus.IN_PROGRESS, "办理中": LicenceStatus.IN_PROGRESS, "在办": LicenceStatus.IN_PROGRESS,
        "正在申办": LicenceStatus.IN_PROGRESS,
    },
    "baseline_method": {
        "关停取缔": "shutdown", "取缔": "shutdown", "关停": "shutdown", "关闭": "shutdown",
        "治理改造": "rectification", "整治提升": "rectification", "升级改造": "rectification",
        "整改提升": "rectification", "整合搬迁": "relocation", "搬迁": "relocation", "搬迁入园": "relocation",
    },
}  # fmt: skip


_CHOICE_LABELS = {"remediation_type": dict(RemediationType.choices), "licence_status": dict(LicenceStatus.choices)}


def parse_choice(value: Any, field: str, synonyms: dict[str, str], *, label: str, required: bool) -> Parsed:
    raw = text(value)
    if not raw:
        if required:
            raise CellError(f"请填写{label}")
        return Parsed("")
    s = key(raw)
    if s in synonyms:
        canonical = synonyms[s]
        label = _CHOICE_LABELS.get(field, {}).get(canonical, canonical)
        return Parsed(canonical, "" if key(label) == s else f"{raw} → {label}")
    raise CellError(f"无法识别{label}“{raw}”，可填：{'、'.join(sorted(set(synonyms), key=len)[:8])}")


# ---- 整治进度 -----------------------------------------------------------------------------------------

_STATUS_WORDS: list[tuple[str, list[str]]] = [
    (CaseStatus.CLOSED, ["已销号", "已验收销号", "验收销号", "已验收", "销号", "验收合格", "验收通过", "通过验收",
                         "已通过验收"]),
    (CaseStatus.AWAITING_SIGNOFF, ["待牵头部门签认", "待部门签认", "待签认", "现场审核通过", "审核通过"]),
    (CaseStatus.AWAITING_REVIEW, ["待现场审核", "待验收", "待审核", "已完成", "整改完成", "整治完成", "已整改",
                                  "已取缔", "已关停取缔"]),
    (CaseStatus.REMEDIATING, ["两断三清进行中", "整治中", "整改中", "正在整改", "正在整治", "整改提升中", "治理中", "改造中"]),
    (CaseStatus.STOPPED, ["待部门确认类型", "待确认整治类型", "待确认类型"]),
    (CaseStatus.LISTED, ["已列入名单", "已列入", "未开始", "未整治", "待整治"]),
]  # fmt: skip
_STATUS_LABELS = {label: status for status, label in CaseStatus.choices}
# 两断三清 items done (断水, 断电, 清除原料/设备/产品): production has stopped, whatever else is under way.
_SHUTDOWN_ITEMS = re.compile(
    r"已(?:经)?(?:完成)?(?:断水|断电|停水|停电|两断三清)"  # 已断水断电, 已断电, 已完成两断三清
    r"|(?:断水|断电|两断三清)(?:、?断电)?(?:均|已|均已|全部)?(?:完成|到位|落实)"  # 两断三清已完成, 断水断电已完成
    r"|已(?:经)?(?:清除|清理|清空|拆除|搬离|搬空)(?:生产)?(?:设备|原料|原材料|产品|物料)"  # 已清除设备原料产品
    r"|(?:生产)?(?:设备|原料|原材料|产品|物料)(?:均|全部|已)+(?:清除|清理|清空|拆除|搬离|搬空)"  # 设备已清除
)
# Production stopped (or ordered to stop): 已停产整顿, 已责令停产, 责令停产, 已关停. Never "未停产".
_STOP_WORDS = re.compile(r"(?:^|已(?:经)?)(?:责令)?(?:停产|停业|关停|停止生产|停止经营)")


class Progress(NamedTuple):
    """整治进度 as read: a status the words name, or the least status they imply, and the words kept as the note."""

    status: str | None  # named outright: our own words (已停产：…), 整改中, 已销号 …
    at_least: str | None  # implied: 已断水断电 means production has stopped; a case further on stays where it is
    note: str
    closed_on: dt.date | None = None


_NO_PROGRESS = Progress(None, None, "")


def parse_progress(value: Any) -> Parsed:
    """整治进度 → Progress. Our own words round-trip exactly; shutdown words imply at least 已停产; other text is a note.

    Until the remediation work (两断三清 item by item) is recorded on its own, the words of those items are kept
    as the note and only move a case forward to 已停产, never back. The note's lines are kept as the form stores
    them (lines(): helper-49, a note over two lines read back as changed and was rewritten on one).
    """
    raw = lines(value)
    if not raw:
        return Parsed(_NO_PROGRESS)
    head, sep, note = raw.partition("：")
    if not sep:
        head, sep, note = raw.partition(":")
    closed_on = None
    m = re.fullmatch(r"(.+?)（(\d{4}-\d{2}-\d{2})）", head) or re.fullmatch(r"(.+?)\((\d{4}-\d{2}-\d{2})\)", head)
    if m:
        head, closed_on = m[1], dt.date.fromisoformat(m[2])
    if head in _STATUS_LABELS:
        return Parsed(Progress(_STATUS_LABELS[head], None, note.strip() if sep else "", closed_on))
    counted = re.fullmatch(r"(.+?)[（(]\d+/\d+项?[）)]", head)
    staged = Stage.COUNTED.get(counted[1], "") if counted else Stage.STATUS.get(head, "")
    if staged:  # our own derived words (两断三清进行中（3/5）, 待部门确认类型): the status they stand for
        return Parsed(Progress(staged, None, note.strip() if sep else ""), f"{head} → {CaseStatus(staged).label}")
    s = key(raw)
    stopped = Parsed(Progress(None, CaseStatus.STOPPED, raw), f"{raw} → 已停产或保持更后的进度（原文作为进度说明）")
    if _SHUTDOWN_ITEMS.match(s):
        return stopped
    for status, words in _STATUS_WORDS:
        if any(s.startswith(w) for w in words):
            return Parsed(Progress(status, None, raw), f"{raw} → {CaseStatus(status).label}（原文作为进度说明）")
    if _SHUTDOWN_ITEMS.search(s) or _STOP_WORDS.search(s):
        return stopped
    return Parsed(Progress(None, None, raw), f"{raw} → 作为进度说明（未识别为整治状态）")


# ---- coordinates -----------------------------------------------------------------------------------


def parse_coordinates(value: Any, datum: str) -> Parsed:
    raw = text(value)
    if not raw:
        raise CellError("请填写经纬度")
    try:
        lon, lat = geo.parse_coordinates(raw)
        point = geo.point_from(lon, lat, datum)
    except geo.CoordinateError as exc:
        raise CellError(str(exc)) from None
    # "119.965, 31.725" needs no explanation; swapped order, degrees-minutes-seconds or GCJ-02 does.
    plain = datum == geo.DATUM_WGS84 and _PLAIN_PAIR.fullmatch(raw) is not None
    if plain and raw.lstrip().startswith(str(int(lon))):
        return Parsed(point)
    return Parsed(point, f"{raw} → {geo.format_point(point.lon, point.lat)}")


_PLAIN_PAIR = re.compile(r"\s*\d+(?:\.\d+)?\s*[,，]\s*\d+(?:\.\d+)?\s*")


# ---- 负责人及联系电话 in one cell ---------------------------------------------------------------------------

_DIGIT_GAP = re.compile(r"(?<=\d)\s+(?=\d)")
_PHONE_RUN = re.compile(r"\d[\d-]{5,}\d")
_PHONE_LABEL = re.compile(r"联系电话|联系方式|电话|手机号码|手机|tel", re.IGNORECASE)
_NAME_PUNCT = re.compile(r"[\s:/\\,;、()\[\]【】<>《》]+")


def parse_person_phone(value: Any) -> Parsed:
    """A person and a phone written in one cell: 张三 13812345678, 张三/138 1234 5678, 13812345678（张三).

    Returns Parsed((name, phone)); either may be empty. The phone is checked by the caller with the usual rule.
    """
    raw = text(value)
    if not raw:
        return Parsed(("", ""))
    s = _DIGIT_GAP.sub("", to_halfwidth(raw))
    m = _PHONE_RUN.search(s)
    phone = m[0] if m else ""
    rest = s[: m.start()] + " " + s[m.end() :] if m else s
    name = _NAME_PUNCT.sub(" ", _PHONE_LABEL.sub(" ", rest)).strip()
    if " " in name:  # more than one name, or a name and other words: keep them as written
        name = " ".join(name.split())
    if name == raw or phone == raw:
        return Parsed((name, phone))
    return Parsed((name, phone), f"{raw} → 负责人“{name or '（空）'}”，电话“{phone or '（空）'}”")


# ---- readers: one per kind of column (registry.columns names each column's reader) ------------------------------


@dataclass
class CellContext:
    """What reading a cell may depend on besides the cell. Fixed for a sheet, so a reader's answer for a cell value
    can be kept for the sheet (the importer memoises the columns whose values repeat: categories, types, dates)."""

    synonyms: dict[str, dict[str, str]]  # field → {key(text): value}: built-in and the admin's 取值同义词
    year: int  # for dates written without one
    year_from: str  # how that year was chosen, for the interpretation shown
    datum: str  # of the sheet's coordinates
    towns_by_key: dict[str, Any] = field(default_factory=dict)  # key(name or short name) → OrgUnit
    near: dt.date | None = None  # the sheet's own date: a day without a year is the one nearest to it


Reader = Callable[[Any, CellContext], Parsed]
NONE_WORDS = {"无", "没有", "/", "-", "—", "——", "无问题", "暂无"}


def read_text(value: Any, ctx: CellContext) -> Parsed:
    return Parsed(text(value))


def read_problems(value: Any, ctx: CellContext) -> Parsed:
    """A problem column: 无 / — / 暂无 mean "no problem of this kind" (填写说明 2: left empty). Its lines as written."""
    written = lines(value)
    if written in NONE_WORDS:
        return Parsed("", f"{written} → 空（无此类问题）")
    return Parsed(written)


def read_phone(value: Any, ctx: CellContext) -> Parsed:
    return Parsed(to_halfwidth(text(value)).replace(" ", ""))


def read_credit_code(value: Any, ctx: CellContext) -> Parsed:
    return Parsed(to_halfwidth(text(value)).replace(" ", "").upper())


def read_coordinates(value: Any, ctx: CellContext) -> Parsed:
    return parse_coordinates(value, ctx.datum)


def read_category(value: Any, ctx: CellContext) -> Parsed:
    return parse_category(value)


def read_licence(value: Any, ctx: CellContext) -> Parsed:
    return parse_choice(
        value, "licence_status", ctx.synonyms["licence_status"], label="营业执照办理情况", required=False
    )


def read_remediation_type(value: Any, ctx: CellContext) -> Parsed:
    return parse_choice(value, "remediation_type", ctx.synonyms["remediation_type"], label="整治类型", required=False)


def read_date(value: Any, ctx: CellContext) -> Parsed:
    return parse_date(value, year=ctx.year, year_from=ctx.year_from, near=ctx.near)


def read_progress(value: Any, ctx: CellContext) -> Parsed:
    return parse_progress(value)


def read_person_phone(value: Any, ctx: CellContext) -> Parsed:
    return parse_person_phone(value)


def read_baseline_method(value: Any, ctx: CellContext) -> Parsed:
    """How an enterprise was remediated in 2018-2019; a town's own word is kept as 其他 with its text."""
    written = text(value)
    if not written:
        return Parsed(("", ""))
    method = ctx.synonyms["baseline_method"].get(key(written))
    if method is None:
        return Parsed(("other", written), f"{written} → 其他（原文保留）")
    return Parsed((method, written))


def read_baseline_date(value: Any, ctx: CellContext) -> Parsed:
    return parse_date(value, year=2019, year_from="2019年")


def read_town(value: Any, ctx: CellContext) -> Parsed:
    written = text(value)
    if not written:
        return Parsed(None)
    town = ctx.towns_by_key.get(key(written))
    if town is None:
        raise CellError(f"找不到镇（街道）“{written}”")
    return Parsed(town)


def read_system_id(value: Any, ctx: CellContext) -> Parsed:
    written = text(value)
    if not written:
        return Parsed(None)
    if not (written.isascii() and written.isdigit()) or len(written) > 18:
        raise CellError(f"系统编号 {written[:20]} 不是您可导入的本次专项行动整治对象，请勿修改该列")
    return Parsed(int(written))
