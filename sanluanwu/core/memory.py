"""Building many long-lived objects at once (a 100,000-row import plan) without the cycle collector's passes.

CPython's cycle collector walks the young objects every 700 allocations and the whole heap whenever the survivors
have grown by a quarter: while a plan of 100,000 rows is built, those passes walk the growing plan again and
again (0.4 s of the 4.6 s a 100,000-row preview spends planning). The plan holds no reference cycles and planning
makes none that matter (a refused cell's exception is released by its `except` block), so the collector is
paused while it is built and resumes afterwards, collecting whatever is due then.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def few_collections() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
