"""Background jobs (django-tasks; the worker runs beside the web server in `make run`)."""

from __future__ import annotations

from django_tasks import task


@task()
def preview_import_job(batch_id: int, user_id: int) -> None:
    from sanluanwu.accounts.models import User
    from sanluanwu.imports.models import ImportBatch
    from sanluanwu.imports.services import preview_import

    preview_import(actor=User.objects.get(pk=user_id), batch=ImportBatch.objects.get(pk=batch_id))


@task()
def confirm_import_job(batch_id: int, user_id: int) -> None:
    from sanluanwu.accounts.models import User
    from sanluanwu.imports.models import ImportBatch
    from sanluanwu.imports.services import confirm_import

    confirm_import(actor=User.objects.get(pk=user_id), batch=ImportBatch.objects.get(pk=batch_id))
