"""record_event(): the one way an audit event is written, always inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction

from sanluanwu.audit import chain, memo
from sanluanwu.audit.actors import actor_unit_names
from sanluanwu.audit.context import client_ip_var, current_request_id
from sanluanwu.audit.models import AuditEvent
from sanluanwu.core import clock, pacing
from sanluanwu.core.bulk import insert_many, insert_texts, row_texts


def _plain(value: Any) -> Any:
    """JSON-safe rendering of a field value for the change log."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def diff_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value changed, as {field: [old, new]}."""

    def same(a: Any, b: Any) -> bool:
        # None and "" both mean "nothing" (a blank text field vs. an unset date).
        return (_plain(a) in (None, "") and _plain(b) in (None, "")) or _plain(a) == _plain(b)

    return {
        name: [_plain(before.get(name)), _plain(after.get(name))]
        for name in after
        if not same(before.get(name), after.get(name))
    }


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: _plain(getattr(instance, name)) for name in fields}


def record_event(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    changes: dict[str, list[Any]] | None = None,
    note: str = "",
    org_unit_name: str = "",
    result: str = "success",
    town_id: int | None = None,
    unit_ids: Iterable[int | None] = (),
) -> AuditEvent:
    """Append one audit event. Must run inside the transaction of the change it records.

    `town_id`: the one town whose rows the change touched, given only by a writer that knows no other town's rows
    changed (not a case moved between towns); it keeps other towns' remembered reads (audit.memo).
    `unit_ids`: for an event of a unit topic (audit.memo.register_unit_topic), the org units whose rows of the topic
    the change touched (a task's owner and coordinator); none: it may have touched any unit's."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event() must be called inside the transaction of the change")
    if town_id is not None and getattr(obj, "town_id", town_id) != town_id:
        raise RuntimeError(f"审计记录所写的镇（{town_id}）与对象所属的镇（{obj.town_id}）不符")  # type: ignore[attr-defined]
    # The event's topic (audit.memo): reads remembered under it are not used again in this process, even where the
    # change itself sent no post_save (a queryset update such as registry.services.set_stage).
    topic = memo.topic_of(action)
    units = frozenset(unit for unit in unit_ids if unit)
    if units and not memo.is_unit_topic(topic):
        raise RuntimeError(f"“{topic}”的审计记录不按单位记录，不应写明单位")
    memo.bump(topic, event=True, town_id=town_id, unit_ids=units)
    event = AuditEvent.objects.create(
        occurred_at=clock.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=getattr(actor, "username", "") or "system",
        actor_name=getattr(actor, "display_name", "") or "",
        org_unit_name=org_unit_name or actor_unit_names(actor),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        changes=changes or {},
        note=note,
        request_id=current_request_id(),
        ip=client_ip_var.get(),
        result=result,
        town_id=town_id,
    )
    memo.advance_units(topic, units, event.pk)
    return event


class BulkEvents:
    """Audit events of a bulk write (an import of 100,000 rows), shaped exactly as record_event() shapes one.

    The app that writes in bulk asks this for event rows instead of building them itself, so the audit app stays
    the one writer of audit semantics; `insert()` writes them by COPY (core.bulk) inside the caller's transaction.
    """

    # Events made before the append lock is taken (up to 8 KB of memory each until they are written, measured with a
    # dozen changed fields): all of an import of 10,000 new rows (an enterprise and a case each); a larger one makes
    # the rest under the lock.
    AHEAD = 20_000

    def __init__(self, *, actor: Any, note_prefix: str = ""):
        self.note_prefix = note_prefix
        self.base = {
            "occurred_at": clock.now(),
            "actor_id": actor.pk if getattr(actor, "pk", None) else None,
            "actor_username": getattr(actor, "username", "") or "system",
            "actor_name": getattr(actor, "display_name", "") or "",
            "org_unit_name": actor_unit_names(actor),
            "request_id": current_request_id(),
            "ip": client_ip_var.get(),
            "result": "success",
        }

    @property
    def at(self) -> Any:
        return self.base["occurred_at"]

    def event(
        self, action: str, model: type[models.Model], object_id: int, object_repr: str, changes: dict[str, Any],
        note: str = "",
    ) -> dict[str, Any]:  # fmt: skip
        """One event row (values as the AuditEvent columns store them; dates and decimals in `changes` are written as
        their text)."""
        return {**self.base, "action": action, "object_type": model._meta.label_lower, "object_id": str(object_id),
                "object_repr": object_repr[:300], "changes": changes,
                "note": f"{self.note_prefix}{note}"}  # fmt: skip

    @staticmethod
    def insert(rows: Iterable[dict[str, Any]], *, count: int) -> None:
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("audit events must be written inside the transaction of the change")
        # Chained onto the head under the append lock (ids are reserved after it, so id order is chain order). The
        # lock stops every other writer until this transaction commits: the rows and their canonical content (most
        # of the work) are made before it is taken, up to AHEAD of them; only the links and the COPY come after.
        topics: set[str] = set()

        def prepared(rows: Iterable[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], bytes]]:
            for row in rows:
                topics.add(memo.topic_of(row["action"]))
                yield row, chain.content_bytes(row)

        rest = prepared(rows)
        if connection.vendor == "postgresql":
            # On PostgreSQL each row's COPY text (all but its links) is made ahead too: under the lock, the niced job
            # worker only links and sends them (a 10,000-row import's 20,000 events: 0.85 s under the lock before).
            def texts(pairs: list[tuple[dict[str, Any], bytes]]) -> Iterator[tuple[str, bytes]]:
                made = row_texts(AuditEvent, (row for row, _content in pairs), last=("prev_hash", "hash"))
                return zip(made, (content for _row, content in pairs), strict=True)

            # Background work rests while it makes them (core.pacing), never once the lock is taken: `later` is
            # made from `rest` itself, unpaced.
            pace = pacing.current()
            ahead_texts = list(pace.paced(texts(list(itertools.islice(pace.paced(rest), BulkEvents.AHEAD)))))
            # The change's deferred foreign-key checks (a 10,000-row import: 0.2 s) run now, before the lock, not at
            # the commit while every audited writer waits (the constraints are deferred again after: Django's way).
            connection.check_constraints()
            later = (pair for batch in iter(lambda: list(itertools.islice(rest, 1000)), []) for pair in texts(batch))
            insert_texts(AuditEvent, chain.linked_texts(itertools.chain(ahead_texts, later), chain.lock_head()),
                         count=count)  # fmt: skip
        else:
            ahead = list(itertools.islice(rest, BulkEvents.AHEAD))
            insert_many(AuditEvent, chain.chained(itertools.chain(ahead, rest), chain.lock_head()), count=count)
        for topic in topics or {""}:
            memo.bump(topic, event=True)  # COPY sends no post_save; the events name no town and no unit
        if unit_topics := sorted(topic for topic in topics if memo.is_unit_topic(topic)):
            with connection.cursor() as cursor:  # the newest event, all of them written under the append lock
                cursor.execute("SELECT MAX(id) FROM audit_auditevent")
                newest = int(cursor.fetchone()[0])
            for topic in unit_topics:
                memo.advance_units(topic, frozenset(), newest)
