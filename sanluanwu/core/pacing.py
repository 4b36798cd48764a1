"""Background work that leaves the cores to the pages: it rests in proportion to what it worked.

A 10,000-row import in the job worker keeps a core busy for 15 s, half of it PostgreSQL's work, which runs at the
pages' priority whatever the worker's nice value is. With `BACKGROUND_DUTY` below 1 (bin/serve gives the job worker
0.5), the work rests between steps for as long as it worked since the last rest, scaled: with duty d it works at
most d of the wall time. The work's time is read on the wall clock, so on a busy machine (its steps take longer)
it rests longer too, as PostgreSQL's vacuum cost delay does. Work that holds a lock others wait for never rests:
its caller rests before the lock is taken.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from django.conf import settings

T = TypeVar("T")
# The clock and the sleep this module reads (tests replace these two names, never the time module's own functions).
_now = time.perf_counter
_sleep = time.sleep
# The longest single rest: a step that worked long rests at most this, so the work goes on at least this often.
MAX_REST_SECONDS = 2.0


def duty() -> float:
    value = float(getattr(settings, "BACKGROUND_DUTY", 1.0))
    return value if math.isfinite(value) and 0 < value <= 1 else 1.0


class Pace:
    """rest() after each step: sleeps worked × (1 − d) / d, the work measured since the previous rest."""

    def __init__(self, share: float | None = None):
        self.share = duty() if share is None else share
        self.since = _now()
        self.rested = 0.0

    def rest(self) -> None:
        if self.share >= 1:
            return
        worked = _now() - self.since
        pause = min(worked * (1 - self.share) / self.share, MAX_REST_SECONDS)
        if pause > 0.001:
            _sleep(pause)  # a plain sleep: never a timed wait on a lock (CI moves the clock, AGENTS.md)
            self.rested += pause
        self.since = _now()

    def paced(self, items: Iterable[T], every: int = 1000) -> Iterator[T]:
        """The items, resting after each `every` of them."""
        for n, item in enumerate(items, start=1):
            yield item
            if n % every == 0:
                self.rest()


# The pace of the work in hand (an import's preview or confirm), per thread: its steps in other modules rest with it.
_current: contextvars.ContextVar[Pace | None] = contextvars.ContextVar("pace", default=None)


def current() -> Pace:
    """The pace of the background work this thread is doing, or one that never rests."""
    return _current.get() or _NEVER


@contextlib.contextmanager
def working(share: float | None = None) -> Iterator[Pace]:
    """`with pacing.working():` background work whose steps (pacing.current().rest()) rest at BACKGROUND_DUTY."""
    pace = Pace(share)
    token = _current.set(pace)
    try:
        yield pace
    finally:
        _current.reset(token)


_NEVER = Pace(1.0)
