"""A background import job that fails (a bug, MemoryError) is recorded as failed; the worker goes on."""

from __future__ import annotations

import pytest
from django_tasks_db.management.commands.db_worker import Worker

from sanluanwu.imports import jobs, services
from sanluanwu.imports.choices import BatchStatus
from sanluanwu.imports.models import ImportBatch
from sanluanwu.imports.tests.sheets import messy_xlsx


def _batch(alice, district):
    return services.upload_import(actor=alice, data=messy_xlsx([]), filename="a.xlsx", kind="list",
                                  unit=district["hutang"])  # fmt: skip


def test_a_job_that_runs_out_of_memory_marks_its_batch_and_the_worker_goes_on(alice, campaign, district, monkeypatch):
    failing, fine = _batch(alice, district), _batch(alice, district)
    real = services.preview_import

    def preview(*, actor, batch):
        if batch.pk == failing.pk:
            raise MemoryError
        return real(actor=actor, batch=batch)

    monkeypatch.setattr(services, "preview_import", preview)
    # The worker closes stale connections between jobs; here its connection is the test's own transaction.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    ImportBatch.objects.update(status=BatchStatus.QUEUED)
    first = jobs.preview_import_job.enqueue(failing.pk, alice.pk)
    second = jobs.preview_import_job.enqueue(fine.pk, alice.pk)
    Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
           max_tasks=None, worker_id="test", excluded_queue_names=[]).run()  # fmt: skip
    first.refresh()
    second.refresh()
    assert first.status == "FAILED" and second.status == "SUCCESSFUL"
    failing.refresh_from_db()
    assert failing.status == BatchStatus.REJECTED and "MemoryError" in failing.message
    fine.refresh_from_db()
    assert fine.status != BatchStatus.QUEUED


def test_a_failed_confirm_can_be_tried_again(alice, campaign, district, monkeypatch):
    batch = _batch(alice, district)
    ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.APPLYING)
    monkeypatch.setattr(services, "confirm_import", lambda **_kw: (_ for _ in ()).throw(RuntimeError("bug")))
    with pytest.raises(RuntimeError):
        jobs.confirm_import_job.call(batch.pk, alice.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and "RuntimeError" in batch.message
