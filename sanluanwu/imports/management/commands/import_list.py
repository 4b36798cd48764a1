"""`python manage.py import_list FILE --unit 湖塘镇 [--dry-run] [--json]`: import a filled-in 附件2."""

from __future__ import annotations

from sanluanwu.imports.management.commands._base import ImportCommand


class Command(ImportCommand):
    help = "导入镇（街道）填报的附件2（动态管理整治企业清单）"
    kind = "list"
