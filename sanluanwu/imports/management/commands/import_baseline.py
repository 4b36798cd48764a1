"""`python manage.py import_baseline FILE --unit 湖塘镇 [--dry-run] [--json]`: the 2018-2019 list."""

from __future__ import annotations

from sanluanwu.imports.management.commands._base import ImportCommand


class Command(ImportCommand):
    help = "导入2018-2019年集中整治名单（回头看的逐企排查底册）"
    kind = "baseline"
