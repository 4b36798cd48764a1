"""Case lists remembered until the next write of cases (audit.memo topics, registry.visibility.case_topics): a task
done elsewhere writes the case's stage under a remediation event, and the lists show it on their next read."""

from __future__ import annotations

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sanluanwu.audit.services import record_event
from sanluanwu.audit.tests.test_memo import _as_if_written_by_another_process
from sanluanwu.core import clock
from sanluanwu.demo.walk import site_photo, walk
from sanluanwu.remediation import services


def test_the_town_list_shows_a_task_another_process_completed_on_its_next_read(client, parties, case, walt, alice):
    case = walk(case, "confirmed", parties)
    client.force_login(alice)
    assert "两断三清进行中（0/5）" in client.get("/cases/").content.decode()
    api_before = client.get("/api/v1/cases/").json()["results"][0]
    water = case.tasks.get(kind__code="water_cut")
    _as_if_written_by_another_process(lambda: services.complete_task(
        actor=walt, task=water, acted_on=clock.today(), note="已断水", account_no="3204100001", final_reading="123.45",
        photos=[services.Upload(site_photo(case, seed=2), "断水.jpg")]))  # fmt: skip
    assert "两断三清进行中（1/5）" in client.get("/cases/").content.decode()
    api_after = client.get("/api/v1/cases/").json()["results"][0]
    assert "0/5" in api_before["progress_text"] and "1/5" in api_after["progress_text"]


def test_an_inspection_saved_elsewhere_leaves_a_remembered_case_list_alone(client, alice, hutang_case):
    client.force_login(alice)
    first = client.get("/cases/").content.decode()

    def inspection_saved() -> None:  # what a look-back save writes, as far as cases are concerned: its event
        with transaction.atomic():
            record_event(actor=alice, action="lookback.inspection.saved", obj=hutang_case, note="草稿")

    _as_if_written_by_another_process(inspection_saved)
    with CaptureQueriesContext(connection) as read:
        again = client.get("/cases/").content.decode()
    assert not [q["sql"] for q in read.captured_queries if "registry_case" in q["sql"]]
    assert hutang_case.enterprise.name in again and again.count("<tr") == first.count("<tr")
    # The same save under a case topic is read again.
    _as_if_written_by_another_process(lambda: record_event_in_registry(alice, hutang_case))
    with CaptureQueriesContext(connection) as read:
        client.get("/cases/")
    assert [q["sql"] for q in read.captured_queries if "registry_case" in q["sql"]]


def record_event_in_registry(actor, case) -> None:
    with transaction.atomic():
        record_event(actor=actor, action="registry.case.updated", obj=case, note="另一进程的修改")


def test_a_utilitys_remembered_task_list_follows_a_task_done_elsewhere_and_a_bad_filter_spoils_nothing(
    client, parties, case, walt
):
    case = walk(case, "confirmed", parties)
    client.force_login(walt)
    assert "共 1 项" in client.get("/remediation/tasks/").content.decode()
    water = case.tasks.get(kind__code="water_cut")
    _as_if_written_by_another_process(lambda: services.complete_task(
        actor=walt, task=water, acted_on=clock.today(), note="已断水", account_no="3204100001", final_reading="123.45",
        photos=[services.Upload(site_photo(case, seed=3), "断水.jpg")]))  # fmt: skip
    assert "共 0 项" in client.get("/remediation/tasks/").content.decode()
    bad = client.get("/remediation/tasks/?state=bogus")
    assert bad.status_code == 400 and "共 0 项" in bad.content.decode()
    every = client.get("/remediation/tasks/?state=").content.decode()
    assert "共 1 项" in every and case.enterprise.name in every


def test_a_task_done_on_another_towns_case_keeps_a_town_list_and_reads_the_own_towns_again(
    parties, case, walt, uma, alice, bob, niutang_case, office
):
    # At a deadline utilities complete a task every second or two: only the lists of the case's own town (and the
    # district's) are read again; 牛塘镇's stays remembered, in this process and in the others.
    case = walk(case, "confirmed", parties)
    water, power = case.tasks.get(kind__code="water_cut"), case.tasks.get(kind__code="power_cut")
    clients = {user: Client() for user in (bob, alice, office)}
    for user, browser in clients.items():
        browser.force_login(user)  # a login writes the user's row (a write of accounts): all before the first reads
    for browser in clients.values():
        browser.get("/cases/")
    _as_if_written_by_another_process(lambda: services.complete_task(
        actor=walt, task=water, acted_on=clock.today(), note="已断水", account_no="3204100001", final_reading="123.45",
        photos=[services.Upload(site_photo(case, seed=4), "断水.jpg")]))  # fmt: skip
    with CaptureQueriesContext(connection) as read:
        kept = clients[bob].get("/cases/").content.decode()
    assert not [q["sql"] for q in read.captured_queries if "registry_case" in q["sql"]]
    assert niutang_case.enterprise.name in kept
    services.complete_task(actor=uma, task=power, acted_on=clock.today(), note="已断电", account_no="1",
                           final_reading="1", photos=[services.Upload(site_photo(case, seed=5), "断电.jpg")])  # fmt: skip
    with CaptureQueriesContext(connection) as read:
        clients[bob].get("/cases/")
    assert not [q["sql"] for q in read.captured_queries if "registry_case" in q["sql"]]  # written in this process
    for user in (alice, office):  # the case's own town and the district read theirs again
        assert "两断三清进行中（2/5）" in clients[user].get("/cases/").content.decode()
    assert "2/5" in clients[alice].get("/api/v1/cases/").json()["results"][0]["progress_text"]


def test_a_write_of_the_own_town_that_names_no_town_still_reads_the_list_again(client, bob, niutang_case):
    client.force_login(bob)
    client.get("/cases/")
    _as_if_written_by_another_process(lambda: record_event_in_registry(bob, niutang_case))
    with CaptureQueriesContext(connection) as read:
        client.get("/cases/")
    assert [q["sql"] for q in read.captured_queries if "registry_case" in q["sql"]]


def test_the_case_pages_work_is_read_once_between_writes_of_its_town_and_shows_a_task_done_elsewhere(
    client, parties, case, walt, alice, bob, district, monkeypatch
):
    from conftest import make_case
    from sanluanwu.remediation import queries

    case = walk(case, "confirmed", parties)
    other_town = make_case(bob, district["niutang"], name="王五木材加工作坊", legal_person="王五")
    reads: list[int] = []
    record = queries._case_record
    monkeypatch.setattr(queries, "_case_record", lambda c: reads.append(c.pk) or record(c))
    client.force_login(alice)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "已断水" not in page and reads == [case.pk]
    client.get(f"/cases/{case.pk}/")
    assert reads == [case.pk]  # read again with nothing written: remembered
    _as_if_written_by_another_process(lambda: services.record_stop(
        actor=bob, case=other_town, stopped_on=clock.today(), ordered_by=other_town.town,
        photos=[services.Upload(site_photo(other_town, seed=3), "停产.jpg")]))  # fmt: skip
    client.get(f"/cases/{case.pk}/")
    assert reads == [case.pk]  # another town's work: this case's record cannot have changed
    water = case.tasks.get(kind__code="water_cut")
    _as_if_written_by_another_process(lambda: services.complete_task(
        actor=walt, task=water, acted_on=clock.today(), note="已断水", account_no="3204100001", final_reading="123.45",
        photos=[services.Upload(site_photo(case, seed=2), "断水.jpg")]))  # fmt: skip
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "已断水" in page and reads == [case.pk, case.pk]  # the town's own work, done by another process


def _task_rows_read(browser: Client) -> tuple[list[str], str]:
    with CaptureQueriesContext(connection) as read:
        html = browser.get("/remediation/tasks/").content.decode()
    return [q["sql"] for q in read.captured_queries if '"remediation_task"' in q["sql"]], html


def test_a_units_task_list_outlives_another_units_task_done_and_is_read_again_for_its_own(
    parties, case, walt, uma, district
):
    # At a deadline the utilities complete a task every second or two: 供电公司's list, and that of 发改局 who
    # coordinates its power cut, stay remembered while 水务公司 cuts the water, in the other processes too.
    from conftest import make_user

    case = walk(case, "confirmed", parties)
    fred = make_user("fred", "department_staff", district["fgj"])
    water, power = case.tasks.get(kind__code="water_cut"), case.tasks.get(kind__code="power_cut")
    browsers = {user: Client() for user in (uma, fred, walt)}
    for user, browser in browsers.items():
        browser.force_login(user)  # a login writes the user's row (a write of accounts): all before the first reads
    for browser in browsers.values():
        assert "共 1 项" in browser.get("/remediation/tasks/").content.decode()
    _as_if_written_by_another_process(lambda: services.complete_task(
        actor=walt, task=water, acted_on=clock.today(), note="已断水", account_no="3204100001", final_reading="123.45",
        photos=[services.Upload(site_photo(case, seed=6), "断水.jpg")]))  # fmt: skip
    for user in (uma, fred):
        reads, html = _task_rows_read(browsers[user])
        assert not reads and "共 1 项" in html and "断电" in html
    reads, html = _task_rows_read(browsers[walt])
    assert reads and "共 0 项" in html
    _as_if_written_by_another_process(lambda: services.complete_task(
        actor=uma, task=power, acted_on=clock.today(), note="已断电", account_no="1", final_reading="1",
        photos=[services.Upload(site_photo(case, seed=7), "断电.jpg")]))  # fmt: skip
    for user in (uma, fred):  # the owner's list and the coordinator's
        reads, html = _task_rows_read(browsers[user])
        assert reads and "共 0 项" in html
    assert "共 1 项" in browsers[uma].get("/remediation/tasks/?state=done").content.decode()


def test_a_task_kind_changed_in_the_admin_is_audited_and_read_again_in_every_units_list(
    parties, case, walt, uma, sysadmin
):
    case = walk(case, "confirmed", parties)
    browsers = {user: Client() for user in (uma, walt)}
    for user, browser in browsers.items():
        browser.force_login(user)
    for browser in browsers.values():
        browser.get("/remediation/tasks/")
    power = case.tasks.get(kind__code="power_cut").kind
    admin = Client()
    admin.force_login(sysadmin)
    fields = {name: getattr(power, name) for name in services.TASK_KIND_AUDITED if not name.endswith("_id")}
    form = {**{k: ("on" if v is True else v) for k, v in fields.items() if v is not False},
            "owner_unit": power.owner_unit_id, "coordinator_unit": power.coordinator_unit_id or "",
            "label": "断开供电"}  # fmt: skip
    answer = admin.post(f"/admin/remediation/taskkind/{power.pk}/change/", form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    from sanluanwu.audit.models import AuditEvent

    event = AuditEvent.objects.get(action="remediation.task_kind.updated")
    assert event.changes == {"label": ["断电", "断开供电"]} and event.actor == sysadmin
    # A kind names no unit: every unit's list shows the new label on its next read, in this process and the others.
    reads, html = _task_rows_read(browsers[uma])
    assert reads and "断开供电" in html
    reads, _html = _task_rows_read(browsers[walt])
    assert reads


def test_only_an_admin_with_the_permission_changes_a_task_kind(parties, uma, case):
    import pytest

    from sanluanwu.core.errors import PermissionDenied
    from sanluanwu.remediation.models import TaskKind

    kind = TaskKind.objects.get(code="power_cut")
    kind.due_days = 1
    with pytest.raises(PermissionDenied, match="您无权修改任务类型"):
        services.save_task_kind(actor=uma, kind=kind)
    assert TaskKind.objects.get(code="power_cut").due_days == 10
