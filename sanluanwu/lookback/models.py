"""The look-back: places to check (逐企), inspections with checklist answers and photos, amendments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from sanluanwu.accounts.models import OrgUnit
from sanluanwu.campaigns.models import Campaign
from sanluanwu.core.text import full_address
from sanluanwu.core.withdrawal import Withdrawable
from sanluanwu.lookback.choices import Answer, InspectionResult, InspectionStatus, PlaceKind, TargetStatus
from sanluanwu.registry.models import BaselineRecord, Case, Enterprise


class Target(Withdrawable):
    """A place to check in a campaign: every 2018-2019 enterprise, and key places a town adds."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+", verbose_name="专项行动")
    town = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="镇（街道）")
    kind = models.CharField("类型", max_length=20, choices=PlaceKind.choices)
    enterprise = models.ForeignKey(Enterprise, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="企业")  # fmt: skip
    baseline_record = models.ForeignKey(BaselineRecord, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", verbose_name="集中整治记录")  # fmt: skip
    name = models.CharField("名称", max_length=200)
    address = models.CharField("地址", max_length=300)
    village = models.CharField("村（社区）", max_length=60, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="排查员")  # fmt: skip
    status = models.CharField("状态", max_length=10, choices=TargetStatus.choices, default=TargetStatus.TO_DO)
    created_at = models.DateTimeField("创建时间")

    class Meta:
        verbose_name = "排查对象"
        verbose_name_plural = "排查对象"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "enterprise"], condition=Q(enterprise__isnull=False),
                                    name="target_one_per_enterprise",
                                    violation_error_message="该企业在本次专项行动中已有排查任务"),
        ]  # fmt: skip
        indexes = [
            # The work list: one inspector's open places, and a town's progress by status.
            models.Index(fields=["assigned_to", "status"], name="target_assignee_idx"),
            models.Index(fields=["campaign", "town", "status"], name="target_progress_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def full_address(self) -> str:
        return full_address(self.town.name, self.village, self.address)


class Inspection(Withdrawable):
    """One on-site check of a place: draft until submitted; afterwards changed only by a recorded amendment."""

    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="inspections", verbose_name="排查对象")
    town = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="镇（街道）")
    status = models.CharField("状态", max_length=10, choices=InspectionStatus.choices, default=InspectionStatus.DRAFT)
    inspected_at = models.DateTimeField("检查时间")
    inspectors = models.CharField("检查人员", max_length=200)
    longitude = models.DecimalField("检查位置经度", max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField("检查位置纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.FloatField("定位精度（米）", null=True, blank=True)
    distance_m = models.FloatField("与登记位置距离（米）", null=True, blank=True)
    distance_reason = models.CharField("距离较远的原因", max_length=300, blank=True)
    result = models.CharField("结果", max_length=20, choices=InspectionResult.choices, blank=True)
    env_problems = models.TextField("存在环境违法行为、环境风险问题情况", blank=True)
    safety_problems = models.TextField("存在安全隐患情况", blank=True)
    other_problems = models.TextField("存在其他问题情况", blank=True)
    derived_category = models.PositiveSmallIntegerField("系统判定类别", null=True, blank=True)
    category = models.PositiveSmallIntegerField("排查类型类别", null=True, blank=True)
    category_reason = models.CharField("更正类别的理由", max_length=300, blank=True)
    new_name = models.CharField("新发现企业名称", max_length=200, blank=True)
    new_legal_person = models.CharField("新发现企业负责人", max_length=50, blank=True)
    new_phone = models.CharField("新发现企业电话", max_length=30, blank=True)
    new_industry = models.CharField("新发现企业行业", max_length=100, blank=True)
    new_credit_code = models.CharField("新发现企业信用代码", max_length=18, blank=True)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="列入名单的整治对象")  # fmt: skip
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name="记录人")  # fmt: skip
    created_at = models.DateTimeField("创建时间")
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "回头看检查"
        verbose_name_plural = "回头看检查"
        ordering = ["-inspected_at", "-id"]

    def __str__(self) -> str:
        return f"{self.target.name} {self.inspected_at:%Y-%m-%d}"


class ChecklistAnswer(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers")
    item = models.CharField("检查项", max_length=40)
    answer = models.CharField("回答", max_length=3, choices=Answer.choices)
    note = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "检查项回答"
        verbose_name_plural = "检查项回答"
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="answer_unique_item")]

    def __str__(self) -> str:
        return f"{self.item}: {self.answer}"


class Photo(Withdrawable):
    """A photo as taken: the original kept unchanged (SHA-256) outside the web root, a resized copy for viewing."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="photos")
    item = models.CharField("检查项", max_length=40, blank=True)
    original_name = models.CharField("原文件名", max_length=255)
    stored_name = models.CharField("存储名", max_length=100, unique=True)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)  # a remediation photo sent again is found by it
    content_type = models.CharField("类型", max_length=30)
    size = models.PositiveIntegerField("大小")
    width = models.PositiveIntegerField("宽")
    height = models.PositiveIntegerField("高")
    taken_at = models.DateTimeField("拍摄时间（EXIF）", null=True, blank=True)
    longitude = models.DecimalField("拍摄位置经度（EXIF）", max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField("拍摄位置纬度（EXIF）", max_digits=9, decimal_places=6, null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "现场照片"
        verbose_name_plural = "现场照片"

    def __str__(self) -> str:
        return self.original_name


class Amendment(models.Model):
    """A correction of a submitted inspection: who, when, why, old → new."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="amendments")
    reason = models.CharField("更正理由", max_length=300)
    changes = models.JSONField("更正内容", default=dict)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("更正时间")

    class Meta:
        verbose_name = "检查更正"
        verbose_name_plural = "检查更正"

    def __str__(self) -> str:
        return self.reason
