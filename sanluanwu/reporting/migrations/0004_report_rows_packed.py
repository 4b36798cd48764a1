"""A report's frozen 附件2 rows move from a jsonb column to zlib-compressed JSON (models.Report.rows_packed): the same
rows, a fifth of the bytes, and no JSON for PostgreSQL to parse on each submission. Reversible: unpacked back."""

import json
import zlib

from django.db import migrations, models


def pack(apps, schema_editor):
    Report = apps.get_model("reporting", "Report")
    for report in Report.objects.only("pk", "rows").iterator(chunk_size=50):
        packed = zlib.compress(json.dumps(report.rows or [], ensure_ascii=False, separators=(",", ":")).encode(), 1)
        Report.objects.filter(pk=report.pk).update(rows_packed=packed)


def unpack(apps, schema_editor):
    Report = apps.get_model("reporting", "Report")
    for report in Report.objects.only("pk", "rows_packed").iterator(chunk_size=50):
        rows = json.loads(zlib.decompress(bytes(report.rows_packed))) if report.rows_packed else []
        Report.objects.filter(pk=report.pk).update(rows=rows)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0003_report_data_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="rows_packed",
            field=models.BinaryField(default=bytes, verbose_name="附件2 数据（压缩）"),
        ),
        migrations.RunPython(pack, unpack, elidable=False),
        migrations.RemoveField(model_name="report", name="rows"),
    ]
