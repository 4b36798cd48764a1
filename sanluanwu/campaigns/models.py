"""A campaign (专项行动) and its phases, stored as data so the next campaign needs no code change."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from sanluanwu.accounts.models import OrgUnit
from sanluanwu.campaigns.choices import PhaseKind
from sanluanwu.core import params


class Campaign(models.Model):
    """One campaign, e.g. the 2020 回头看 百日专项行动; cases on the dynamic list belong to one."""

    name = models.CharField("名称", max_length=200, unique=True)
    document_no = models.CharField("文件", max_length=200, blank=True)
    issued_on = models.DateField("印发日期", null=True, blank=True)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    baseline_label = models.CharField("回头看的集中整治批次", max_length=60, default="2018-2019年集中整治")
    is_active = models.BooleanField("进行中", default=True)
    district = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="所属区", limit_choices_to={"kind": "district"})  # fmt: skip
    # The units taking part: the towns send the 附件2 table each half month, towns and departments send briefs. A
    # period freezes the towns expected when it falls due (reporting), so a later change never rewrites old rates.
    participants = models.ManyToManyField(OrgUnit, blank=True, related_name="campaigns", verbose_name="参加单位")
    # 四、工作要求（三）: the 附件2 table before the 15th and the 30th (February: its last day), 1-2 briefs a month.
    first_due_day = models.PositiveSmallIntegerField("上半月报送日", default=15)
    second_due_day = models.PositiveSmallIntegerField(
        "下半月报送日", default=30, help_text="月末不足该日时为月末最后一天"
    )
    reminder_days = models.CharField("提前提醒天数", max_length=20, default="3,1", help_text="逗号分隔，如 3,1")
    briefs_min = models.PositiveSmallIntegerField("每月工作简讯（至少）", default=1)
    briefs_max = models.PositiveSmallIntegerField("每月工作简讯（至多）", default=2)
    updated_at = models.DateTimeField("更新时间", null=True, blank=True)

    class Meta:
        verbose_name = "专项行动"
        verbose_name_plural = "专项行动"
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for name, label in (("issued_on", "印发日期"), ("starts_on", "开始日期"), ("ends_on", "结束日期")):
            if message := params.date_error(getattr(self, name), label):
                errors[name] = message
        if errors:
            raise ValidationError(errors)
        if self.issued_on and self.ends_on and self.issued_on > self.ends_on:
            errors["issued_on"] = "印发日期不能晚于专项行动的结束日期"
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "结束日期不能早于开始日期"
        if self.starts_on and self.ends_on and (self.ends_on - self.starts_on).days > 3 * 366:
            errors["ends_on"] = "专项行动不能超过三年，请检查结束日期"
        if not 16 <= (self.second_due_day or 0) <= 31:
            errors["second_due_day"] = "下半月报送日应在 16 至 31 日之间（下半月从16日开始）"
        if not 1 <= (self.first_due_day or 0) <= 15:
            errors["first_due_day"] = "上半月报送日应在 1 至 15 日之间"
        if self.reminder_days and self.reminder_day_list() is None:
            errors["reminder_days"] = "提前提醒天数应为 0 至 14 之间的整数，用逗号分隔，如 3,1"
        if (self.briefs_min or 0) > (self.briefs_max or 0):
            errors["briefs_max"] = "每月工作简讯的上限不能小于下限"
        if errors:
            raise ValidationError(errors)

    def reminder_day_list(self) -> list[int] | None:
        """The days before a due date on which the units not yet reported are reminded; None when written wrong."""
        try:
            days = sorted({int(p) for p in self.reminder_days.replace("，", ",").split(",") if p.strip()}, reverse=True)
        except ValueError:
            return None
        return days if all(0 <= d <= 14 for d in days) and len(days) <= 5 else None


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
