from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sanluanwu.core"
    label = "core"
    verbose_name = "公共"
