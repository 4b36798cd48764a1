"""Numbers from outside (query strings, URL paths, form and JSON fields), parsed once and bounded.

Python's float() accepts "nan", "inf" and "1e999"; int() accepts any length and Unicode digits. Stored or
compared as they are, such values make a database refuse the query (a 64-bit overflow on PostgreSQL and SQLite)
or poison every later read (a longitude of 1e308 on an inspection broke the inspection list for every user).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sanluanwu.core.errors import ValidationFailed
from sanluanwu.core.geo import LAT_RANGE, LON_RANGE

# The largest id any table can hold (signed 64-bit, BigAutoField).
MAX_ID = 2**63 - 1
# The largest value of a plain integer column (a record's version: PositiveIntegerField, signed 32-bit).
MAX_INT = 2**31 - 1
# Every date a record here speaks of (listed, planned, completed, inspected): from before the 2018-2019 campaign to
# plans decades out. Year 1 or 9999 is a typing slip, and year 1 in a time zone east of UTC cannot even be stored.
DATE_RANGE = (dt.date(2000, 1, 1), dt.date(2099, 12, 31))
DATE_RANGE_TEXT = "2000-01-01 至 2099-12-31"


def date_error(value: dt.date | None, label: str) -> str | None:
    """The message for a date (or date-time) outside DATE_RANGE, naming the field; None when it is within."""
    if value is None:
        return None
    day = value.date() if isinstance(value, dt.datetime) else value
    if DATE_RANGE[0] <= day <= DATE_RANGE[1]:
        return None
    return f"{label}（{day.isoformat()}）不在合理范围内（{DATE_RANGE_TEXT}），请检查年份"


# A phone's reported accuracy; beyond 100 km it is no position at all.
ACCURACY_RANGE = (0.0, 100_000.0)


def finite_float(value: Any, *, lo: float | None = None, hi: float | None = None) -> float | None:
    """A finite float within [lo, hi], or None for anything else (missing, not a number, NaN, ±inf, out of range)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value or len(value) > 50:
            return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(number) or (lo is not None and number < lo) or (hi is not None and number > hi):
        return None
    return number + 0.0  # -0.0 stays a plain zero


def longitude(value: Any) -> float | None:
    return finite_float(value, lo=LON_RANGE[0], hi=LON_RANGE[1])


def latitude(value: Any) -> float | None:
    return finite_float(value, lo=LAT_RANGE[0], hi=LAT_RANGE[1])


def pk(value: Any) -> int | None:
    """A row id: ASCII digits only, 1 … 2**63-1; None for anything else (the caller answers 404 or ignores it)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip() if value is not None else ""
        if not text.isascii() or not text.isdigit() or len(text) > 19:
            return None
        number = int(text)
    return number if 1 <= number <= MAX_ID else None


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def flag(value: Any) -> bool:
    """A yes/no query parameter, read alike by pages and API (?unmasked=1 or true): anything else is no."""
    return str(value).strip().lower() in TRUE_WORDS if value is not None else False


def _whole(value: Any, hi: int) -> int | None:
    """A JSON integer, or text of ASCII digits no longer than `hi` (surrounding spaces allowed); None otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit() and len(text) <= len(str(hi)):
            return int(text)
    return None


def non_negative_int(value: Any, *, field: str, label: str, hi: int = MAX_INT) -> int:
    """A whole number from outside that must be exactly right (a record's version): a JSON integer, or text of ASCII
    digits only, 0 … hi. A sign, a space inside, a decimal point, an exponent, Unicode digits or a value beyond hi
    (a 64-bit or larger number the column cannot hold) is refused with a 400 naming the field, never clipped."""
    number = _whole(value, hi)
    if number is None or not 0 <= number <= hi:
        message = f"{label}“{_shown(value)}”不正确，应为 0 至 {hi} 的整数，只写数字（不带正负号、小数点）"
        raise ValidationFailed({field: [message]})
    return number


def paging(value: Any, *, field: str, label: str, hi: int, hint: str = "") -> int | None:
    """A paging parameter from outside (a cursor, a page number, a page size): missing or empty is none; anything
    but ASCII digits 1 … hi is refused with a 400 naming it. Never read as absent: a mistyped page number showing the
    first page instead looks like the page asked for."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = _whole(value, hi)
    if number is None or not 1 <= number <= hi:
        raise ValidationFailed({field: [f"{label}“{_shown(value)}”不正确，应为 1 至 {hi} 的整数{hint}"]})
    return number


def _shown(value: Any) -> str:
    """A refused value as a message quotes it: short (and an integer of over 4,300 digits has no text at all)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**20:
        return "超出范围的大数"
    return str(value)[:20]
