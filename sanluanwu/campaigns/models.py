"""A campaign (专项行动) and its phases, stored as data so the next campaign needs no code change."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from sanluanwu.campaigns.choices import PhaseKind


class Campaign(models.Model):
    """One campaign, e.g. the 2020 回头看 百日专项行动; cases on the dynamic list belong to one."""

    name = models.CharField("名称", max_length=200, unique=True)
    document_no = models.CharField("文件", max_length=200, blank=True)
    issued_on = models.DateField("印发日期", null=True, blank=True)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    baseline_label = models.CharField("回头看的集中整治批次", max_length=60, default="2018-2019年集中整治")
    is_active = models.BooleanField("进行中", default=True)

    class Meta:
        verbose_name = "专项行动"
        verbose_name_plural = "专项行动"
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "结束日期不能早于开始日期"})


class Phase(models.Model):
    """A step of 三、实施步骤 with its dates."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases", verbose_name="专项行动")
    kind = models.CharField("阶段", max_length=20, choices=PhaseKind.choices)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    description = models.TextField("工作内容", blank=True)

    class Meta:
        verbose_name = "阶段"
        verbose_name_plural = "阶段"
        ordering = ["campaign", "starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "kind"],
                name="phase_unique_kind",
                violation_error_message="同一专项行动的每个阶段只能有一条",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.get_kind_display()}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "结束日期不能早于开始日期"})
