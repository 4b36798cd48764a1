from __future__ import annotations

from django.apps import AppConfig


class LookbackConfig(AppConfig):
    name = "sanluanwu.lookback"
    label = "lookback"
    verbose_name = "回头看排查"
