"""Background jobs (django-tasks; the worker runs beside the web server in `make run`, kept alive by bin/supervise).

A job that fails (an unexpected error, MemoryError) is recorded as failed by the worker, which goes on with the
next job; its batch is marked failed here with a message, so its page never shows "processing" for ever.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django_tasks import task

logger = logging.getLogger(__name__)


def _guarded(batch_id: int, user_id: int, step: Callable[..., Any], failed: str) -> None:
    from sanluanwu.accounts.models import User
    from sanluanwu.imports.choices import BatchStatus
    from sanluanwu.imports.models import ImportBatch

    try:
        step(actor=User.objects.get(pk=user_id), batch=ImportBatch.objects.get(pk=batch_id))
    except BaseException as exc:
        logger.exception("import job for batch %s failed", batch_id)
        busy = [BatchStatus.QUEUED, BatchStatus.PREVIEWING, BatchStatus.APPLYING]
        ImportBatch.objects.filter(pk=batch_id, status__in=busy).update(
            status=failed,
            message=f"后台处理该文件时出错（{type(exc).__name__}），没有导入任何数据。请稍后重试；仍不成功请联系管理员。",
        )
        raise


@task()
def preview_import_job(batch_id: int, user_id: int) -> None:
    from sanluanwu.imports.choices import BatchStatus
    from sanluanwu.imports.services import preview_import

    _guarded(batch_id, user_id, preview_import, BatchStatus.REJECTED)  # not previewed: nothing to confirm


@task()
def confirm_import_job(batch_id: int, user_id: int) -> None:
    from sanluanwu.imports.choices import BatchStatus
    from sanluanwu.imports.services import confirm_import

    _guarded(batch_id, user_id, confirm_import, BatchStatus.FAILED)  # previewed: the confirm may be tried again
