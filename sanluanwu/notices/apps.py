from __future__ import annotations

from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "sanluanwu.notices"
    label = "notices"
    verbose_name = "消息提醒"
