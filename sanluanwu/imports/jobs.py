"""Background jobs (django-tasks; the worker runs beside the web server in `make run`, kept alive by bin/supervise).

A large file's preview and confirm run here; everything else about a batch is imports.services, which this module
calls (never the other way round). A job that raises leaves its batch 导入失败 with the reason; a job that dies
without a word (the worker killed, out of memory, the server restarted) is found by settle() and leaves its batch
处理中断, to be retried from the page.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django_tasks import task
from django_tasks.base import TaskResultStatus

from sanluanwu.accounts.models import User
from sanluanwu.core import clock, pacing
from sanluanwu.core.errors import Conflict
from sanluanwu.imports import services
from sanluanwu.imports.choices import BUSY, BatchStatus, BatchStep
from sanluanwu.imports.models import ImportBatch

logger = logging.getLogger(__name__)


def _run(batch_id: int, user_id: int) -> None:
    batch = ImportBatch.objects.get(pk=batch_id)
    actor = User.objects.get(pk=user_id)
    if batch.status != BatchStatus.QUEUED:
        return  # settled or retried meanwhile: this job is no longer the batch's
    try:
        services.start(actor=actor, batch=batch)
    except Conflict:
        return  # another job took it up meanwhile

    try:
        with pacing.working():  # the job worker rests between steps at BACKGROUND_DUTY (bin/serve: half the time)
            if batch.step == BatchStep.PREVIEW:
                services.preview_import(actor=actor, batch=batch)
            else:
                services.confirm_import(actor=actor, batch=batch, by_worker=True)
    except services.ImportCancelled:
        logger.info("import batch %s: cancelled during its %s; stopped, nothing written", batch_id, batch.step)
    except BaseException as exc:  # MemoryError included: the batch says so; the worker records the job failed, goes on
        logger.exception("import batch %s: %s failed", batch_id, batch.step)
        services.fail(
            actor=actor, batch=batch, reason=f"后台处理出错，没有导入任何数据（{exc.__class__.__name__}），可重试"
        )
        raise


@task()
def preview_import_job(batch_id: int, user_id: int) -> None:
    _run(batch_id, user_id)


@task()
def confirm_import_job(batch_id: int, user_id: int) -> None:
    _run(batch_id, user_id)


def run_step(*, batch: ImportBatch, actor: Any, step: str, all_or_nothing: bool | None = None) -> None:
    """Preview or confirm now for a small file; queue it for the job worker for a large one (the page shows progress).
    `all_or_nothing` (a confirm's choice) is saved by the step's service once the step may start, else never."""
    if not services.runs_in_background(batch):
        if step == BatchStep.PREVIEW:
            services.preview_import(actor=actor, batch=batch)
        else:
            services.confirm_import(actor=actor, batch=batch, all_or_nothing=all_or_nothing)
        return
    services.queue(actor=actor, batch=batch, step=step, all_or_nothing=all_or_nothing)
    job = preview_import_job if step == BatchStep.PREVIEW else confirm_import_job

    def enqueue() -> None:
        result = job.enqueue(batch.pk, actor.pk)
        ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.QUEUED).update(job_id=str(result.id)[:64])

    transaction.on_commit(enqueue)


def stale_after() -> dt.timedelta:
    """How long a running job may stay silent: it reports every 5,000 rows, seconds apart; minutes mean it died."""
    return dt.timedelta(seconds=getattr(settings, "IMPORT_JOB_STALE_SECONDS", 15 * 60))


def settle(batch: ImportBatch, *, worker_start: bool = False) -> ImportBatch:
    """A busy batch whose job failed or fell silent is marked 处理中断 (the page then offers to retry it). At the
    worker's start every batch a job was working on is: that job died with the worker that ran it."""
    if batch.status not in BUSY:
        return batch
    if worker_start and batch.status != BatchStatus.QUEUED:
        return services.interrupt(batch=batch, reason=_REASON[batch.step])
    job = preview_import_job if batch.step == BatchStep.PREVIEW else confirm_import_job
    state = None
    if batch.job_id:
        try:
            state = job.get_result(batch.job_id).status
        except Exception:  # a result the backend no longer knows (or never knew) says nothing either way
            state = None
    silent = batch.heartbeat_at is None or clock.now() - batch.heartbeat_at > stale_after()
    if state == TaskResultStatus.FAILED or (state != TaskResultStatus.READY and silent):
        return services.interrupt(batch=batch, reason=_REASON[batch.step])
    return batch


_REASON: dict[str, str] = {
    BatchStep.CONFIRM: "后台导入中断（后台任务未完成，可能是服务重启或内存不足），没有导入任何数据，请点击“重试”",
    BatchStep.PREVIEW: "后台读取表格时中断（可能是服务重启或内存不足），请点击“重试”重新预览",
}


def settle_all(*, worker_start: bool = False) -> int:
    """Settle every busy batch (the `settle_imports` command a timer runs, and bin/serve before the worker starts)."""
    batches = ImportBatch.objects.filter(status__in=BUSY)
    return sum(settle(b, worker_start=worker_start).status == BatchStatus.INTERRUPTED for b in batches)
