"""A batch moves forward once: confirms pressed together write once, a done batch is not previewed or mapped again,
and a mapping names only columns the preview offered (anything else is told, not a server error)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from sanluanwu.audit.models import AuditEvent
from sanluanwu.core.errors import Conflict, TransitionNotAllowed, ValidationFailed
from sanluanwu.imports import services
from sanluanwu.imports.choices import BatchStatus
from sanluanwu.imports.models import ImportBatch
from sanluanwu.imports.services import confirm_import, preview_import, upload_import
from sanluanwu.imports.tests.sheets import messy_xlsx
from sanluanwu.imports.tests.test_headers import _own_sheet
from sanluanwu.imports.tests.test_import_list import _row
from sanluanwu.registry.models import Case

pytestmark = pytest.mark.usefixtures("in_2020")


def _previewed(actor, unit, data=None):
    data = data or messy_xlsx([_row(1, "张三塑料造粒作坊", "张三"), _row(2, "李四塑料造粒作坊", "李四")])
    return preview_import(actor=actor, batch=upload_import(actor=actor, data=data, filename="湖塘镇.xlsx", kind="list",
                                                           unit=unit))  # fmt: skip


def test_a_second_confirm_from_a_stale_page_is_told_and_changes_nothing(alice, campaign, district):
    batch = _previewed(alice, district["hutang"])
    stale = ImportBatch.objects.get(pk=batch.pk)  # the other tab's copy, still 待确认
    assert confirm_import(actor=alice, batch=batch).status == BatchStatus.APPLIED
    with pytest.raises(Conflict, match="已导入"):
        confirm_import(actor=alice, batch=stale)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPLIED and batch.counts["new"] == 2 and "新增 2 条" in batch.message
    assert AuditEvent.objects.filter(action="imports.batch.applied").count() == 1
    assert Case.objects.count() == 2


def test_a_failure_reported_late_never_overwrites_an_applied_batch(alice, campaign, district):
    batch = _previewed(alice, district["hutang"])
    stale = ImportBatch.objects.get(pk=batch.pk)
    confirm_import(actor=alice, batch=batch)
    services.fail(actor=alice, batch=stale, reason="后台处理出错")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPLIED and not AuditEvent.objects.filter(action="imports.batch.failed").exists()


@pytest.mark.django_db(transaction=True)
def test_confirms_pressed_at_the_same_moment_write_the_rows_once(alice, campaign, district, purge_audit_after):
    if connection.vendor == "sqlite":
        # The in-memory test database shares one cache between threads and locks whole tables without waiting;
        # the file database of `make run` takes the write lock at BEGIN (transaction_mode IMMEDIATE) instead.
        pytest.skip("concurrent writers are tried on PostgreSQL")
    batch = _previewed(alice, district["hutang"])
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def press() -> None:
        mine = ImportBatch.objects.get(pk=batch.pk)
        start.wait()
        try:
            outcomes.append(confirm_import(actor=alice, batch=mine).status)
        except Exception as exc:  # every outcome is counted below
            outcomes.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=press) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 4 and outcomes.count(BatchStatus.APPLIED) == 1, outcomes
    assert all(o == BatchStatus.APPLIED or o.startswith(("Conflict", "ValidationFailed")) for o in outcomes), outcomes
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPLIED and batch.counts["new"] == 2, batch.message
    assert AuditEvent.objects.filter(action="imports.batch.applied").count() == 1
    assert Case.objects.count() == 2


def test_an_applied_batch_is_not_mapped_or_previewed_again(client, alice, campaign, district):
    batch = confirm_import(actor=alice, batch=_previewed(alice, district["hutang"]))
    with pytest.raises(TransitionNotAllowed):
        services.map_columns(actor=alice, batch=batch, choices={"湖塘镇": {"1": "name"}})
    with pytest.raises(TransitionNotAllowed):
        preview_import(actor=alice, batch=batch)
    client.force_login(alice)
    response = client.post(f"/imports/{batch.pk}/mapping/", {"map:湖塘镇:1": "name"}, follow=True)
    assert response.status_code == 200 and "不能再修改列对应" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPLIED


@pytest.mark.parametrize(
    "field",
    [
        "map:x",
        "map:",
        "map:湖塘镇:abc",
        "map:湖塘镇:-1",
        "map:湖塘镇:99999999999999999999",
        "map:湖塘镇:40",
        "map:别的表:1",
    ],
)
def test_a_crafted_mapping_is_told_and_the_batch_stays_usable(client, alice, campaign, district, field):
    batch = _previewed(alice, district["hutang"], _own_sheet("张三塑料造粒作坊"))
    assert batch.preview["sheets"]["湖塘镇"]["incomplete"]
    client.force_login(alice)
    response = client.post(f"/imports/{batch.pk}/mapping/", {field: "name"}, follow=True)
    assert response.status_code == 200 and "请刷新页面后重新指定" in response.content.decode()
    batch.refresh_from_db()
    assert batch.column_mapping == {} and batch.status == BatchStatus.PREVIEWED
    # The right mapping still works afterwards.
    client.post(f"/imports/{batch.pk}/mapping/", {"map:湖塘镇:1": "name", "map:湖塘镇:2": "industry",
                                                  "map:湖塘镇:5": "legal_person"})  # fmt: skip
    batch.refresh_from_db()
    assert batch.counts["new"] == 1, batch.preview


def test_a_mapping_to_a_meaning_that_does_not_exist_is_told(client, alice, campaign, district):
    batch = _previewed(alice, district["hutang"], _own_sheet("张三塑料造粒作坊"))
    with pytest.raises(ValidationFailed, match="不是可选的列含义"):
        services.map_columns(actor=alice, batch=batch, choices={"湖塘镇": {"1": "status; drop table"}})


def test_two_columns_given_one_meaning_are_told_and_nothing_is_dropped_silently(client, alice, campaign, district):
    batch = _previewed(alice, district["hutang"], _own_sheet("张三塑料造粒作坊"))
    with pytest.raises(ValidationFailed, match="都指定为“企业名称”；每个含义只能对应一列"):
        services.map_columns(actor=alice, batch=batch, choices={"湖塘镇": {"1": "name", "2": "name"}})
    client.force_login(alice)
    response = client.post(f"/imports/{batch.pk}/mapping/", {"map:湖塘镇:1": "name", "map:湖塘镇:2": "name"},
                           follow=True)  # fmt: skip
    assert "每个含义只能对应一列" in response.content.decode()
    batch.refresh_from_db()
    assert batch.column_mapping == {}
    # Any number of columns may be left out.
    services.map_columns(actor=alice, batch=batch, choices={"湖塘镇": {"1": "name", "2": "ignore", "5": "ignore"}})


def test_the_same_file_imported_before_is_named_only_within_the_towns_own_batches(alice, bob, campaign, district):
    from django.utils import timezone

    data = messy_xlsx([_row(1, "张三塑料造粒作坊", "张三")])
    first = confirm_import(actor=alice, batch=_previewed(alice, district["hutang"], data))
    again = _previewed(alice, district["hutang"], data)
    assert (
        f"该文件已于 {timezone.localtime(first.applied_at):%Y-%m-%d %H:%M} 导入过（批次 #{first.pk}）" in again.message
    )
    elsewhere = _previewed(bob, district["niutang"], data)
    assert "导入过" not in elsewhere.message and f"#{first.pk}" not in elsewhere.message


def test_the_import_list_names_the_uploader_by_full_name(client, alice, campaign, district):
    alice.full_name = "陈科长"
    alice.save(update_fields=["full_name"])
    _previewed(alice, district["hutang"], _own_sheet("张三塑料造粒作坊"))
    client.force_login(alice)
    page = client.get("/imports/").content.decode()
    assert '<td data-label="上传人">陈科长</td>' in page


@pytest.mark.parametrize("background", [True, False])
def test_a_confirm_pressed_while_the_batch_is_importing_is_refused_at_once_and_changes_nothing(
    client, alice, campaign, district, monkeypatch, background
):
    from rest_framework.test import APIClient

    if background:
        monkeypatch.setattr(services, "BACKGROUND_BYTES", 0)
    batch = _previewed(alice, district["hutang"])
    # The job worker is applying it (its transaction holds the batch's row until the rows are written): a second
    # press, from a stale tab or a double click, must not write to the batch, which would wait for that lock.
    from sanluanwu.core import clock

    ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.APPLYING, all_or_nothing=False,
                                                   heartbeat_at=clock.now())  # fmt: skip
    events = AuditEvent.objects.count()
    client.force_login(alice)
    page = client.post(f"/imports/{batch.pk}/confirm/", {"all_or_nothing": "on"}, follow=True)
    assert "不能确认导入" in page.content.decode()
    api = APIClient()
    api.force_authenticate(alice)
    answer = api.post(f"/api/v1/imports/{batch.pk}/confirm/", {"all_or_nothing": True}, format="json")
    assert answer.status_code == 400 and "不能确认导入" in str(answer.json())
    # The service itself refuses it, whoever calls (a command too): only the job worker confirms from 正在导入.
    with pytest.raises(ValidationFailed, match="不能确认导入"):
        confirm_import(actor=alice, batch=ImportBatch.objects.get(pk=batch.pk), all_or_nothing=True)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPLYING and batch.all_or_nothing is False
    assert AuditEvent.objects.count() == events and not Case.objects.exists()


def test_a_background_confirm_saves_the_all_or_nothing_choice_with_its_queued_event(alice, campaign, district,
                                                                                   monkeypatch, settings):  # fmt: skip
    from sanluanwu.imports import jobs

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setattr(services, "BACKGROUND_BYTES", 0)
    batch = _previewed(alice, district["hutang"])
    jobs.run_step(batch=batch, actor=alice, step="confirm", all_or_nothing=True)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.QUEUED and batch.all_or_nothing is True
    queued = AuditEvent.objects.filter(action="imports.batch.queued").latest("id")
    assert queued.changes["all_or_nothing"] == [None, True]
