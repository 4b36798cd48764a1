"""The one place time-dependent code takes "now" and "today" from.

Tests move time with time-machine; nothing else calls date.today() or datetime.now().
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    """Today in the district's time zone (Asia/Shanghai), not the server's."""
    return timezone.localdate(timezone.now())
