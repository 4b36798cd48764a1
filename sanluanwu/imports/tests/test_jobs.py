"""A large file's preview and confirm run in the job worker; a job that fails or dies never leaves its batch stuck."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from sanluanwu.audit.models import AuditEvent
from sanluanwu.core import clock
from sanluanwu.imports import importer, jobs, services
from sanluanwu.imports.models import ImportBatch
from sanluanwu.imports.tests.sheets import messy_xlsx
from sanluanwu.imports.tests.test_import_list import _row
from sanluanwu.registry.models import Case

pytestmark = pytest.mark.usefixtures("in_2020")


def _uploaded(alice, district):
    data = messy_xlsx([_row(1, "张三塑料造粒作坊", "张三"), _row(2, "李四木材加工作坊", "李四", industry="木材加工")])
    return services.upload_import(actor=alice, data=data, filename="big.xlsx", kind="list", unit=district["hutang"])


def test_a_job_that_raises_leaves_the_batch_failed_with_nothing_written_and_it_can_be_retried(
    alice, campaign, district, background, django_capture_on_commit_callbacks, monkeypatch
):
    batch = _uploaded(alice, district)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.run_step(batch=batch, actor=alice, step="preview")
    batch.refresh_from_db()
    assert batch.status == "previewed"

    def out_of_memory(*args, **kwargs):
        raise MemoryError

    with monkeypatch.context() as patched, django_capture_on_commit_callbacks(execute=True):
        patched.setattr(importer, "apply_plan", out_of_memory)
        jobs.run_step(batch=batch, actor=alice, step="confirm")
    batch.refresh_from_db()
    assert batch.status == "failed" and "MemoryError" in batch.message and not Case.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.retry(actor=alice, batch=batch)
        jobs.run_step(batch=batch, actor=alice, step=batch.step)
    batch.refresh_from_db()
    assert batch.status == "applied" and Case.objects.count() == 2
    actions = list(
        AuditEvent.objects.filter(object_type="imports.importbatch").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["imports.batch.uploaded", "imports.batch.queued", "imports.batch.started",
                       "imports.batch.previewed", "imports.batch.queued", "imports.batch.started",
                       "imports.batch.failed", "imports.batch.retried", "imports.batch.queued",
                       "imports.batch.started", "imports.batch.applied"]  # fmt: skip


def test_a_job_that_dies_silently_is_found_and_the_batch_offers_a_retry(client, alice, campaign, district, background,
                                                                        django_capture_on_commit_callbacks):  # fmt: skip
    batch = _uploaded(alice, district)
    services.queue(actor=alice, batch=batch, step="preview")
    # The worker took it up, then was killed: nothing but the old heartbeat remains.
    ImportBatch.objects.filter(pk=batch.pk).update(
        status="previewing", heartbeat_at=clock.now() - dt.timedelta(hours=1)
    )
    client.force_login(alice)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    batch.refresh_from_db()
    assert batch.status == "interrupted" and "处理中断" in page and 'id="retry"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{batch.pk}/retry/")
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "previewed" and batch.counts["new"] == 2


def test_a_running_job_is_not_settled_while_it_reports(alice, campaign, district):
    batch = _uploaded(alice, district)
    services.queue(actor=alice, batch=batch, step="preview")
    ImportBatch.objects.filter(pk=batch.pk).update(status="previewing", heartbeat_at=clock.now())
    batch.refresh_from_db()
    assert jobs.settle(batch).status == "previewing"


def test_the_worker_start_interrupts_what_the_previous_worker_was_doing(alice, campaign, district):
    batch = _uploaded(alice, district)
    services.queue(actor=alice, batch=batch, step="preview")
    ImportBatch.objects.filter(pk=batch.pk).update(status="applying", step="confirm", heartbeat_at=clock.now())
    call_command("settle_imports", "--worker-start")
    batch.refresh_from_db()
    assert batch.status == "interrupted" and "没有导入任何数据" in batch.message
    assert AuditEvent.objects.filter(action="imports.batch.interrupted", object_id=str(batch.pk)).exists()


def _empty_batch(alice, district):
    return services.upload_import(actor=alice, data=messy_xlsx([]), filename="a.xlsx", kind="list",
                                  unit=district["hutang"])  # fmt: skip


def test_a_job_that_runs_out_of_memory_marks_its_batch_and_the_worker_goes_on(alice, campaign, district, monkeypatch):
    from django_tasks_db.management.commands.db_worker import Worker

    failing, fine = _empty_batch(alice, district), _empty_batch(alice, district)
    real = services.preview_import

    def preview(*, actor, batch):
        if batch.pk == failing.pk:
            raise MemoryError
        return real(actor=actor, batch=batch)

    monkeypatch.setattr(services, "preview_import", preview)
    # The worker closes stale connections between jobs; here its connection is the test's own transaction.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    ImportBatch.objects.update(status="queued")
    first = jobs.preview_import_job.enqueue(failing.pk, alice.pk)
    second = jobs.preview_import_job.enqueue(fine.pk, alice.pk)
    Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
           max_tasks=None, worker_id="test", excluded_queue_names=[]).run()  # fmt: skip
    first.refresh()
    second.refresh()
    assert first.status == "FAILED" and second.status == "SUCCESSFUL"
    failing.refresh_from_db()
    assert failing.status == "failed" and "MemoryError" in failing.message
    fine.refresh_from_db()
    assert fine.status not in ("queued", "previewing")


def test_a_failed_confirm_can_be_tried_again(alice, campaign, district, monkeypatch):
    batch = _empty_batch(alice, district)
    ImportBatch.objects.filter(pk=batch.pk).update(status="queued", step="confirm")
    monkeypatch.setattr(services, "confirm_import", lambda **_kw: (_ for _ in ()).throw(RuntimeError("bug")))
    with pytest.raises(RuntimeError):
        jobs.confirm_import_job.call(batch.pk, alice.pk)
    batch.refresh_from_db()
    assert batch.status == "failed" and "RuntimeError" in batch.message
    services.retry(actor=alice, batch=batch)
    batch.refresh_from_db()
    assert batch.status == "previewed"


def test_an_import_in_the_job_worker_rests_between_its_steps_but_never_while_it_holds_the_audit_lock(
    alice, campaign, district, background, django_capture_on_commit_callbacks, monkeypatch, settings
):
    from sanluanwu.audit import chain
    from sanluanwu.audit.services import BulkEvents
    from sanluanwu.core import pacing

    settings.BACKGROUND_DUTY = 0.5
    rests: list[tuple[str, bool]] = []
    # "locked": the rows' events took the audit chain's append lock, held until the step's transaction ends.
    state = {"step": "", "in_bulk": False, "locked": False}
    lock_head, insert = chain.lock_head, BulkEvents.insert

    def locked_head() -> str:
        head = lock_head()
        state["locked"] = state["locked"] or bool(state["in_bulk"])
        return head

    def bulk_insert(rows, *, count):  # type: ignore[no-untyped-def]
        state["in_bulk"] = True
        try:
            insert(rows, count=count)
        finally:
            state["in_bulk"] = False

    monkeypatch.setattr(chain, "lock_head", locked_head)
    monkeypatch.setattr(BulkEvents, "insert", staticmethod(bulk_insert))
    monkeypatch.setattr(pacing, "_sleep", lambda seconds: rests.append((state["step"], state["locked"])))
    rows = [_row(n, f"张{n}塑料造粒作坊", f"张{n}", address=f"湖塘镇新华村人民路{n}号") for n in range(1, 1201)]
    batch = services.upload_import(actor=alice, data=messy_xlsx(rows), filename="big.xlsx", kind="list",
                                   unit=district["hutang"])  # fmt: skip
    for step in ("preview", "confirm"):
        state["step"] = step
        with django_capture_on_commit_callbacks(execute=True):
            jobs.run_step(batch=batch, actor=alice, step=step)
        batch.refresh_from_db()
        state["locked"] = False
    assert batch.status == "applied" and Case.objects.count() == 1200
    assert {step for step, _locked in rests} == {"preview", "confirm"}
    assert not any(locked for _step, locked in rests)
    # Outside the job worker (a small file imported in the request) the same work never rests.
    rests.clear()
    more = [_row(n, f"李{n}塑料造粒作坊", f"李{n}", address=f"湖塘镇新华村人民路{n}号") for n in range(1, 1201)]
    small = services.upload_import(actor=alice, data=messy_xlsx(more), filename="more.xlsx", kind="list",
                                   unit=district["hutang"])  # fmt: skip
    small = services.confirm_import(actor=alice, batch=services.preview_import(actor=alice, batch=small))
    assert small.status == "applied" and Case.objects.count() == 2400
    assert rests == []


def test_a_previews_bar_moves_every_few_hundred_rows_and_reaches_the_end_of_its_span(
    alice, campaign, district, monkeypatch
):  # fmt: skip
    """A 10,000-row sheet's bar moved once (at 5,000 rows: 22 %), then jumped to 待确认."""
    people = [f"张{chr(0x5200 + n)}{chr(0x5600 + n % 7)}" for n in range(1, 1201)]  # 1,200 names of workshops
    rows = [_row(n, f"{person}塑料造粒作坊", person) for n, person in enumerate(people, start=1)]
    batch = services.upload_import(actor=alice, data=messy_xlsx(rows), filename="big.xlsx", kind="list",
                                   unit=district["hutang"])  # fmt: skip
    seen = []
    real = services._progress_reporter

    def watched(batch, start, span):
        report = real(batch, start, span)

        def wrapped(done, total):
            report(done, total)
            seen.append((done, ImportBatch.objects.get(pk=batch.pk).progress))

        return wrapped

    monkeypatch.setattr(services, "_progress_reporter", watched)
    services.preview_import(actor=alice, batch=batch)
    assert [progress for _done, progress in seen] == [18, 37, 45]  # 500 and 1,000 of 1,200 rows, then all of them
    batch.refresh_from_db()
    assert (batch.status, batch.progress, batch.counts["new"]) == ("previewed", 50, 1200)
    assert [importer.progress_step(n) for n in (1200, 10_000, 40_000, 100_000, 1_000_000)] == [500, 500, 2000, 5000,
                                                                                             5000]  # fmt: skip


def test_a_town_user_uploading_without_a_unit_imports_into_their_own_town(alice, campaign, district):
    """A town manager has one town to choose: the API asked them to choose it (「请选择导入单位」)."""
    from rest_framework.test import APIClient

    data = messy_xlsx([_row(1, "张三塑料造粒作坊", "张三")])
    api = APIClient()
    api.force_authenticate(alice)
    answer = api.post(
        "/api/v1/imports/", {"kind": "list", "file": SimpleUploadedFile("湖塘镇.xlsx", data)}, format="multipart"
    )
    assert answer.status_code == 201, answer.json()
    assert answer.json()["unit"] == district["hutang"].pk and answer.json()["counts"]["new"] == 1
