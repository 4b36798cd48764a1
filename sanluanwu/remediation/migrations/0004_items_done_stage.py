"""A rectification whose every item is done reads 「整改事项已完成，待申请现场审核」 (registry.choices.Stage.ITEMS_DONE),
as a shutdown whose tasks are done reads 「任务已完成，待申请现场审核」; it read 「整改中（3/3项）」, beside the list's 逾期
tag, as if the work were still under way. Case.stage is the remediation work's derived words (remediation.queries.
derive_stage), a cache of its records, so the stored words are rewritten here, not re-recorded: no record changes.

Backwards the new words stay until the case's next step derives them again (the count of items is not in them); the
older code then lists such a case as ready for review only after that step."""

from __future__ import annotations

from typing import Any

from django.db import migrations

ALL_ITEMS_DONE = r"^整改中（(\d+)/\1项）$"  # the words of the older code, n of n items done
ITEMS_DONE = "整改事项已完成，待申请现场审核"


def _forward(apps: Any, schema_editor: Any) -> None:
    Case = apps.get_model("registry", "Case")
    Case.objects.filter(status="remediating", stage__regex=ALL_ITEMS_DONE).update(stage=ITEMS_DONE)


class Migration(migrations.Migration):
    dependencies = [("remediation", "0003_task_kind_item_choices"), ("registry", "0011_search_text_masked")]
    operations = [migrations.RunPython(_forward, migrations.RunPython.noop)]
