"""Reads remembered until the next write: the campaign banner, the town's 待办 counts, a list's capped count.

Every page shows the campaign banner (three queries) and the town's list shows its work counts (a pass over the
town's cases: 14 ms of PostgreSQL time at a million cases), yet between two writes they cannot change. Every
business write is audited inside its transaction, and appends to the audit chain are serialised until commit
(audit.chain.lock_head), so the chain's newest id only grows, in commit order: it is the data's version. A read
remembered under (key, the head it saw, today) is the same read again until the next audited write, in every
process, without a shared cache server.

Besides the head, the key carries this process's own write counter, bumped by every model save or delete and every
audit event it writes (a write whose event is not yet committed, a test that builds rows through the ORM), and an
entry lives at most MAX_AGE seconds: a write that bypasses both (a hand-run SQL statement) is seen within minutes.

The head is read once per request (RequestContextMiddleware resets it) and on every call outside a request.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save

from sanluanwu.core import clock

T = TypeVar("T")

MAX_AGE = 300.0  # seconds: the safety net for a write nobody audited
MAX_ENTRIES = 256  # a list page's rows are some 30 KB

_UNREAD: Any = object()
head_var: contextvars.ContextVar[Any] = contextvars.ContextVar("slw_audit_head", default=_UNREAD)

_lock = threading.Lock()
_entries: OrderedDict[tuple[Hashable, ...], tuple[float, Any]] = OrderedDict()
_writes = [0]  # this process's writes (a list: bumped from signal handlers without a global statement)


def bump(*_args: Any, **_kwargs: Any) -> None:
    """A write in this process: what was remembered before it is not used again."""
    with _lock:
        _writes[0] += 1


def clear() -> None:
    with _lock:
        _entries.clear()
        _writes[0] += 1


def _read_head() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id) FROM audit_auditevent")
        row = cursor.fetchone()
    return int(row[0] or 0) if row else 0


def data_version() -> tuple[int, dt.date]:
    """(the audit chain's newest id, today): what a remembered read is valid for."""
    head = head_var.get()
    if head is _UNREAD:
        head = _read_head()
        if _in_request.get():
            head_var.set(head)
    return head, clock.today()


_in_request: contextvars.ContextVar[bool] = contextvars.ContextVar("slw_audit_head_in_request", default=False)


def start_request() -> tuple[contextvars.Token[Any], contextvars.Token[bool]]:
    return head_var.set(_UNREAD), _in_request.set(True)


def end_request(tokens: tuple[contextvars.Token[Any], contextvars.Token[bool]]) -> None:
    head_var.reset(tokens[0])
    _in_request.reset(tokens[1])


def _in_write() -> bool:
    """Inside a transaction of the code (not the one a test case wraps itself in)."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def remembered(key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """compute(), or what it returned for the same key since the last write (see the module's docstring).

    The value is shared by the threads of the process: it must not be changed by its readers."""
    if not settings.REMEMBER_READS:
        return compute()
    with _lock:
        writes = _writes[0]
    if _in_write():
        return compute()  # inside a write's transaction the head is not yet the data's version
    full = (*key, *data_version(), writes)
    now = time.monotonic()
    with _lock:
        found = _entries.get(full)
        if found is not None and now - found[0] < MAX_AGE:
            _entries.move_to_end(full)
            return found[1]  # type: ignore[no-any-return]
    value = compute()
    with _lock:
        _entries[full] = (now, value)
        _entries.move_to_end(full)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


# Rows no remembered read is made of: a session's activity is written once a minute, a failed login to axes' log.
_NOT_READ = frozenset({"sessions", "axes"})


def _saved(sender: Any, **_kwargs: Any) -> None:
    if getattr(getattr(sender, "_meta", None), "app_label", None) not in _NOT_READ:
        bump()


def connect_signals() -> None:
    """Every model save or delete in this process bumps its write counter (AuditConfig.ready)."""
    post_save.connect(_saved, dispatch_uid="slw-audit-memo-save", weak=False)
    post_delete.connect(_saved, dispatch_uid="slw-audit-memo-delete", weak=False)
    m2m_changed.connect(_saved, dispatch_uid="slw-audit-memo-m2m", weak=False)
