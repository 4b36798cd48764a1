from __future__ import annotations

from django.db import models


class PhaseKind(models.TextChoices):
    """三、实施步骤 of the plan."""

    MOBILISATION = "mobilisation", "动员部署"
    SURVEY = "survey", "排查摸底"
    REMEDIATION = "remediation", "综合整治"
    REVIEW = "review", "总结考评"
