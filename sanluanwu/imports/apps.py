from __future__ import annotations

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "sanluanwu.imports"
    label = "imports"
    verbose_name = "表格导入"
