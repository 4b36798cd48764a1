"""Reads remembered until the next write (audit.memo): the list page, the API list, the banners and counts."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from conftest import make_case
from sanluanwu.audit import memo
from sanluanwu.audit.models import AuditEvent
from sanluanwu.core import clock


def _counter() -> tuple[list[int], Any]:
    calls = [0]

    def compute() -> int:
        calls[0] += 1
        return calls[0]

    return calls, compute


def test_a_read_is_remembered_until_the_audit_chain_moves(db, monkeypatch):
    heads = iter([7, 7, 8])
    monkeypatch.setattr(memo, "_read_heads", lambda topics: {memo.ALL: next(heads)})
    calls, compute = _counter()
    assert memo.remembered(("k",), compute) == 1
    assert memo.remembered(("k",), compute) == 1  # same head, same day: not read again
    assert memo.remembered(("k",), compute) == 2  # another process wrote (the head moved): read again
    assert calls[0] == 2


def test_a_read_is_not_remembered_past_midnight_or_its_age(db, monkeypatch, time_machine):
    monkeypatch.setattr(memo, "_read_heads", lambda topics: {memo.ALL: 7})
    time_machine.move_to(dt.datetime(2026, 3, 10, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
    calls, compute = _counter()
    memo.remembered(("k",), compute)
    time_machine.shift(dt.timedelta(minutes=2))
    memo.remembered(("k",), compute)
    assert calls[0] == 2  # 逾期 and counts of "today" change at midnight
    monkeypatch.setattr(memo, "MAX_AGE", 0.0)
    memo.remembered(("k",), compute)
    assert calls[0] == 3  # the safety net for a write nobody audited


def _in_thread(results: list[Any], key: str, compute: Any) -> threading.Thread:
    thread = threading.Thread(target=lambda: results.append(memo.remembered((key,), compute)))
    thread.start()
    return thread


class _Slow:
    """A read that takes until the test releases it, counting its calls."""

    def __init__(self, value: str) -> None:
        self.value, self.calls = value, 0
        self.started, self.release = threading.Event(), threading.Event()

    def __call__(self) -> str:
        self.calls += 1
        self.started.set()
        self.release.wait(5)
        return self.value


def test_threads_missing_the_same_read_at_once_read_it_once_and_share_it(db, monkeypatch):
    # At a deadline 32 clients miss the list together after a write: one reads it, the others wait for its answer.
    monkeypatch.setattr(memo, "data_version", lambda topics=(): ((7,), dt.date(2026, 3, 10)))
    slow = _Slow("list")
    started, release = slow.started, slow.release
    results: list[Any] = []
    first = _in_thread(results, "slow", slow)
    assert started.wait(5)
    others = [_in_thread(results, "slow", slow) for _ in range(5)]
    time.sleep(0.1)
    release.set()
    for thread in (first, *others):
        thread.join(5)
    assert results == ["list"] * 6 and slow.calls == 1


def test_when_only_the_age_ran_out_one_thread_reads_again_and_the_others_keep_the_value(db, monkeypatch):
    monkeypatch.setattr(memo, "data_version", lambda topics=(): ((7,), dt.date(2026, 3, 10)))
    assert memo.remembered(("aged",), lambda: "old") == "old"
    monkeypatch.setattr(memo, "MAX_AGE", 0.0)  # the safety net ran out; no write happened
    slow = _Slow("new")
    started, release = slow.started, slow.release
    results: list[Any] = []
    first = _in_thread(results, "aged", slow)
    assert started.wait(5)
    assert memo.remembered(("aged",), lambda: "read again beside it") == "old"
    release.set()
    first.join(5)
    assert results == ["new"]


def test_a_save_in_this_process_is_seen_at_once_even_before_its_event_commits(db, monkeypatch, office, campaign):
    monkeypatch.setattr(memo, "_read_heads", lambda topics: {memo.ALL: 7})  # the head does not move
    calls, compute = _counter()
    memo.remembered(("k",), compute)
    office.first_name = "改名"
    office.save()
    memo.remembered(("k",), compute)
    assert calls[0] == 2


def test_a_sessions_activity_written_once_a_minute_does_not_forget_what_was_read(db, monkeypatch):
    from django.contrib.sessions.backends.db import SessionStore

    monkeypatch.setattr(memo, "_read_heads", lambda topics: {memo.ALL: 7})
    calls, compute = _counter()
    memo.remembered(("k",), compute)
    session = SessionStore()
    session["last_activity"] = 1
    session.save()
    memo.remembered(("k",), compute)
    assert calls[0] == 1


def test_nothing_is_remembered_inside_a_writes_transaction_or_when_switched_off(db, settings):
    calls, compute = _counter()
    with transaction.atomic():
        memo.remembered(("k",), compute)
        memo.remembered(("k",), compute)
    assert calls[0] == 2
    settings.REMEMBER_READS = False
    memo.remembered(("k",), compute)
    memo.remembered(("k",), compute)
    assert calls[0] == 4


def _as_if_written_by_another_process(write: Any) -> None:
    """Run `write` and forget this process's own write counter: only the audit chain's head tells the change."""
    before = dict(memo._writes)
    write()
    memo._writes.clear()
    memo._writes.update(before)


def test_the_list_page_and_the_api_show_a_case_another_process_listed(client, alice, campaign, district):
    make_case(alice, district["hutang"], name="张三塑料造粒作坊")
    client.force_login(alice)
    api = APIClient()
    api.force_authenticate(alice)
    assert "张三塑料造粒作坊" in client.get("/cases/").content.decode()
    assert [r["enterprise"]["name"] for r in api.get("/api/v1/cases/").json()["results"]] == ["张三塑料造粒作坊"]
    assert "共 1 条" in client.get("/cases/").content.decode()
    _as_if_written_by_another_process(lambda: make_case(alice, district["hutang"], name="李四木材加工作坊",
                                                        legal_person="李四", coordinates="119.9700, 31.7300"))  # fmt: skip
    html = client.get("/cases/").content.decode()
    assert "李四木材加工作坊" in html and "共 2 条" in html
    assert len(api.get("/api/v1/cases/").json()["results"]) == 2


def test_a_remembered_list_is_never_shown_to_another_towns_user(client, alice, bob, hutang_case, niutang_case):
    client.force_login(alice)
    mine = client.get("/cases/").content.decode()
    assert hutang_case.enterprise.name in mine and niutang_case.enterprise.name not in mine
    client.force_login(bob)
    theirs = client.get("/cases/").content.decode()
    assert niutang_case.enterprise.name in theirs and hutang_case.enterprise.name not in theirs
    api = APIClient()
    api.force_authenticate(bob)
    assert [r["id"] for r in api.get("/api/v1/cases/").json()["results"]] == [niutang_case.pk]


def test_the_towns_work_banner_counts_a_case_another_process_listed(client, alice, hutang_case, district):
    client.force_login(alice)
    assert "<b>1</b>待登记停产" in client.get("/cases/").content.decode()
    _as_if_written_by_another_process(lambda: make_case(alice, district["hutang"], name="李四木材加工作坊",
                                                        legal_person="李四", coordinates="119.9700, 31.7300"))  # fmt: skip
    assert "<b>2</b>待登记停产" in client.get("/cases/").content.decode()


def test_the_campaign_banner_shows_a_moved_deadline_at_once(client, office, campaign):
    from sanluanwu.reporting.queries import next_due, periods_of
    from sanluanwu.reporting.services import move_due_date, sync_periods

    sync_periods(campaign=campaign)
    client.force_login(office)
    period = next_due(campaign)
    if period is None:
        period = periods_of(campaign).order_by("due_on").last()
    assert period is not None
    client.get("/cases/")
    new_due = max(period.due_on, clock.today()) + dt.timedelta(days=3)
    _as_if_written_by_another_process(lambda: move_due_date(actor=office, period=period, due_on=new_due,
                                                            reason="节假日顺延"))  # fmt: skip
    html = client.get("/cases/").content.decode()
    assert f"{new_due.month}月{new_due.day}日" in html


def test_a_read_of_a_topic_outlives_other_apps_writes_but_not_its_own(db, alice, district, campaign):
    from sanluanwu.accounts.scope import OperatorActor
    from sanluanwu.accounts.services import add_membership

    calls, compute = _counter()
    memo.remembered(("k",), compute, topics=("accounts",))
    _as_if_written_by_another_process(lambda: make_case(alice, district["hutang"], name="张三塑料造粒作坊"))
    memo.remembered(("k",), compute, topics=("accounts",))
    assert calls[0] == 1  # a case (registry) cannot change a read of accounts' rows
    memo.remembered(("k",), compute)
    assert calls[0] == 2  # the same key without topics follows the whole chain
    _as_if_written_by_another_process(lambda: add_membership(actor=OperatorActor("测试"), user=alice,
                                                             org_unit=district["niutang"], role="town_manager"))  # fmt: skip
    memo.remembered(("k",), compute, topics=("accounts",))
    assert calls[0] == 3  # another process granted a role (an accounts event): read again
    alice.full_name = "改名"
    alice.save()  # this process's own write of an accounts model, before any event
    memo.remembered(("k",), compute, topics=("accounts",))
    assert calls[0] == 4


def test_a_role_granted_or_sessions_ended_in_another_process_count_on_the_next_request(
    client, alice, district, hutang_case, niutang_case
):
    from sanluanwu.accounts.scope import OperatorActor
    from sanluanwu.accounts.services import add_membership, save_user
    from sanluanwu.accounts.sessions import log_out_everywhere

    client.force_login(alice)
    html = client.get("/cases/").content.decode()
    assert hutang_case.enterprise.name in html and niutang_case.enterprise.name not in html
    assert client.get("/cases/").status_code == 200  # her row and scope are remembered now
    _as_if_written_by_another_process(lambda: add_membership(actor=OperatorActor("测试"), user=alice,
                                                             org_unit=district["niutang"], role="town_manager"))  # fmt: skip
    assert niutang_case.enterprise.name in client.get("/cases/").content.decode()

    def deactivate() -> None:
        alice.is_active = False
        save_user(actor=OperatorActor("测试"), user=alice)

    _as_if_written_by_another_process(deactivate)
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    alice.is_active = True
    save_user(actor=OperatorActor("测试"), user=alice)
    client.force_login(alice)
    assert client.get("/cases/").status_code == 200
    _as_if_written_by_another_process(lambda: log_out_everywhere(actor=alice))
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def _plan_and_row(sql: str, params: list[Any], *, analyze: bool = True) -> tuple[str, Any]:
    """The plan of a heads query, with fresh statistics (or those taken earlier), and its one row."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if analyze:
                cursor.execute("ANALYZE audit_auditevent")  # the statistics that made the planner walk the primary key
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = "\n".join(str(row) for row in cursor.fetchall())
        cursor.execute(sql, params)
        return plan, cursor.fetchone()


def test_a_topics_head_is_one_probe_of_the_expression_index_even_behind_an_import(db, alice, hutang_case):

    from sanluanwu.audit.services import BulkEvents

    with transaction.atomic():  # 3,000 registry events, then 3,000 newer events of another topic (an import's)
        events = BulkEvents(actor=alice)
        for action in ("registry.case.updated", "imports.case.created"):
            BulkEvents.insert((events.event(action, type(hutang_case), n, f"作坊{n}", {}) for n in range(3000)),
                              count=3000)  # fmt: skip
    registry_head = AuditEvent.objects.filter(action__startswith="registry.").order_by("-id").first()
    sql, params = memo.heads_sql(["accounts", "registry"]), memo.heads_params(["accounts", "registry"])
    plan, heads = _plan_and_row(sql, params)
    assert "audit_event_topic_head" in plan and "Filter" not in plan, plan
    assert heads[0] == AuditEvent.objects.order_by("-id").first().pk
    assert heads[1] is None and registry_head is not None and heads[2] == registry_head.pk


@pytest.mark.parametrize("statistics", ["fresh", "taken before the imports"])
def test_a_towns_head_is_one_probe_of_the_town_index_even_behind_other_towns_events(db, alice, hutang_case,
                                                                                     statistics):  # fmt: skip
    from django.db import connection

    from sanluanwu.audit.services import BulkEvents, record_event

    if connection.vendor == "postgresql" and statistics != "fresh":
        with connection.cursor() as cursor:  # a young database: a few events known, then the first imports
            cursor.execute("ANALYZE audit_auditevent")
    with transaction.atomic():  # 3,000 untowned events, then events of the case's town, then 3,000 of another topic
        BulkEvents.insert((BulkEvents(actor=alice).event("registry.case.updated", type(hutang_case), n, f"作坊{n}", {})
                           for n in range(3000)), count=3000)  # fmt: skip
        own = record_event(actor=alice, action="remediation.task.done", obj=hutang_case, town_id=hutang_case.town_id)
        BulkEvents.insert((BulkEvents(actor=alice).event("imports.case.created", type(hutang_case), n, f"作坊{n}", {})
                           for n in range(3000)), count=3000)  # fmt: skip
    keys = [("remediation", hutang_case.town_id), ("remediation", None), ("registry", hutang_case.town_id),
            ("registry", None)]  # fmt: skip
    sql, params = memo.town_heads_sql(keys), memo.town_heads_params(keys)
    plan, heads = _plan_and_row(sql, params, analyze=statistics == "fresh")
    assert "audit_event_town_head" in plan and "Filter" not in plan and "Sort" not in plan, plan
    newest_untowned = AuditEvent.objects.filter(action__startswith="registry.").order_by("-id").first()
    created = AuditEvent.objects.get(action="registry.case.created", object_id=str(hutang_case.pk))  # names its town
    assert heads == (own.pk, None, created.pk, newest_untowned.pk)


def test_an_event_naming_a_town_other_than_its_objects_is_refused(db, alice, hutang_case, district):
    from sanluanwu.audit.services import record_event

    with transaction.atomic():
        try:
            record_event(actor=alice, action="registry.case.updated", obj=hutang_case, town_id=district["niutang"].pk)
        except RuntimeError as exc:
            assert "不符" in str(exc)
        else:
            raise AssertionError("an event naming another town was written")


def test_a_town_read_follows_its_towns_events_and_untowned_ones_but_not_other_towns(db, alice, hutang_case, district):
    from sanluanwu.audit.services import record_event

    _calls, compute = _counter()
    hutang, niutang = frozenset({hutang_case.town_id}), district["niutang"].pk

    def read() -> int:
        return memo.remembered(("k",), compute, topics=("registry",), towns=hutang, rows_of=("registry",))

    def event(town_id: int | None, action: str = "registry.case.updated") -> None:
        obj = hutang_case if town_id in (None, hutang_case.town_id) else district["niutang"]
        _as_if_written_by_another_process(lambda: _record(record_event, alice, action, obj, town_id))

    assert read() == 1
    event(niutang)  # another town's case written (the object's town is what is named)
    assert read() == 1
    event(None, "lookback.inspection.saved")  # another topic
    assert read() == 1
    event(hutang_case.town_id)
    assert read() == 2
    event(None)  # a write naming no town may be any town's
    assert read() == 3
    memo.bump("remediation")  # a model of an app the read is not made of, saved in this process
    assert read() == 3
    memo.bump("registry")  # a case saved in this process without its event (yet)
    assert read() == 4


def test_an_export_a_download_or_a_reveal_changes_no_row_and_keeps_every_towns_remembered_list(
    db, alice, office, hutang_case, district
):  # fmt: skip
    """Each export used to move the "registry" head: every town's case list was read from the database again at its
    next request, district-wide, each time any town downloaded its 附件2 (five at once at a deadline)."""
    from sanluanwu.audit.services import record_event
    from sanluanwu.registry import services

    _calls, compute = _counter()
    hutang = frozenset({hutang_case.town_id})

    def read() -> int:
        return memo.remembered(("k",), compute, topics=("registry",), towns=hutang, rows_of=("registry",))

    def elsewhere(write: Any) -> None:
        _as_if_written_by_another_process(write)

    assert read() == 1
    elsewhere(lambda: services.record_export(actor=office, kind="附件2", filename="a.xlsx", sha256="0" * 64, rows=3))
    for action in ("registry.export.refused", "registry.enterprise.revealed", "imports.batch.downloaded",
                   "lookback.inspection.revealed", "reporting.report.revealed"):  # fmt: skip
        elsewhere(lambda action=action: _record(record_event, alice, action, hutang_case, None))
    assert read() == 1
    assert {e.action for e in AuditEvent.objects.all()} >= {"registry.export.created", "registry.export.refused"}
    elsewhere(lambda: _record(record_event, alice, "registry.case.updated", hutang_case, None))  # a change
    assert read() == 2
    assert [memo.topic_of(a) for a in ("registry.export.unmasked", "registry.case.updated", "accounts.login.failed")
            ] == [memo.READING, "registry", "accounts"]  # fmt: skip


def _actions_in_the_code() -> set[str]:
    """Every string of the code shaped like an action ("app.thing.done"): the actions it writes literally, and more."""
    import re
    from pathlib import Path

    root = Path(memo.__file__).resolve().parents[1]
    found = set()
    for path in root.rglob("*.py"):
        if "tests" not in path.parts:
            found |= set(re.findall(r'"([a-z_]+\.[a-z_]+\.[a-z_.]+)"', path.read_text(encoding="utf-8")))
    return found


def test_the_database_computes_each_events_topic_as_topic_of_does(db, alice, hutang_case):
    """The heads are read from the events' topic column, which the database computes (migration 0011); the write
    counters of this process from topic_of(). Both must name the same topic for every action."""
    from sanluanwu.audit.services import BulkEvents

    actions = _actions_in_the_code()
    assert len(actions) > 50 and "registry.export.created" in actions and "imports.batch.downloaded" in actions
    actions |= {"registry.enterprise.revealed", "lookback.inspection.revealed", "registry.export.unmasked",
                "accounts.user.downloaded_x", "x.y", "registry.exported.case"}  # fmt: skip
    ordered = sorted(actions)
    with transaction.atomic():
        events = BulkEvents(actor=alice)
        BulkEvents.insert((events.event(a, type(hutang_case), n, a, {}) for n, a in enumerate(ordered)),
                          count=len(ordered))  # fmt: skip
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT action, topic FROM audit_auditevent WHERE object_repr = action")
        stored = dict(cursor.fetchall())
    assert stored == {a: memo.topic_of(a) for a in ordered}
    assert stored["imports.batch.downloaded"] == stored["registry.export.refused"] == memo.READING
    assert stored["registry.exported.case"] == "registry" and stored["accounts.user.downloaded_x"] == "accounts"


def _record(record_event, actor, action, obj, town_id) -> None:
    with transaction.atomic():
        record_event(actor=actor, action=action, obj=obj, town_id=town_id)


def test_a_read_made_inside_another_follows_the_enclosing_reads_towns_not_the_whole_chain(
    db, alice, hutang_case, district
):
    from sanluanwu.audit.services import record_event

    count_calls, count = _counter()
    hutang = frozenset({hutang_case.town_id})

    def page(key: str) -> int:
        # A town's list page (its own key per sort or page) whose count is remembered without topics of its own.
        return memo.remembered(("page", key), lambda: memo.remembered(("count",), count), topics=("registry",),
                               towns=hutang, rows_of=("registry",))  # fmt: skip

    def event(town_id: int | None, action: str = "registry.case.updated") -> None:
        obj = hutang_case if town_id in (None, hutang_case.town_id) else district["niutang"]
        _as_if_written_by_another_process(lambda: _record(record_event, alice, action, obj, town_id))

    assert page("newest first") == 1
    event(district["niutang"].pk)  # another town's case, and an inspection anywhere: the whole chain moved twice
    event(None, "lookback.inspection.saved")
    assert page("oldest first") == 1  # another page of the same list: its count is still 湖塘镇's
    event(hutang_case.town_id)
    assert page("by name") == 2  # a case of the town written: counted again
    assert memo.remembered(("count",), count) == 3  # outside any read: under the whole chain, as before
    assert count_calls[0] == 3


def test_a_unit_read_follows_its_units_events_and_unnamed_ones_but_not_other_units(db, alice, hutang_case, district):
    # A unit topic's events name the units whose rows they changed (a task's owner and coordinator), in every process.
    from sanluanwu.audit.services import BulkEvents, record_event

    assert memo.is_unit_topic("remediation")  # registered by the remediation app
    _calls, compute = _counter()
    power, water, fgj = district["gongdian"].pk, district["shuiwu"].pk, district["fgj"].pk

    def read() -> int:
        return memo.remembered(("k",), compute, topics=("registry", "remediation"), units=frozenset({power}))

    def event(units: tuple[int, ...], action: str = "remediation.task.done") -> None:
        def write() -> None:
            with transaction.atomic():
                record_event(actor=alice, action=action, obj=hutang_case, unit_ids=units)

        _as_if_written_by_another_process(write)

    assert read() == 1
    event((water,))  # another unit's task
    event((), "lookback.inspection.saved")  # another topic
    assert read() == 1
    event((water, power))  # a task the unit coordinates
    assert read() == 2
    event((fgj,))
    assert read() == 2
    event(())  # an event of the topic naming no unit may be any unit's
    assert read() == 3
    event((), "registry.case.updated")  # the read's other topics count as a whole
    assert read() == 4
    with transaction.atomic():  # a bulk write of the topic names no unit
        BulkEvents.insert([BulkEvents(actor=alice).event("remediation.task.done", type(hutang_case), 1, "作坊", {})],
                          count=1)  # fmt: skip
    memo._writes.clear()  # as another process sees it: by the heads alone
    assert read() == 5
    memo.bump("remediation", event=True, unit_ids=frozenset({water}))  # in this process: by its counters
    assert read() == 5
    memo.bump("remediation", event=True, unit_ids=frozenset({power}))
    assert read() == 6


def test_only_a_unit_topics_events_name_units_and_a_read_is_per_town_or_per_unit(db, alice, hutang_case, district):
    from sanluanwu.audit.services import record_event

    with transaction.atomic(), pytest.raises(RuntimeError, match="不按单位记录"):
        record_event(actor=alice, action="registry.case.updated", obj=hutang_case, unit_ids=[district["gongdian"].pk])
    with pytest.raises(ValueError):
        memo.remembered(("k",), lambda: 1, topics=("remediation",), towns=frozenset({1}), units=frozenset({2}))


def _refreshed_in_thread(results: list[Any], compute: Any, every: float = 120.0) -> threading.Thread:
    thread = threading.Thread(target=lambda: results.append(memo.refreshed(("figure",), compute, every=every)))
    thread.start()
    return thread


def test_a_figure_refreshed_every_two_minutes_is_read_once_by_threads_asking_at_once(db):
    # The office's overdue figures: 16 threads of the office's clients asking at once made 16 counts of a million cases.
    slow = _Slow(("late", 3))
    results: list[Any] = []
    first = _refreshed_in_thread(results, slow)
    assert slow.started.wait(5)
    others = [_refreshed_in_thread(results, slow) for _ in range(5)]
    time.sleep(0.1)
    slow.release.set()
    for thread in (first, *others):
        thread.join(5)
    assert results == [("late", 3)] * 6 and slow.calls == 1
    assert memo.refreshed(("figure",), lambda: "counted again", every=120.0) == ("late", 3)  # not yet two minutes


def test_an_aged_figure_is_read_again_by_one_thread_while_the_others_show_the_previous_one(db):
    assert memo.refreshed(("figure",), lambda: "old", every=120.0) == "old"
    slow = _Slow("new")
    results: list[Any] = []
    first = _refreshed_in_thread(results, slow, every=0.0)  # older than its age: read again
    assert slow.started.wait(5)
    assert memo.refreshed(("figure",), lambda: "read again beside it", every=0.0) == "old"  # no wait, no second count
    slow.release.set()
    first.join(5)
    assert results == ["new"] and memo.refreshed(("figure",), lambda: "x", every=120.0) == "new"


def test_a_refreshed_figure_is_read_again_the_next_day_and_inside_a_write(db, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 10, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
    _calls, compute = _counter()
    assert memo.refreshed(("figure",), compute, every=120.0) == 1
    time_machine.shift(dt.timedelta(minutes=1))  # past midnight: 逾期 counts change with the day
    assert memo.refreshed(("figure",), compute, every=120.0) == 2
    with transaction.atomic():
        assert memo.refreshed(("figure",), compute, every=120.0) == 3  # the write's own rows, not a stored figure
    assert memo.refreshed(("figure",), compute, every=120.0) == 2
