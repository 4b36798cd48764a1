from __future__ import annotations

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "sanluanwu.registry"
    label = "registry"
    verbose_name = "动态管理整治名单"
