"""The half-monthly periods of a campaign, computed from its dates and its reporting rules (no database)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class PeriodDates:
    starts_on: dt.date
    ends_on: dt.date
    due_on: dt.date


def _day(year: int, month: int, day: int) -> dt.date:
    """The day of the month, or the month's last day when it has fewer (30 → 28 or 29 in February)."""
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def half_months(
    starts_on: dt.date, ends_on: dt.date, *, first_due_day: int = 15, second_due_day: int = 30
) -> list[PeriodDates]:
    """1st-15th and 16th-end of each month from the campaign's start to its end (the first and last may be cut
    short by them). Due on the 15th and on the 30th; in February the second is due on the month's last day. A
    period cut short by the campaign keeps its half month's due date, but never one before its first day."""
    periods: list[PeriodDates] = []
    year, month = starts_on.year, starts_on.month
    while dt.date(year, month, 1) <= ends_on:
        last = calendar.monthrange(year, month)[1]
        halves = [(dt.date(year, month, 1), dt.date(year, month, 15), _day(year, month, first_due_day)),
                  (dt.date(year, month, 16), dt.date(year, month, last), _day(year, month, second_due_day))]  # fmt: skip
        for start, end, due in halves:
            if end < starts_on or start > ends_on:
                continue
            start = max(start, starts_on)  # due no earlier than its first day (a period cut short by the start)
            periods.append(PeriodDates(start, min(end, ends_on), max(due, start)))
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return periods
