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

A read of rows that change seldom (users, memberships and org units; campaigns and their periods) names its
*topics*, the apps whose actions ("accounts.membership.created": topic "accounts") change those rows, and is
remembered under the newest id of those topics' events instead of the whole chain's, and under this process's writes
of those apps' models only. Inspections saved every second at a deadline then leave a user's scope, the campaign
banner and the org units remembered. The topic heads are read by an index on the events' topic column (migration 0011), in the same
query as the chain's head.

A read of one town's rows (a town user's case list) can be remembered *per town* (`towns=`): an event that names
the town it changed (AuditEvent.town_id, given by the writer that knows it: a task done on a 湖塘镇 case) moves only
that town's version; an event that names none moves every town's, as before. Of this process's writes, only the
events are counted per town; a model saved without an event counts for every town, and only for the apps the read is
made of (`rows_of`): a remediation task saved beside its event changes no case row, its event says which town's did.
At a deadline, a utility completing a task every second then no longer makes every town's list read again.

A read of the rows one org unit works on (a department's or utility's task list) can be remembered *per unit*
(`units=`): a topic registered as a unit topic (register_unit_topic: the remediation app's) has its events name the
units whose rows they changed (a task's owner and coordinator), and each event moves those units' heads in
audit.UnitHead, inside its transaction; an event of the topic naming none moves the head of NO_UNIT, which every
per-unit read includes. The read's other topics count as a whole. A task done by 供电公司 then leaves 水务公司's and
every department's list as it was.

The heads are read once per request (RequestContextMiddleware resets them) and on every call outside a request.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save

from sanluanwu.core import clock

T = TypeVar("T")

MAX_AGE = 300.0  # seconds: the safety net for a write nobody audited
MAX_ENTRIES = 1024  # a list page's rows are some 30 KB; a user's row and scope well under 1 KB

_UNREAD: Any = object()
head_var: contextvars.ContextVar[Any] = contextvars.ContextVar("slw_audit_head", default=_UNREAD)

_lock = threading.Lock()
_entries: OrderedDict[tuple[Hashable, ...], tuple[float, Any]] = OrderedDict()
# The reads under way in this process (single flight): their key → set when the value is remembered (or failed).
_inflight: dict[tuple[Hashable, ...], threading.Event] = {}
WAIT_SECONDS = 30.0  # how long a thread waits for another's read of the same value before reading it itself
ALL = ""  # the whole chain (every topic), in the heads and the write counters
NO_UNIT = 0  # audit.UnitHead's unit of the events of a unit topic naming no unit (org unit ids start at 1)
# The keys of this process's write counters besides ALL and the app labels: a model saved ("saved", app); an event
# of a topic that named its town ("event", topic, town id) or named none ("event", topic, None); an event of a unit
# topic, per unit it named or NO_UNIT ("unit", topic, unit id).
WriteKey = str | tuple[str, str] | tuple[str, str, int | None]
# This process's writes: ALL, and per app label (a defaultdict: bumped from signal handlers without a global statement).
_writes: defaultdict[WriteKey, int] = defaultdict(int)
_topics: set[str] = set()  # the topics whose heads are read with the chain's
_unit_topics: set[str] = set()  # the topics whose events name the units they changed (register_unit_topic)


def register_unit_topic(topic: str) -> None:
    """`topic`'s events name the org units whose rows they changed (audit.services.record_event's unit_ids), and
    move those units' heads: called by the app that owns the topic, in every process (its AppConfig.ready)."""
    _unit_topics.add(topic)


def is_unit_topic(topic: str) -> bool:
    return topic in _unit_topics


def bump(
    app_label: str = "", *, event: bool = False, town_id: int | None = None, unit_ids: frozenset[int] = frozenset()
) -> None:
    """A write in this process (of a model of `app_label`, if given; `event`: an audit event of that topic, naming
    `town_id` or no town, and for a unit topic the `unit_ids` or none): what was remembered before it from rows that
    write may have changed is not used again."""
    with _lock:
        _writes[ALL] += 1
        if app_label:
            _writes[app_label] += 1
            if event:
                _writes[("event", app_label, town_id)] += 1
                if app_label in _unit_topics:
                    for unit in unit_ids or (NO_UNIT,):
                        _writes[("unit", app_label, unit)] += 1
            else:
                _writes[("saved", app_label)] += 1


def advance_units(topic: str, unit_ids: frozenset[int], event_id: int) -> None:
    """Move the heads of the units an event of `topic` named (or NO_UNIT's) to its id. Called inside the event's
    transaction, after the event took the chain's append lock: heads move in commit order, as the chain's ids do."""
    if topic not in _unit_topics:
        return
    units = sorted(unit_ids) or [NO_UNIT]
    values = ", ".join(["(%s, %s, %s)"] * len(units))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO audit_unithead (topic, unit_id, event_id) VALUES {values} "
            "ON CONFLICT (topic, unit_id) DO UPDATE SET event_id = excluded.event_id",
            [value for unit in units for value in (topic, unit, event_id)],
        )


def clear() -> None:
    with _lock:
        _entries.clear()
        _writes[ALL] += 1


# An event that records a reading changes no row: a file exported (or its export refused: "<app>.export.<what>"), an
# original sheet downloaded ("….downloaded"), a number revealed ("….revealed"). Its topic is READING, which no
# remembered read names: a town's download of its 附件2 no longer makes every town's case list be read again. The
# database computes the same topic into the events' `topic` column (migration 0011), which the heads' indexes hold.
READING = "reading"
_READING_INFIX, _READING_ENDINGS = ".export.", (".downloaded", ".revealed")


def is_reading(action: str) -> bool:
    return _READING_INFIX in action or action.endswith(_READING_ENDINGS)


def topic_of(action: str) -> str:
    """An event's topic: its action's first segment ("accounts.membership.created" → "accounts"), or READING; what the
    database stores in the event's `topic` column."""
    return READING if is_reading(action) else action.split(".", 1)[0]


def heads_sql(topics: list[str]) -> str:
    """One query: the chain's newest id, then each topic's newest event id (parameters: heads_params)."""
    parts = ["(SELECT MAX(id) FROM audit_auditevent)"]
    # The topic as a range of one value, ordered by the index's own columns: with `= topic` PostgreSQL took the order
    # from the primary key and walked back through every newer event of other topics (20,000 of an import, 8 ms) when
    # it guessed the topic was common; a range leaves the topic index the only ordered path (0.1 ms).
    parts += ["(SELECT id FROM audit_auditevent WHERE topic >= %s AND topic <= %s ORDER BY topic DESC, id DESC LIMIT 1)"
              for _ in topics]  # fmt: skip
    return "SELECT " + ", ".join(parts)


def heads_params(topics: list[str]) -> list[str]:
    return [topic for topic in topics for _ in (0, 1)]


def _read_heads(topics: frozenset[str]) -> dict[str, int]:
    """The chain's newest id (ALL) and each topic's newest event id (0: none yet)."""
    ordered = sorted(topics)
    with connection.cursor() as cursor:
        cursor.execute(heads_sql(ordered), heads_params(ordered))
        row = cursor.fetchone() or ()
    return {name: int(value or 0) for name, value in zip([ALL, *ordered], row, strict=True)}


def data_version(topics: tuple[str, ...] = ()) -> tuple[tuple[int, ...], dt.date]:
    """(the newest ids of the chain or of the topics' events, today): what a remembered read is valid for."""
    heads = head_var.get()
    if heads is _UNREAD or ALL not in heads or any(t not in heads for t in topics):
        with _lock:
            _topics.update(topics)
            wanted = frozenset(_topics)
        heads = {**({} if heads is _UNREAD else heads), **_read_heads(wanted)}
        if _in_request.get():
            head_var.set(heads)
    return tuple(heads[t] for t in topics) if topics else (heads[ALL],), clock.today()


def town_heads_sql(keys: list[tuple[str, int | None]]) -> str:
    """One query: for each (topic, town) the newest id of the topic's events naming that town, or naming none (town
    None); by the index on (topic, town_id, id) of migration 0011 (parameters: town_heads_params)."""
    parts = []
    if connection.vendor != "postgresql":
        for _topic, town in keys:
            where = "town_id = %s" if town is not None else "town_id IS NULL"
            parts.append(f"(SELECT id FROM audit_auditevent WHERE topic = %s AND {where} "
                         "ORDER BY topic DESC, town_id DESC, id DESC LIMIT 1)")  # fmt: skip
        return "SELECT " + ", ".join(parts)
    # PostgreSQL: the first event at or below (topic, town) in the index's own order, and its id only if it is of that
    # topic and town. With `topic = … AND town_id = …` the planner, its statistics stale after an import of 20,000
    # events (or fresh, when the newest events are another topic's), walked the primary key or the topic index back
    # through all of them: 13 ms a page. A bound below which most of the table lies leaves this index the only cheap
    # ordered path (0.1 ms). An event naming no town sorts first within its topic in this order (NULLS FIRST).
    for _topic, town in keys:
        if town is not None:
            parts.append(
                "(SELECT CASE WHEN topic = %s AND town_id = %s THEN id END FROM audit_auditevent "
                "WHERE (topic, town_id) <= (%s, %s) ORDER BY topic DESC, town_id DESC, id DESC LIMIT 1)"
            )
        else:
            parts.append(
                "(SELECT CASE WHEN topic = %s AND town_id IS NULL THEN id END FROM audit_auditevent "
                "WHERE topic <= %s ORDER BY topic DESC, town_id DESC NULLS FIRST, id DESC LIMIT 1)"
            )
    return "SELECT " + ", ".join(parts)


def town_heads_params(keys: list[tuple[str, int | None]]) -> list[Any]:
    if connection.vendor != "postgresql":
        return [value for topic, town in keys for value in (topic, *(() if town is None else (town,)))]
    return [value for topic, town in keys for value in ((topic, topic) if town is None else (topic, town, topic, town))]


def _read_town_heads(keys: list[tuple[str, int | None]]) -> dict[Any, int]:
    with connection.cursor() as cursor:
        cursor.execute(town_heads_sql(keys), town_heads_params(keys))
        row = cursor.fetchone() or ()
    return {("town", *key): int(value or 0) for key, value in zip(keys, row, strict=True)}


def _town_keys(topics: tuple[str, ...], towns: frozenset[int]) -> list[tuple[str, int | None]]:
    return [(topic, town) for topic in topics for town in (*sorted(towns), None)]


def town_data_version(topics: tuple[str, ...], towns: frozenset[int]) -> tuple[tuple[int, ...], dt.date]:
    """data_version() of a read of the `towns`' rows: each topic's newest event naming one of the towns or none."""
    keys = _town_keys(topics, towns)
    heads = head_var.get()
    if heads is _UNREAD or any(("town", *key) not in heads for key in keys):
        heads = {**({} if heads is _UNREAD else heads), **_read_town_heads(keys)}
        if _in_request.get():
            head_var.set(heads)
    return tuple(heads[("town", *key)] for key in keys), clock.today()


def town_heads_now(topics: tuple[str, ...], towns: frozenset[int]) -> list[int]:
    """town_data_version()'s heads read now, not as the request first saw them: to store beside rows read after it
    (their version can then only be older than the rows, never newer)."""
    keys = _town_keys(topics, towns)
    heads = _read_town_heads(keys)
    return [heads[("town", *key)] for key in keys]


def _unit_keys(topics: tuple[str, ...], units: frozenset[int]) -> list[tuple[str, int]]:
    return [(topic, unit) for topic in topics if topic in _unit_topics for unit in (*sorted(units), NO_UNIT)]


def _read_unit_heads(keys: list[tuple[str, int]]) -> dict[Any, int]:
    topics = sorted({topic for topic, _unit in keys})
    units = sorted({unit for _topic, unit in keys})
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT topic, unit_id, event_id FROM audit_unithead WHERE topic IN ({', '.join(['%s'] * len(topics))}) "
            f"AND unit_id IN ({', '.join(['%s'] * len(units))})",
            [*topics, *units],
        )
        found = {(topic, int(unit)): int(event) for topic, unit, event in cursor.fetchall()}
    return {("unit", *key): found.get(key, 0) for key in keys}


def unit_data_version(topics: tuple[str, ...], units: frozenset[int]) -> tuple[tuple[int, ...], dt.date]:
    """data_version() of a read of the rows of `units`: for each unit topic the newest event naming one of the units
    or none (NO_UNIT); for the other topics, their newest event."""
    keys = _unit_keys(topics, units)
    others = tuple(topic for topic in topics if topic not in _unit_topics)
    heads = head_var.get()
    if keys and (heads is _UNREAD or any(("unit", *key) not in heads for key in keys)):
        heads = {**({} if heads is _UNREAD else heads), **_read_unit_heads(keys)}
        if _in_request.get():
            head_var.set(heads)
    own = tuple(heads[("unit", *key)] for key in keys)
    return (*own, *(data_version(others)[0] if others else ())), clock.today()


# The read being computed in this thread (its topics, towns, rows_of and units): what a read made inside it, naming
# none of its own, is remembered under.
_Enclosing = tuple[tuple[str, ...], frozenset[int] | None, tuple[str, ...], frozenset[int] | None]
_enclosing: contextvars.ContextVar[_Enclosing | None] = contextvars.ContextVar("slw_audit_memo_enclosing", default=None)
_in_request: contextvars.ContextVar[bool] = contextvars.ContextVar("slw_audit_head_in_request", default=False)


def start_request() -> tuple[contextvars.Token[Any], contextvars.Token[bool]]:
    return head_var.set(_UNREAD), _in_request.set(True)


def end_request(tokens: tuple[contextvars.Token[Any], contextvars.Token[bool]]) -> None:
    head_var.reset(tokens[0])
    _in_request.reset(tokens[1])


def _in_write() -> bool:
    """Inside a transaction of the code (not the one a test case wraps itself in)."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def remembered(
    key: tuple[Hashable, ...],
    compute: Callable[[], T],
    *,
    topics: tuple[str, ...] = (),
    towns: frozenset[int] | None = None,
    rows_of: tuple[str, ...] = (),
    units: frozenset[int] | None = None,
) -> T:
    """compute(), or what it returned for the same key since the last write (see the module's docstring); with
    `topics`, since the last write of those apps (compute() must read only their models' rows).

    With `towns` (and `topics`), since the last event of those topics naming one of the towns or no town, or the last
    model of the `rows_of` apps saved in this process: compute() must read only those towns' rows, of the `rows_of`
    apps' models, and every write of them must come with an event of one of the topics.

    A read made while another one is computed, naming no topics of its own (a list's count, core.pagination), is
    remembered under the enclosing read's topics and towns: it is part of that read, so it reads only their rows. A
    town's list read again in another order or from another page then counts again only after a write of the town,
    not after every audited write of the district.

    With `units` (and `topics`), since the last event of a unit topic among `topics` naming one of the units or none
    (NO_UNIT), or the last write of the other topics: compute() must read, of a unit topic's rows, only those of the
    units, and every write of those rows must come with an event of the topic naming their units.

    The value is shared by the threads of the process: it must not be changed by its readers."""
    if not settings.REMEMBER_READS:
        return compute()
    if towns is not None and units is not None:
        raise ValueError("a read is remembered per town or per unit, not both")
    if not topics and towns is None and units is None and not rows_of and (outer := _enclosing.get()) is not None:
        topics, towns, rows_of, units = outer
    with _lock:
        if units is not None:
            unit_keys = _unit_keys(topics, units)
            writes = (*(_writes[("unit", *k)] for k in unit_keys),
                      *(_writes[t] for t in topics if t not in _unit_topics))  # fmt: skip
        elif towns is not None:
            keys = _town_keys(topics, towns)
            writes = (*(_writes[("event", *k)] for k in keys), *(_writes[("saved", app)] for app in rows_of))
        else:
            writes = tuple(_writes[t] for t in topics) if topics else (_writes[ALL],)
    if _in_write():
        return compute()  # inside a write's transaction the head is not yet the data's version
    if units is not None:
        full = (*key, topics, ("units", *sorted(units)), *unit_data_version(topics, units), writes)
    elif towns is not None:
        full = (*key, topics, tuple(sorted(towns)), rows_of, *town_data_version(topics, towns), writes)
    else:
        full = (*key, topics, *data_version(topics), writes)

    def read() -> T:
        enclosing = _enclosing.set((topics, towns, rows_of, units))
        try:
            return compute()
        finally:
            _enclosing.reset(enclosing)

    return _shared(full, read, MAX_AGE)


def _shared(full: tuple[Hashable, ...], compute: Callable[[], T], max_age: float) -> T:
    """compute() remembered under `full` for `max_age` seconds, read once by the threads asking at once: when nothing is
    remembered, one thread reads and the others wait for its answer; when only the age ran out, one thread reads again
    while the others keep the value they had."""
    now = time.monotonic()
    with _lock:
        found = _entries.get(full)
        if found is not None:
            if now - found[0] < max_age:
                _entries.move_to_end(full)
                return found[1]  # type: ignore[no-any-return]
            if full in _inflight:
                # Only the age ran out (no write since): while one thread reads it again, the others keep the value
                # they had, instead of all reading a million-row list at once.
                return found[1]  # type: ignore[no-any-return]
        waiting = _inflight.get(full)
        if waiting is None:
            mine = _inflight[full] = threading.Event()
    if waiting is not None:
        # Another thread is reading this very value (after a write, at midnight, at start): wait for its answer rather
        # than read it again beside it (32 clients missing at once made each read 16 times slower).
        waiting.wait(timeout=WAIT_SECONDS)
        with _lock:
            found = _entries.get(full)
        return found[1] if found is not None else compute()  # type: ignore[no-any-return]
    try:
        value = compute()
        with _lock:
            _entries[full] = (now, value)
            _entries.move_to_end(full)
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
    finally:
        with _lock:
            _inflight.pop(full, None)
        mine.set()
    return value


def refreshed(key: tuple[Hashable, ...], compute: Callable[[], T], *, every: float) -> T:
    """compute(), or what it returned for `key` today in this process less than `every` seconds ago: a figure that may
    lag its rows by that much (the district's overdue work on the office's list page, counted over a million cases),
    read whatever is written meanwhile.

    Once it is older, the first thread to ask reads it again while the others keep the value it had; the first read of
    the day is made by one thread, the others waiting for it. With a plain cache entry expiring, every thread of the
    office's clients counted a million cases at once, each in parallel workers of PostgreSQL: every page of the
    process stood still for a second every two minutes (the load benchmark's p99)."""
    if _in_write():
        return compute()
    return _shared(("refreshed", *key, clock.today()), compute, every)


# Rows no remembered read is made of: a session's activity is written once a minute, a failed login to axes' log.
_NOT_READ = frozenset({"sessions", "axes"})


def _saved(sender: Any, **_kwargs: Any) -> None:
    app_label = getattr(getattr(sender, "_meta", None), "app_label", None)
    if app_label not in _NOT_READ:
        bump(app_label or "")


def connect_signals() -> None:
    """Every model save or delete in this process bumps its write counter (AuditConfig.ready)."""
    post_save.connect(_saved, dispatch_uid="slw-audit-memo-save", weak=False)
    post_delete.connect(_saved, dispatch_uid="slw-audit-memo-delete", weak=False)
    m2m_changed.connect(_saved, dispatch_uid="slw-audit-memo-m2m", weak=False)
