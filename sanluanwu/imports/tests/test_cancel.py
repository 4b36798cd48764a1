"""取消导入: a batch is set aside before its rows are written, audited with its reason; a background step on it stops
and writes nothing; a confirm already writing is refused at once, never waited for."""

from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.test import APIClient

from conftest import held_elsewhere
from sanluanwu.audit.models import AuditEvent
from sanluanwu.core.errors import Conflict, PermissionDenied, TransitionNotAllowed
from sanluanwu.imports import jobs, plans, readers, services
from sanluanwu.imports.models import ImportBatch
from sanluanwu.imports.tests.test_jobs import _uploaded
from sanluanwu.registry.models import Case

pytestmark = pytest.mark.usefixtures("in_2020")


def _actions(batch):
    return list(AuditEvent.objects.filter(object_type="imports.importbatch", object_id=str(batch.pk))
                .order_by("id").values_list("action", flat=True))  # fmt: skip


def test_a_previewed_batch_is_cancelled_on_its_page_with_the_reason_audited_and_is_never_imported(
    client, alice, campaign, district
):  # fmt: skip
    batch = _uploaded(alice, district)
    services.preview_import(actor=alice, batch=batch)
    client.force_login(alice)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'id="cancel"' in page and "取消原因（可选）" in page
    page = client.post(f"/imports/{batch.pk}/cancel/", {"reason": "传错了文件"}, follow=True).content.decode()
    assert "已取消该批次，没有导入任何数据" in page and 'id="cancel"' not in page and 'id="confirm"' not in page
    batch.refresh_from_db()
    assert batch.status == "cancelled" and "传错了文件" in batch.message
    event = AuditEvent.objects.get(action="imports.batch.cancelled")
    assert (event.actor_username, event.note, event.changes["status"]) == (
        "alice",
        "传错了文件",
        ["previewed", "cancelled"],
    )
    assert not plans.load(batch, plans.fingerprint(batch, alice, services.synonyms()))  # its stored plan is gone
    refused = client.post(f"/imports/{batch.pk}/confirm/", follow=True).content.decode()
    assert "不能确认导入" in refused and not Case.objects.exists()
    again = client.post(f"/imports/{batch.pk}/cancel/", follow=True).content.decode()
    assert "该批次当前状态为“已取消”，不能取消" in again
    assert client.get(f"/imports/{batch.pk}/file/").status_code == 200  # the original stays


def test_the_api_cancels_a_batch_and_names_why_it_cannot_cancel_an_applied_one(alice, campaign, district):
    api = APIClient()
    api.force_authenticate(alice)
    batch = _uploaded(alice, district)
    services.preview_import(actor=alice, batch=batch)
    answer = api.post(f"/api/v1/imports/{batch.pk}/cancel/", {"reason": "重复上传"}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
    applied = _uploaded(alice, district)
    services.preview_import(actor=alice, batch=applied)
    services.confirm_import(actor=alice, batch=applied)
    refused = api.post(f"/api/v1/imports/{applied.pk}/cancel/", {}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "transition_not_allowed"
    assert "“已导入”，不能取消" in refused.json()["non_field_errors"][0]
    assert api.post(f"/api/v1/imports/{applied.pk}/cancel/", {"reason": "x" * 201}, format="json").status_code == 400


def test_only_who_may_import_for_the_town_cancels_and_another_town_sees_no_batch(
    alice, ada, bob, leo, campaign, district
):  # fmt: skip
    batch = _uploaded(alice, district)
    services.preview_import(actor=alice, batch=batch)
    for user in (ada, leo):  # the town's inspector, the district leader: no import.upload
        with pytest.raises(PermissionDenied):
            services.cancel_import(actor=user, batch=batch)
    api = APIClient()
    api.force_authenticate(bob)  # 牛塘镇's manager
    assert api.post(f"/api/v1/imports/{batch.pk}/cancel/", {}, format="json").status_code == 404
    batch.refresh_from_db()
    assert batch.status == "previewed"


def test_a_queued_step_of_a_cancelled_batch_does_nothing(alice, campaign, district, background):
    batch = _uploaded(alice, district)
    jobs.run_step(batch=batch, actor=alice, step="preview")  # queued; the job runs once this commits (never here)
    batch.refresh_from_db()
    assert batch.status == "queued"
    services.cancel_import(actor=alice, batch=batch)
    jobs.preview_import_job.call(batch.pk, alice.pk)
    batch.refresh_from_db()
    assert batch.status == "cancelled"
    assert _actions(batch) == ["imports.batch.uploaded", "imports.batch.queued", "imports.batch.cancelled"]


def test_a_preview_the_worker_is_reading_stops_once_cancelled_and_writes_nothing(
    alice, campaign, district, background, monkeypatch
):  # fmt: skip
    batch = _uploaded(alice, district)
    jobs.run_step(batch=batch, actor=alice, step="preview")
    real = readers.read_sheets

    def read_while_cancelled(*args, **kwargs):  # the user presses 取消导入 while the worker reads the file
        being_read = ImportBatch.objects.get(pk=batch.pk)
        assert being_read.status == "previewing"
        services.cancel_import(actor=alice, batch=being_read, reason="不导了")
        return real(*args, **kwargs)

    monkeypatch.setattr(readers, "read_sheets", read_while_cancelled)
    jobs.preview_import_job.call(batch.pk, alice.pk)  # ends quietly: no failure, no traceback
    batch.refresh_from_db()
    assert batch.status == "cancelled" and batch.counts == {} and not batch.preview
    assert _actions(batch) == ["imports.batch.uploaded", "imports.batch.queued", "imports.batch.started",
                               "imports.batch.cancelled"]  # fmt: skip


def test_a_confirm_cancelled_before_it_writes_writes_nothing(alice, campaign, district, background, monkeypatch):
    batch = _uploaded(alice, district)
    services.preview_import(actor=alice, batch=batch)
    jobs.run_step(batch=batch, actor=alice, step="confirm")
    real = plans.load

    def load_while_cancelled(*args, **kwargs):
        services.cancel_import(actor=alice, batch=ImportBatch.objects.get(pk=batch.pk))
        return real(*args, **kwargs)

    monkeypatch.setattr(plans, "load", load_while_cancelled)
    jobs.confirm_import_job.call(batch.pk, alice.pk)
    batch.refresh_from_db()
    assert batch.status == "cancelled" and not Case.objects.exists()
    assert "imports.batch.applied" not in _actions(batch) and "imports.batch.failed" not in _actions(batch)


def test_a_background_step_stops_at_its_next_progress_report_once_cancelled(alice, campaign, district):
    batch = _uploaded(alice, district)
    report = services._progress_reporter(batch, 0, 45)
    report(5000, 10000)
    services.cancel_import(actor=alice, batch=batch)
    with pytest.raises(services.ImportCancelled):
        report(10000, 10000)
    batch.refresh_from_db()
    assert batch.progress == 22  # the report before the cancel; none after


def test_a_confirm_writing_its_rows_cannot_be_cancelled(alice, campaign, district):
    batch = _uploaded(alice, district)
    ImportBatch.objects.filter(pk=batch.pk).update(status="applying", step="confirm",
                                                   progress=services.WRITING_PROGRESS)  # fmt: skip
    batch.refresh_from_db()
    with pytest.raises(TransitionNotAllowed, match="正在写入数据库，不能取消"):
        services.cancel_import(actor=alice, batch=batch)


@pytest.mark.django_db(transaction=True)
def test_a_cancel_while_the_batch_row_is_locked_by_a_write_is_refused_at_once(alice, campaign, district):
    if connection.vendor != "postgresql":
        pytest.skip("NOWAIT row locks are PostgreSQL's (SQLite locks the whole database)")
    batch = _uploaded(alice, district)
    services.preview_import(actor=alice, batch=batch)

    def write_lock():  # what confirm_import holds while it writes the rows
        ImportBatch.objects.select_for_update(no_key=True).get(pk=batch.pk)

    with held_elsewhere(write_lock), pytest.raises(Conflict, match="正在写入数据库"):
        services.cancel_import(actor=alice, batch=batch)
    batch.refresh_from_db()
    assert batch.status == "previewed"


def test_the_reason_of_a_cancel_is_shown_on_the_batch_with_its_numbers_masked_and_audited_whole(
    alice, campaign, district
):
    batch = _uploaded(alice, district)
    services.cancel_import(actor=alice, batch=batch, reason="<b>重复</b> 联系人13812345678")
    batch.refresh_from_db()
    assert batch.message == "已取消，没有导入任何数据（<b>重复</b> 联系人138****5678）"
    assert AuditEvent.objects.get(action="imports.batch.cancelled").note == "<b>重复</b> 联系人13812345678"


def test_a_refused_cancel_says_it_is_the_cancel_that_is_refused(ada, alice, campaign, district):
    batch = _uploaded(alice, district)
    with pytest.raises(PermissionDenied) as exc:
        services.cancel_import(actor=ada, batch=batch)
    assert str(exc.value.text).startswith("不能取消该导入批次：")


def test_the_page_refuses_a_cancel_by_the_services_rule_and_offers_no_button(client, ada, alice, campaign, district):
    batch = _uploaded(alice, district)
    services.preview_import(actor=alice, batch=batch)
    client.force_login(ada)  # the town's inspector: sees the batch, may not undo its preview
    assert 'id="cancel"' not in client.get(f"/imports/{batch.pk}/").content.decode()
    refused = client.post(f"/imports/{batch.pk}/cancel/", {"reason": "x"})
    assert refused.status_code == 403 and "不能" in refused.content.decode()  # the route's gate or the rule
    batch.refresh_from_db()
    assert batch.status == "previewed"
