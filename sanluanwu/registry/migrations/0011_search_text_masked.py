"""The search text of enterprises and cases with phone and ID numbers masked (core.text.search_text): a search for a
number's hidden digits told them, one query at a time, to users who may not reveal them. Rewrites only the rows whose
search text holds seven digits or more (nothing else can hold a number the masking hides)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

_SEVEN_DIGITS = r"([0-9０-９][^0-9０-９]*){7}"


def _mask(apps: Any, schema_editor: Any) -> None:
    from sanluanwu.core.masking import mask_text

    for name in ("Enterprise", "Case"):
        model = apps.get_model("registry", name)
        rows = model.objects.filter(search_text__regex=_SEVEN_DIGITS).only("pk", "search_text")
        batch = []
        for row in rows.iterator(chunk_size=2000):
            masked = mask_text(row.search_text).lower()
            if masked != row.search_text:
                row.search_text = masked
                batch.append(row)
            if len(batch) >= 2000:
                model.objects.bulk_update(batch, ["search_text"])
                batch = []
        model.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [("registry", "0010_status_change_at_index")]
    operations = [migrations.RunPython(_mask, migrations.RunPython.noop)]
