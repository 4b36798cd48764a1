from __future__ import annotations

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "sanluanwu.registry"
    label = "registry"
    verbose_name = "动态管理整治名单"

    def ready(self) -> None:
        from sanluanwu.audit.display import register_action_labels
        from sanluanwu.registry.choices import AUDIT_ACTIONS

        register_action_labels(AUDIT_ACTIONS)
