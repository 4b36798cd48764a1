from __future__ import annotations

from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "sanluanwu.campaigns"
    label = "campaigns"
    verbose_name = "专项行动"

    def ready(self) -> None:
        from sanluanwu.audit.display import register_action_labels
        from sanluanwu.campaigns.choices import AUDIT_ACTIONS

        register_action_labels(AUDIT_ACTIONS)
