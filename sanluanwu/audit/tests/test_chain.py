"""The audit hash chain: every event carries the hash of the one before; verify_audit finds the first broken link."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import io
import itertools
import json
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from conftest import make_case
from sanluanwu.audit import chain
from sanluanwu.audit.models import AuditEvent
from sanluanwu.audit.services import BulkEvents, record_event
from sanluanwu.core import clock
from sanluanwu.registry.models import Enterprise

_0005 = importlib.import_module("sanluanwu.audit.migrations.0005_hash_chain")


def verify_audit() -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), err.getvalue()
    return 0, out.getvalue()


@contextlib.contextmanager
def triggers_lifted() -> Iterator[Any]:
    """What an attacker with the database file or the owner's password could do: rewrite rows behind the app."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update")
        else:
            for statement in _0005._SQLITE_DROP:
                cursor.execute(statement)
        yield cursor
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_update")
        else:
            for statement in _0005._SQLITE_TRIGGERS:
                cursor.execute(statement)


@pytest.fixture
def events(alice: Any, campaign: Any, district: Any) -> list[AuditEvent]:
    make_case(alice, district["hutang"])
    make_case(alice, district["hutang"], name="张三五金加工作坊")
    return list(AuditEvent.objects.order_by("id"))


def test_every_event_carries_the_hash_of_the_one_before(events):
    assert len(events) >= 4
    assert events[0].prev_hash == chain.GENESIS
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash and len(after.hash) == 64


def test_an_intact_chain_is_reported_with_its_length(events):
    code, text = verify_audit()
    assert code == 0 and text.startswith(f"审计链完整，共 {len(events)} 条\n链尾哈希 {events[-1].hash}，用时 ")


def test_bulk_events_are_chained_onto_the_head_with_values_as_the_database_gives_them_back(alice, events):
    bulk = BulkEvents(actor=alice, note_prefix="导入：")
    tricky = {"amount": [Decimal("1.50"), 2.0], "big": [1e20, 0.1], "day": [dt.date(2020, 7, 1), None], "z": '引号"\t',
              "lines": ["a\r\nb", "back\\slash \\N"]}  # fmt: skip
    with transaction.atomic():
        rows = [bulk.event("test.bulk", Enterprise, i, f"第{i}行\t\\N\n", tricky) for i in range(3)]
        BulkEvents.insert(rows, count=len(rows))
    new = list(AuditEvent.objects.filter(action="test.bulk").order_by("id"))
    assert new[0].prev_hash == events[-1].hash
    assert [e.prev_hash for e in new[1:]] == [e.hash for e in new[:-1]]
    assert new[1].object_repr == "第1行\t\\N\n" and new[1].changes["lines"] == ["a\r\nb", "back\\slash \\N"]
    code, text = verify_audit()
    assert code == 0 and f"共 {len(events) + 3} 条" in text


def test_bulk_events_are_made_before_the_append_lock_is_taken_up_to_the_limit(alice, events, monkeypatch):
    """The append lock stops every other writer until the import commits: the events' content, most of the work, is
    made before it (at a deadline, inspections saved meanwhile waited for a 10,000-row import's events)."""
    made: list[str] = []
    content_bytes, lock_head = chain.content_bytes, chain.lock_head
    monkeypatch.setattr(chain, "content_bytes", lambda row, **kw: made.append("content") or content_bytes(row, **kw))
    monkeypatch.setattr(chain, "lock_head", lambda: made.append("lock") or lock_head())
    monkeypatch.setattr(BulkEvents, "AHEAD", 3)
    from sanluanwu.audit import services as audit_services

    row_texts = audit_services.row_texts

    def texts(*args, **kwargs):  # type: ignore[no-untyped-def]
        for text in row_texts(*args, **kwargs):
            made.append("text")
            yield text

    monkeypatch.setattr(audit_services, "row_texts", texts)
    bulk = BulkEvents(actor=alice)
    with transaction.atomic():
        BulkEvents.insert((bulk.event("test.bulk", Enterprise, i, f"第{i}行", {}) for i in range(5)), count=5)
    if connection.vendor == "postgresql":  # the rows' COPY text too: under the lock only links are added and sent
        assert made == ["content"] * 3 + ["text"] * 3 + ["lock"] + ["content"] * 2 + ["text"] * 2
    else:
        assert made == ["content"] * 3 + ["lock"] + ["content"] * 2
    assert verify_audit()[0] == 0


def test_a_row_whose_content_was_changed_behind_the_app_is_found(events):
    target = events[2]
    with triggers_lifted() as cursor:
        cursor.execute("UPDATE audit_auditevent SET actor_username = 'mallory' WHERE id = %s", [target.pk])
    code, text = verify_audit()
    assert code == 1
    assert f"记录 id={target.pk} 的内容与其哈希不符" in text


def test_a_changed_row_whose_hash_was_recomputed_breaks_the_next_link(events):
    target = events[1]
    forged = {name: getattr(target, name) for name in chain.CONTENT} | {"note": "改过"}
    with triggers_lifted() as cursor:
        cursor.execute("UPDATE audit_auditevent SET note = '改过', hash = %s WHERE id = %s",
                       [chain.seal(forged, target.prev_hash), target.pk])  # fmt: skip
    code, text = verify_audit()
    assert code == 1 and f"记录 id={events[2].pk} 的前序哈希与上一条记录（id={target.pk}）的哈希不符" in text


def test_a_row_inserted_with_a_wrong_hash_is_found(alice, events):
    with triggers_lifted() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (occurred_at, actor_username, actor_name, org_unit_name, action, object_type,"
            " object_id, object_repr, changes, note, request_id, ip, result, prev_hash, hash)"
            " VALUES (%s, 'alice', '', '', 'registry.case.deleted', 'registry.case', '1', '', '{}', '', '', '', "
            "'success', %s, %s)",
            [events[-1].occurred_at, events[-1].hash, "0" * 64],
        )
    code, text = verify_audit()
    assert code == 1 and "内容与其哈希不符" in text


def test_a_row_deleted_from_the_middle_is_found(events):
    gone = events[2]
    with triggers_lifted() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [gone.pk])
    code, text = verify_audit()
    assert code == 1
    assert f"记录 id={events[3].pk} 的前序哈希与上一条记录（id={events[1].pk}）的哈希不符" in text
    assert "有记录被删除或插入" in text


def test_the_first_rows_deleted_are_found(events):
    with triggers_lifted() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[0].pk])
    code, text = verify_audit()
    assert code == 1 and f"第一条记录（id={events[1].pk}）之前有记录缺失" in text


def test_the_migration_chains_events_written_before_the_chain(events):
    with triggers_lifted() as cursor:
        cursor.execute("UPDATE audit_auditevent SET prev_hash = '', hash = ''")
    assert verify_audit()[0] == 1

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    _0005._chain_existing(None, editor)
    assert verify_audit()[0] == 0
    assert AuditEvent.objects.order_by("-id").first().hash == events[-1].hash  # type: ignore[union-attr]


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_chain_onto_the_same_predecessor(alice, purge_audit_after):
    """Eight threads each write 10 events at once; the chain stays one line (the append lock serialises them)."""
    from django.db import OperationalError

    barrier = threading.Barrier(8)
    failures: list[str] = []

    def write() -> None:
        try:
            barrier.wait()
            for _ in range(10):
                for attempt in range(1000):
                    try:
                        with transaction.atomic():
                            record_event(actor=alice, action="test.concurrent", obj=alice)
                        break
                    except OperationalError as exc:  # SQLite's in-memory test database: table locked; again
                        if attempt == 999:
                            failures.append(str(exc))
                        time.sleep(0.005)
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not failures
    assert AuditEvent.objects.filter(action="test.concurrent").count() == 80
    code, text = verify_audit()
    assert code == 0, text


def verify_audit_with(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), err.getvalue()
    return 0, out.getvalue()


def test_a_cut_tail_is_found_against_the_head_recorded_earlier(events, tmp_path):
    # The chain alone cannot show rows deleted from its end; the head verify_audit printed (or a backup's manifest
    # recorded) can: the chain must still hold that event with that hash.
    count, head = len(events), events[-1].hash
    assert verify_audit_with("--anchor", f"{count}:{head}")[1].startswith(f"审计链完整，共 {count} 条，与 1 个锚点相符")
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"audit": {"count": count, "head": head}}), encoding="utf-8")
    with triggers_lifted() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id >= %s", [events[-2].pk])
    assert verify_audit()[0] == 0  # what is left is a whole chain
    code, text = verify_audit_with("--anchor", f"{count}:{head}")
    assert code == 1 and f"锚点记下第 {count} 条记录，现仅有 {count - 2} 条，链尾的记录被删除" in text
    assert verify_audit_with("--manifest", str(tmp_path))[0] == 1  # the backup's directory names its manifest


def test_a_tail_rewritten_whole_is_found_against_its_anchor(events):
    # Rows rewritten from some event to the end with every hash recomputed make a whole chain, but not the one
    # anchored: the anchored event's hash differs.
    anchor = f"{len(events)}:{events[-1].hash}"
    last = events[-1]
    forged = {name: getattr(last, name) for name in chain.CONTENT} | {"note": "改写"}
    with triggers_lifted() as cursor:
        cursor.execute("UPDATE audit_auditevent SET note = '改写', hash = %s WHERE id = %s",
                       [chain.seal(forged, last.prev_hash), last.pk])  # fmt: skip
    code, _ = verify_audit()
    assert code == 0, "a rewritten last row with its hash recomputed is a whole chain"
    code, text = verify_audit_with("--anchor", anchor)
    assert code == 1 and f"第 {len(events)} 条记录（id={last.pk}）的哈希不是锚点记下的" in text


def test_an_anchor_that_is_no_anchor_is_refused_in_words(events):
    from django.core.management.base import CommandError

    for wrong in ("12", "0:" + "a" * 64, "x:" + "a" * 64, "3:ABC"):
        with pytest.raises(CommandError, match="格式应为 条数:哈希"):
            call_command("verify_audit", "--anchor", wrong)
    with pytest.raises(CommandError, match="无法读取备份清单"):
        call_command("verify_audit", "--manifest", "/nonexistent/manifest.json")


def test_a_bulk_append_checks_the_changes_foreign_keys_before_it_takes_the_chains_lock(db, alice, monkeypatch):
    """Every audited writer waits while an import holds the chain's lock: the import's deferred foreign-key checks
    (PostgreSQL runs them at the commit) run before the lock is taken, not while everyone waits."""
    from django.db import IntegrityError

    from sanluanwu.core.bulk import insert_many
    from sanluanwu.registry.models import Case, CaseStatusChange
    from sanluanwu.registry.services import status_change_values

    if connection.vendor != "postgresql":
        pytest.skip("SQLite checks each foreign key as the row is written; there is nothing deferred to move")
    taken: list[bool] = []
    original = chain.lock_head
    monkeypatch.setattr(chain, "lock_head", lambda: taken.append(True) or original())
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_many(CaseStatusChange, [status_change_values(case_id=987654321, from_status="listed", to_status="stopped",
                                                            actor=alice, action="stop", at=clock.now())])  # fmt: skip
        events = BulkEvents(actor=alice)
        BulkEvents.insert(
            (events.event("imports.case.created", Case, 987654321, "作坊", {}) for _ in range(2)), count=2
        )
    assert not taken  # refused before the lock; the chain is as it was
    assert AuditEvent.objects.filter(object_id="987654321").count() == 0
    with transaction.atomic():  # and a change whose keys hold appends as before
        BulkEvents.insert((BulkEvents(actor=alice).event("imports.case.created", Case, n, "作坊", {}) for n in (1, 2)),
                          count=2)  # fmt: skip
    assert taken == [True] and verify_audit()[0] == 0
