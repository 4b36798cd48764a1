from __future__ import annotations

from django.db import models


class PhaseKind(models.TextChoices):
    """三、实施步骤 of the plan."""

    MOBILISATION = "mobilisation", "动员部署"
    SURVEY = "survey", "排查摸底"
    REMEDIATION = "remediation", "综合整治"
    REVIEW = "review", "总结考评"


# How this app's audit action codes read on the timeline (registered with the audit app in apps.py).
AUDIT_ACTIONS: dict[str, str] = {
    "campaigns.campaign.created": "新建专项行动",
    "campaigns.campaign.updated": "修改专项行动",
    "campaigns.phase.created": "新增实施阶段",
    "campaigns.phase.updated": "修改实施阶段",
    "campaigns.phase.deleted": "删除实施阶段",
    "campaigns.campaign.participants": "调整参加单位",
}
