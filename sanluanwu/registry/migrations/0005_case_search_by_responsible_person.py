"""A case's search text also holds its 责任人, so the list finds a case by the official responsible for it."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import OuterRef, Subquery, TextField, Value
from django.db.models.functions import Concat, Lower


def forwards(apps: Any, schema_editor: Any) -> None:
    Case = apps.get_model("registry", "Case")
    Enterprise = apps.get_model("registry", "Enterprise")
    own = Subquery(Enterprise.objects.filter(pk=OuterRef("enterprise_id")).values("search_text")[:1])
    Case.objects.update(search_text=Concat(own, Value(" "), Lower("responsible_person"), output_field=TextField()))


def backwards(apps: Any, schema_editor: Any) -> None:
    Case = apps.get_model("registry", "Case")
    Enterprise = apps.get_model("registry", "Enterprise")
    own = Subquery(Enterprise.objects.filter(pk=OuterRef("enterprise_id")).values("search_text")[:1])
    Case.objects.update(search_text=own)


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_case_status_history")]
    operations = [migrations.RunPython(forwards, backwards)]
