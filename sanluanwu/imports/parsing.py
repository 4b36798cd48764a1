"""Reading one cell as towns really write it; every interpretation is reported, nothing is guessed silently.

Each parser returns Parsed(value, shown), where `shown` is how the importer understood the text when
that differs from the text itself ("7月底 → 2020-07-31"), or raises CellError with a Chinese message.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from typing import Any, NamedTuple

from sanluanwu.core import geo
from sanluanwu.core.text import clean_text, to_halfwidth
from sanluanwu.registry.choices import CaseStatus, LicenceStatus, LookbackCategory, RemediationType, category_short


class CellError(ValueError):
    """The cell cannot be read; the message names the rule (the caller adds row and column)."""


class Parsed(NamedTuple):
    value: Any
    shown: str = ""  # non-empty when the importer interpreted the text


_NEEDS_CLEANING = re.compile(r"\s")  # \s also matches the ideographic space U+3000


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
_PERIOD = {"上旬": 10, "中旬": 20}


def parse_date(value: Any, *, year: int) -> Parsed:
    """Excel dates and serials, 2020-07-31, 2020/7/31, 2020.7.31, 2020年7月31日, 7月31日, 7月底 (year of the campaign)."""
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
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s)
    if m:
        day = _date(int(m[1]), int(m[2]), int(m[3]), raw)
        return Parsed(day, f"{raw} → {day:%Y-%m-%d}")
    m = re.fullmatch(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]?", s)
    if m:
        day = _date(int(m[1] or year), int(m[2]), int(m[3]), raw)
        return Parsed(day, "" if m[1] else f"{raw} → {day:%Y-%m-%d}（年份取专项行动年份）")
    m = re.fullmatch(r"(?:(\d{4})年)?(\d{1,2})月(底|末|上旬|中旬|下旬|前)?", s)
    if m:
        y, mo = int(m[1] or year), int(m[2])
        if not 1 <= mo <= 12:
            raise CellError(f"“{raw}”的月份不对")
        d = _PERIOD.get(m[3] or "", calendar.monthrange(y, mo)[1])
        day = _date(y, mo, d, raw)
        return Parsed(day, f"{raw} → {day:%Y-%m-%d}")
    raise CellError(f"无法识别日期“{raw}”，可写 2020-07-31、2020/7/31、2020年7月31日、7月31日 或 7月底")


def _date(y: int, m: int, d: int, raw: str) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError:
        raise CellError(f"日期“{raw}”不存在") from None


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


def parse_choice(value: Any, field: str, synonyms: dict[str, str], *, label: str, required: bool) -> Parsed:
    raw = text(value)
    if not raw:
        if required:
            raise CellError(f"请填写{label}")
        return Parsed("")
    s = key(raw)
    if s in synonyms:
        canonical = synonyms[s]
        return Parsed(canonical)
    raise CellError(f"无法识别{label}“{raw}”，可填：{'、'.join(sorted(set(synonyms), key=len)[:8])}")


# ---- 整治进度 -----------------------------------------------------------------------------------------

_STATUS_WORDS: list[tuple[str, list[str]]] = [
    (CaseStatus.CLOSED, ["已销号", "已验收销号", "验收销号", "已验收", "销号"]),
    (CaseStatus.AWAITING_REVIEW, ["待现场审核", "待验收", "待审核", "已完成", "整改完成", "整治完成", "已整改",
                                  "已取缔", "已关停取缔", "两断三清已完成"]),
    (CaseStatus.REMEDIATING, ["整治中", "整改中", "正在整改", "正在整治", "整改提升中", "治理中", "改造中"]),
    (CaseStatus.STOPPED, ["已停产", "停产", "已关停", "已断电", "已断水断电"]),
    (CaseStatus.LISTED, ["已列入名单", "已列入", "未开始", "未整治", "待整治"]),
]  # fmt: skip
_STATUS_LABELS = {label: status for status, label in CaseStatus.choices}


def parse_progress(value: Any) -> Parsed:
    """整治进度 → (status or None, note, closed_on). Our own words round-trip exactly; free text is a note."""
    raw = text(value)
    if not raw:
        return Parsed((None, "", None))
    head, sep, note = raw.partition("：")
    if not sep:
        head, sep, note = raw.partition(":")
    closed_on = None
    m = re.fullmatch(r"(.+?)（(\d{4}-\d{2}-\d{2})）", head) or re.fullmatch(r"(.+?)\((\d{4}-\d{2}-\d{2})\)", head)
    if m:
        head, closed_on = m[1], dt.date.fromisoformat(m[2])
    if head in _STATUS_LABELS:
        return Parsed((_STATUS_LABELS[head], note.strip() if sep else "", closed_on))
    s = key(raw)
    for status, words in _STATUS_WORDS:
        if any(s.startswith(w) or s == w for w in words):
            return Parsed((status, raw, None), f"{raw} → {CaseStatus(status).label}（原文作为进度说明）")
    return Parsed((None, raw, None), f"{raw} → 作为进度说明（未识别为整治状态）")


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
