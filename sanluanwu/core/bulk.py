"""Insert many new rows fast: PostgreSQL COPY with ids reserved from the sequence; bulk_create elsewhere.

Used by imports (a town's sheet can hold 100,000 rows); the rows still pass every rule before they
get here, and their audit events are inserted the same way. On PostgreSQL the COPY text is formatted
here, a line per row, because psycopg's per-value adaptation (Copy.write_row) costs more than the
server's own work at this size.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import orjson
from django.db import DatabaseError, connection, models, transaction

from sanluanwu.core import pacing

logger = logging.getLogger(__name__)
# A COPY of at least this many rows has its table's statistics taken again once it commits (ANALYZE): the planner
# otherwise keeps the old ones until autovacuum comes by (never, where it is off). After the first 10,000-row import
# into the demo it still took the audit table for a few hundred rows and read 20,000 events to find one (13 ms).
ANALYZE_AFTER = 1000

_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"
_FLUSH_CHARS = 1 << 18


def json_text(value: Any) -> str:
    """JSON as the audit and the JSON fields store it: dates ISO, decimals as their text (as str() gives)."""
    return orjson.dumps(value, default=str).decode()


def _copy_value(value: Any) -> str:
    """A non-text value in COPY's text format (str values are handled inline by the caller)."""
    if value is None:
        return _NULL
    if isinstance(value, str):
        return str.__str__(value)  # a TextChoices member: its value
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in a bulk insert")
        return value.isoformat()
    if isinstance(value, int | float | Decimal | dt.date):
        return str(value)
    raise TypeError(f"cannot COPY a {type(value).__name__}")


@functools.lru_cache(maxsize=64)
def _moment_text(value: dt.datetime) -> str:
    return _copy_value(value)  # a bulk insert stamps every row with the same few moments


def copy_line(values: Sequence[Any]) -> str:
    """One row of COPY text; values are str (written as text) or the types _copy_value knows."""
    parts = [
        v if type(v) is str
        else str(v) if type(v) is int
        else _NULL if v is None
        else _moment_text(v) if type(v) is dt.datetime
        else _copy_value(v)
        for v in values
    ]  # fmt: skip
    line = "\t".join(parts)
    nulls = values.count(None)
    # Fast path: nothing in the text needs escaping (each NULL marker holds the only backslashes).
    if line.count("\t") == len(parts) - 1 and line.count("\\") == nulls and "\n" not in line and "\r" not in line:
        return line + "\n"
    return "\t".join(_NULL if v is None else p.translate(_ESCAPE) for v, p in zip(values, parts, strict=True)) + "\n"


def insert_many(
    model: type[models.Model], rows: Iterable[Mapping[str, Any]], *, count: int | None = None, batch_size: int = 5000
) -> list[int]:
    """Insert rows given as {attname: python value} without building model instances; returns the new ids in order.

    `rows` may be a generator: on PostgreSQL it is consumed while the server writes (one COPY per call, sent
    by psycopg's queued writer thread), so formatting and the server's work overlap and nothing is held in
    memory. Ids are reserved from the sequence first: pass `count` (the number of rows) when `rows` has no len().
    Values must already be what the field stores (str, int, Decimal, date, aware datetime, JSON-able values
    for JSON fields; dates and decimals inside JSON are written as their text).
    """
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields = [f for f in meta.concrete_fields if f is not pk]
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    if connection.vendor != "postgresql":
        new_ids: list[int] = []
        objs: list[models.Model] = []
        for row in rows:
            attrs = dict(row)
            for name in json_fields & attrs.keys():
                attrs[name] = json.loads(json_text(attrs[name]))
            objs.append(model(**attrs))
            if len(objs) >= batch_size:
                new_ids += [int(o.pk) for o in model._default_manager.bulk_create(objs)]
                objs = []
        new_ids += [int(o.pk) for o in model._default_manager.bulk_create(objs)]
        return new_ids
    n = len(rows) if count is None else count  # type: ignore[arg-type]
    if not n:
        return []
    names = [f.attname for f in fields]
    defaults = [f.get_default() for f in fields]
    json_at = [i for i, name in enumerate(names, start=1) if name in json_fields]

    def lines(ids: list[int]) -> Iterable[str]:
        for new_id, row in zip(ids, rows, strict=True):
            values: list[Any] = [new_id]
            values += map(row.get, names, defaults)
            for i in json_at:
                if values[i] is not None:
                    values[i] = json_text(values[i])
            yield copy_line(values)

    return _copy(model, n, lines)


def row_texts(model: type[models.Model], rows: Iterable[Mapping[str, Any]], *, last: Sequence[str]) -> Iterable[str]:
    """Each row's COPY text (PostgreSQL) without its id and without the model's `last` columns, which end its
    field list and are known only later: insert_texts() takes the text with theirs appended ("\\t" + value each).
    Formatting is most of a bulk insert's own work; done ahead, it is out of a section that holds a lock."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    if [f.attname for f in fields[len(fields) - len(last) :]] != list(last):
        raise ValueError(f"{meta.label}: {last} are not its last columns")
    fields = fields[: len(fields) - len(last)]
    names = [f.attname for f in fields]
    defaults = [f.get_default() for f in fields]
    json_at = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    for row in rows:
        values: list[Any] = list(map(row.get, names, defaults))
        for i in json_at:
            if values[i] is not None:
                values[i] = json_text(values[i])
        yield copy_line(values)[:-1]


def insert_texts(model: type[models.Model], texts: Iterable[str], *, count: int) -> list[int]:
    """Insert rows given as COPY text of every column but the id (PostgreSQL; see row_texts); returns the new ids."""
    if not count:
        return []

    def lines(ids: list[int]) -> Iterable[str]:
        for new_id, text in zip(ids, texts, strict=True):
            yield f"{new_id}\t{text}\n"

    return _copy(model, count, lines)


def _copy(model: type[models.Model], n: int, lines: Any) -> list[int]:
    """Reserve n ids from the model's sequence, then COPY lines(ids) (each a row's text, the id first)."""
    from psycopg.copy import QueuedLibpqWriter

    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields = [f for f in meta.concrete_fields if f is not pk]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, n],
        )
        ids = [i for (i,) in cursor.fetchall()]
        columns = ", ".join(connection.ops.quote_name(c) for c in [pk.column, *(f.column for f in fields)])
        sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
        with cursor.connection.cursor() as cur, cur.copy(sql, writer=QueuedLibpqWriter(cur)) as copy:
            chunk: list[str] = []
            size = 0
            for line in lines(ids):
                chunk.append(line)
                size += len(line)
                if size >= _FLUSH_CHARS:
                    copy.write("".join(chunk).encode())
                    chunk, size = [], 0
            if chunk:
                copy.write("".join(chunk).encode())
    if n >= ANALYZE_AFTER:
        transaction.on_commit(functools.partial(analyze, meta.db_table))
    return ids


def analyze(table: str) -> None:
    """Take a table's statistics again (PostgreSQL). Only the table's owner may: where the service runs as an
    application role apart from the migration role, PostgreSQL says so in its log and autovacuum does it later.

    In background work it first rests (core.pacing): an import's ANALYZEs come after its commit, each a burst of
    PostgreSQL's work at a full core that nothing else paces (the audit table's was 0.5 s after a 10,000-row import,
    0.15 s since its unqueried columns keep no statistics: audit migration 0010)."""
    pacing.current().rest()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    except DatabaseError:
        logger.warning("ANALYZE %s failed", table, exc_info=True)
