"""The audit log's hash chain (等保 2.0: tamper-evident records).

Each event stores `prev_hash` (the `hash` of the event before it in id order; "" for the first) and `hash` =
SHA-256 over `prev_hash` and a canonical serialisation of the event's own content (every column but id and the
two hashes). Changing an event's content breaks its own hash; deleting or inserting an event breaks the link of
the event after it; rewriting an event's hash to match breaks the next link. Only the chain's tail can go
unnoticed by the chain alone: `verify_audit` prints the head hash, and every backup's manifest records it; given
either back (`verify_audit --anchor COUNT:HASH` or `--manifest`), it finds a cut or rewritten tail too.

Appends are serialised so that two transactions never chain onto the same predecessor: on PostgreSQL a
transaction-level advisory lock, taken before the head is read and held until commit (ids come from the
sequence after the lock, so id order is chain order); on SQLite the settings' IMMEDIATE transactions hold the
database's write lock from BEGIN (and in WAL mode a transaction that read an older head could not write anyway).

The canonical form is the content as it reads back from either database: the moment in UTC with microseconds,
`changes` as its JSON value (keys sorted; integral floats as integers, numbers beyond 2**53 as floats, since
PostgreSQL's jsonb gives 1e20 back as an integer).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import connection

from sanluanwu.core.bulk import json_text

GENESIS = ""
# Arbitrary constant naming the audit chain's advisory lock on PostgreSQL ("slwaudit" in ASCII, 63 bits).
LOCK_KEY = 0x736C7761756469
TABLE = "audit_auditevent"
# The content columns, in the order they are hashed (attnames).
CONTENT = (
    "occurred_at", "actor_id", "actor_username", "actor_name", "org_unit_name", "action", "object_type",
    "object_id", "object_repr", "changes", "note", "request_id", "ip", "result",
)  # fmt: skip
_EXACT = 1 << 53


def _moment(value: Any) -> str:
    if isinstance(value, str):  # SQLite without converters
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:  # stored naive in UTC (SQLite)
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _number(value: Any) -> Any:
    if type(value) is float:
        if value.is_integer() and -_EXACT < value < _EXACT:
            return int(value)
        return value
    if type(value) is int and not -_EXACT < value < _EXACT:
        try:
            return float(value)
        except OverflowError:
            return str(value)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return _number(value)


def stored_json(value: Any) -> Any:
    """A `changes` value as it will read back (what json_text writes, parsed)."""
    return orjson.loads(json_text(value))


def content_bytes(row: Mapping[str, Any], *, changes_parsed: bool = False) -> bytes:
    values = [row.get(name) for name in CONTENT]
    values[0] = _moment(values[0])
    changes = values[9] if changes_parsed else stored_json(values[9] if values[9] is not None else {})
    values[9] = _plain(changes)
    values[1] = None if values[1] is None else int(values[1])
    return orjson.dumps(values, option=orjson.OPT_SORT_KEYS)


def read_back(values: Iterable[Any]) -> bytes:
    """The canonical content of a row read raw in CONTENT order (`changes` as JSON text or already parsed)."""
    content = dict(zip(CONTENT, values, strict=True))
    raw = content["changes"]
    content["changes"] = orjson.loads(raw) if isinstance(raw, str | bytes) else raw
    return content_bytes(content, changes_parsed=True)


def select_columns() -> str:
    """The columns read_back() takes, for a raw SELECT on this connection."""
    return ", ".join(CONTENT).replace("changes", "changes::text" if connection.vendor == "postgresql" else "changes")


def digest(prev_hash: str, content: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + content).hexdigest()


def seal(row: Mapping[str, Any], prev_hash: str) -> str:
    return digest(prev_hash, content_bytes(row))


def lock_head() -> str:
    """Serialise appends for the rest of the transaction and return the hash the next event chains onto."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit events are chained inside the transaction of the change")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        cursor.execute(f"SELECT hash FROM {TABLE} ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
    return row[0] if row else GENESIS


def chained(rows: Iterable[tuple[dict[str, Any], bytes]], prev: str) -> Iterator[dict[str, Any]]:
    """Rows of a bulk insert with their links, chained onto `prev` (the head from lock_head(), taken before the
    insert reserves its ids: the generator runs while COPY streams, when the connection can run nothing else).
    Each row comes with its content_bytes(), computed by the caller before it took the lock where it could."""
    for row, content in rows:
        row["prev_hash"] = prev
        row["hash"] = prev = digest(prev, content)
        yield row


def linked_texts(rows: Iterable[tuple[str, bytes]], prev: str) -> Iterator[str]:
    """chained() for rows made ahead as COPY text (core.bulk.row_texts, without the two link columns): each with
    its links appended, in chain order."""
    for text, content in rows:
        link = digest(prev, content)
        yield f"{text}\t{prev}\t{link}"
        prev = link


@dataclass
class Break:
    id: int | None  # None: the chain ends before an anchor (its tail is gone)
    kind: str  # "content" | "link" | "start" | "anchor" | "tail"
    message: str


@dataclass
class Verdict:
    count: int
    head: str
    broken: Break | None


def verify(*, chunk: int = 10_000, anchors: Iterable[tuple[int, str]] = ()) -> Verdict:
    """Walk the whole chain in id order (streaming) and return the first broken link, if any. `anchors`: (count,
    head) pairs recorded earlier outside the database (a backup's manifest, the head verify_audit printed): the chain
    must still hold each, event number `count` with that hash; a chain whose tail was cut (rows deleted from the end,
    which no link can show) ends before its anchor."""
    expected = dict(anchors)
    columns = f"id, {select_columns()}, prev_hash, hash"
    prev, prev_id, count = GENESIS, None, 0
    sql = f"SELECT {columns} FROM {TABLE} ORDER BY id"
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(chunk):
            for row in rows:
                event_id, prev_hash, stored = row[0], row[-2], row[-1]
                if prev_hash != prev:
                    if prev_id is None:
                        return Verdict(count, prev, Break(event_id, "start", (
                            f"审计链断裂：第一条记录（id={event_id}）之前有记录缺失（其前序哈希不是链首）")))  # fmt: skip
                    return Verdict(count, prev, Break(event_id, "link", (
                        f"审计链断裂：记录 id={event_id} 的前序哈希与上一条记录（id={prev_id}）的哈希不符，"
                        f"两者之间有记录被删除或插入，或上一条记录被改写")))  # fmt: skip
                if digest(prev_hash, read_back(row[1:-2])) != stored:
                    return Verdict(count, prev, Break(event_id, "content", (
                        f"审计链断裂：记录 id={event_id} 的内容与其哈希不符，该记录被篡改或伪造")))  # fmt: skip
                prev, prev_id = stored, event_id
                count += 1
                if count in expected and expected[count] != stored:
                    return Verdict(count, prev, Break(event_id, "anchor", (
                        f"审计链与锚点不符：第 {count} 条记录（id={event_id}）的哈希不是锚点记下的 {expected[count]}，"
                        f"此前的记录被整体改写或替换")))  # fmt: skip
    beyond = [n for n in expected if n > count]
    if beyond:
        return Verdict(count, prev, Break(None, "tail", (
            f"审计链比锚点短：锚点记下第 {min(beyond)} 条记录，现仅有 {count} 条，链尾的记录被删除")))  # fmt: skip
    return Verdict(count, prev, None)


def head() -> tuple[int, str]:
    """(number of events, hash of the last one) without verifying: for a backup's manifest."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        (count,) = cursor.fetchone()
        cursor.execute(f"SELECT hash FROM {TABLE} ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
    return int(count), row[0] if row else GENESIS
