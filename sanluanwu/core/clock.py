"""The one place time-dependent code takes "now" and "today" from.

Tests move time with time-machine; nothing else calls date.today() or datetime.now(). The demo loader writes a
campaign's past through the services inside `at(moment)`, so its records say when they would have been made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_fixed: ContextVar[dt.datetime | None] = ContextVar("clock_fixed", default=None)


def now() -> dt.datetime:
    fixed = _fixed.get()
    return fixed if fixed is not None else timezone.now()


def today() -> dt.date:
    """Today in the district's time zone (Asia/Shanghai), not the server's."""
    return timezone.localdate(now())


def is_fixed() -> bool:
    """Whether clock.at() holds the clock (the demo loader writing the past: "today" is not the records' today)."""
    return _fixed.get() is not None


@contextmanager
def at(moment: dt.datetime) -> Iterator[None]:
    """Inside the block, now() is `moment` (aware) for this thread or task only: what is written there says it
    was written then. For the demo loader's history (a case listed weeks ago, stopped days later); never used by a
    request, a job or an import, whose records are made when they are made."""
    if timezone.is_naive(moment):
        raise ValueError("clock.at needs an aware datetime")
    token = _fixed.set(moment)
    try:
        yield
    finally:
        _fixed.reset(token)
