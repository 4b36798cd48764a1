"""An import (the uploaded file kept with its SHA-256, its preview and result) and the value synonyms."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from sanluanwu.accounts.models import OrgUnit
from sanluanwu.core.text import clean_text
from sanluanwu.imports.choices import BatchStatus, BatchStep, ImportKind
from sanluanwu.registry import cells
from sanluanwu.registry.choices import BaselineMethod, LicenceStatus, RemediationType


class ImportBatch(models.Model):
    """One uploaded sheet: kept unchanged (bytes and SHA-256) with what the preview and the confirm did."""

    kind = models.CharField("导入类型", max_length=20, choices=ImportKind.choices)
    unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="导入单位", help_text="为空表示按表中“所属镇（街道）”列")  # fmt: skip
    filename = models.CharField("文件名", max_length=255)
    content = models.BinaryField("文件内容")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    size = models.PositiveIntegerField("大小（字节）")
    coord_datum = models.CharField("坐标系", max_length=10, default="wgs84")
    column_mapping = models.JSONField("列对应（用户指定）", default=dict, blank=True)
    sheet_date = models.DateField("表中填报日期", null=True, blank=True,
                                  help_text="表头上方的填报日期或截至日期：各行所述情况的日期，新列入名单的整治对象以此为列入日期")  # fmt: skip
    all_or_nothing = models.BooleanField("全部成功才导入", default=False)
    status = models.CharField("状态", max_length=20, choices=BatchStatus.choices, default=BatchStatus.UPLOADED)
    step = models.CharField("当前步骤", max_length=10, choices=BatchStep.choices, default=BatchStep.PREVIEW)
    job_id = models.CharField("后台任务编号", max_length=64, blank=True)
    heartbeat_at = models.DateTimeField("后台处理最近一次报告", null=True, blank=True,
                                        help_text="后台任务开始和每处理一段行时更新；长时间没有更新说明任务已中断")  # fmt: skip
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    counts = models.JSONField("统计", default=dict, blank=True)
    preview = models.JSONField("预览", default=dict, blank=True)
    result = models.JSONField("结果", default=dict, blank=True)
    message = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="导入人")  # fmt: skip
    created_by_label = models.CharField("导入人（账号）", max_length=150, help_text="命令行导入时为“命令行:…”")
    created_at = models.DateTimeField("上传时间")
    applied_at = models.DateTimeField("导入时间", null=True, blank=True)

    class Meta:
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"导入批次 #{self.pk}（{self.filename}）"


class ValueSynonym(models.Model):
    """A town's own word for a value (e.g. 整治提升 → 治理改造); the built-in list covers the usual ones."""

    FIELD_CHOICES = [("remediation_type", "整治类型"), ("licence_status", "营业执照办理情况"),
                     ("baseline_method", "2018-2019年整治方式")]  # fmt: skip
    field = models.CharField("栏目", max_length=30, choices=FIELD_CHOICES)
    text = models.CharField("表中写法", max_length=50)
    value = models.CharField("对应取值", max_length=30, help_text="如 shutdown、rectification、licensed、unlicensed")

    class Meta:
        verbose_name = "取值同义词"
        verbose_name_plural = "取值同义词"
        constraints = [models.UniqueConstraint(fields=["field", "text"], name="synonym_unique")]

    def __str__(self) -> str:
        return f"{self.get_field_display()}：{self.text} → {self.value_label}"

    @property
    def value_label(self) -> str:
        return dict(synonym_values(self.field)).get(self.value, self.value)

    def clean(self) -> None:
        allowed = dict(synonym_values(self.field))
        if self.field in SYNONYM_VALUES and self.value not in allowed:
            raise ValidationError({"value": f"“{self.get_field_display()}”只能对应：{'、'.join(allowed.values())}"})
        written = clean_text(self.text or "")
        if not written:
            raise ValidationError({"text": "请填写表中写法（不能只有空格或控制字符）"})
        # A value's own name (关停取缔, 治理改造 …) means that value in every sheet: no synonym may make it mean another.
        for value, label in allowed.items():
            if cells.key(written) == cells.key(label) and value != self.value:
                raise ValidationError({"text": f"“{written}”是“{self.get_field_display()}”的标准取值“{label}”，"
                                               f"不能对应为“{allowed.get(self.value, self.value)}”"})  # fmt: skip


# What each kind of value synonym may stand for: the values the registry's columns take.
SYNONYM_VALUES: dict[str, type[models.TextChoices]] = {
    "remediation_type": RemediationType, "licence_status": LicenceStatus, "baseline_method": BaselineMethod,
}  # fmt: skip


def synonym_values(field: str) -> list[tuple[str, str]]:
    choices = SYNONYM_VALUES.get(field)
    return [(value, str(label)) for value, label in choices.choices] if choices else []


class UnitColumnMapping(models.Model):
    """A header a town's sheets use that the built-in synonyms do not know, and the column it means.

    Remembered when the town's user maps it in a preview; applied to the town's next uploads of the same kind
    (the preview says so); the town can clear its mappings on the import page.
    """

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+", verbose_name="单位")
    kind = models.CharField("导入类型", max_length=20, choices=ImportKind.choices)
    header_key = models.CharField(
        "表头（比较用）", max_length=200, help_text="imports.layout.header_key() of the header"
    )
    header = models.CharField("表头（原文）", max_length=200)
    field = models.CharField("对应栏目", max_length=30, help_text="imports.layout 的栏目名，或 ignore（不导入）")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="指定人")  # fmt: skip
    updated_at = models.DateTimeField("指定时间")

    class Meta:
        verbose_name = "记住的列对应"
        verbose_name_plural = "记住的列对应"
        ordering = ["unit", "kind", "header"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind", "header_key"],
                name="unit_column_mapping_unique",
                violation_error_message="该单位已记住这一表头的对应",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.header} → {self.field_label}"

    @property
    def field_label(self) -> str:
        from sanluanwu.imports.layout import FIELD_LABELS

        return FIELD_LABELS.get(self.field, self.field)


class StoredPlan(models.Model):
    """The preview's plan of a batch, kept so that the confirm applies it without planning again.

    Used only while its fingerprint (file, mapping, user, day, synonyms, towns and the registry's audit
    watermark) still matches: anything that could change a row's outcome makes the confirm plan anew.
    """

    batch = models.OneToOneField(ImportBatch, primary_key=True, on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=64)
    filename = models.CharField(max_length=100, help_text="under settings.IMPORT_PLAN_ROOT")
    mac = models.CharField(max_length=64, help_text="HMAC-SHA256 of the file with the site's secret key")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "导入预览计划"
        verbose_name_plural = "导入预览计划"

    def __str__(self) -> str:
        return f"导入批次 #{self.batch_id} 的预览计划"
