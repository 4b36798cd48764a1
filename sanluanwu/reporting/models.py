"""Half-monthly reporting (四、工作要求（三）), work plans (实施步骤（一）) and briefs (工作简讯).

A period's slots are the units expected to report in it, frozen once it falls due (a unit joining or leaving later
never changes an old period's rates). A report is a frozen version: its rows, figures, the rendered xlsx and its
SHA-256; a correction is a new version, the old one stays readable.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from typing import Any

from django.conf import settings
from django.db import models

from sanluanwu.accounts.models import OrgUnit
from sanluanwu.campaigns.models import Campaign
from sanluanwu.core.withdrawal import Withdrawable
from sanluanwu.reporting.choices import BriefState, ReminderKind, ReportState, SlotState


def _who(label: str) -> models.ForeignKey:  # type: ignore[type-arg]
    return models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=label)  # fmt: skip


class Period(models.Model):
    """1st-15th or 16th-end of a month within a campaign, with its due date (the office may move it, with a reason)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="periods", verbose_name="专项行动")
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    default_due_on = models.DateField("规定报送日期")
    due_on = models.DateField("报送截止日期")
    due_reason = models.CharField("调整报送日期的理由", max_length=300, blank=True)

    class Meta:
        verbose_name = "报送期"
        verbose_name_plural = "报送期"
        ordering = ["campaign", "starts_on"]
        constraints = [models.UniqueConstraint(fields=["campaign", "starts_on"], name="period_unique_start",
                                               violation_error_message="该报送期已存在")]  # fmt: skip

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        half = "上半月" if self.starts_on.day <= 15 else "下半月"
        return f"{self.starts_on.year}年{self.starts_on.month}月{half}"

    def has_begun(self, today: dt.date) -> bool:
        """A report of the period can be drafted and submitted from its first day on (reporting.services)."""
        return today >= self.starts_on

    @property
    def span(self) -> str:
        return f"{self.starts_on.month}月{self.starts_on.day}日—{self.ends_on.month}月{self.ends_on.day}日"

    @property
    def due_moved(self) -> bool:
        return self.due_on != self.default_due_on


class DueDateChange(models.Model):
    """The office moved a period's due date (a holiday): from, to, why, who."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="due_changes", verbose_name="报送期")
    from_date = models.DateField("原截止日期")
    to_date = models.DateField("新截止日期")
    reason = models.CharField("理由", max_length=300)
    changed_by = _who("调整人")
    changed_at = models.DateTimeField("调整时间")

    class Meta:
        verbose_name = "报送日期调整"
        verbose_name_plural = "报送日期调整"
        ordering = ["period", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.period}：{self.from_date} → {self.to_date}"


class Slot(models.Model):
    """One unit expected to report in one period: where its report stands and whether its first submission was on
    time (timeliness is judged on the first submission, so a correction never makes an on-time report late)."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="slots", verbose_name="报送期")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="报送单位")
    state = models.CharField("状态", max_length=20, choices=SlotState.choices, default=SlotState.MISSING)
    first_submitted_at = models.DateTimeField("首次报送时间", null=True, blank=True)
    on_time = models.BooleanField("按时报送", null=True, blank=True)
    versions = models.PositiveIntegerField("版本数", default=0)
    version = models.PositiveIntegerField("并发版本", default=1)

    class Meta:
        verbose_name = "应报单位"
        verbose_name_plural = "应报单位"
        ordering = ["period", "unit__sort_order", "unit__name"]
        constraints = [models.UniqueConstraint(fields=["period", "unit"], name="slot_unique_unit",
                                               violation_error_message="该单位在本期已列为应报单位")]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.period} · {self.unit}"


class Report(models.Model):
    """One frozen version of a unit's report: generated from the records as of `as_of`, never changed afterwards
    except for the review's outcome."""

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="reports", verbose_name="应报单位")
    number = models.PositiveIntegerField("版本")
    state = models.CharField("状态", max_length=20, choices=ReportState.choices, default=ReportState.SUBMITTED)
    as_of = models.DateField("截至日期")
    # The 附件2 rows as zlib-compressed JSON (`rows` reads and writes them): a town's 10,000 rows are 1.7 MB of JSON,
    # 0.35 MB packed; stored as jsonb they took PostgreSQL 0.15 s to parse and store on each submission, packed 0.02.
    rows_packed = models.BinaryField("附件2 数据（压缩）", default=bytes)
    figures = models.JSONField("汇总数据", default=dict)
    previous_figures = models.JSONField("上期汇总数据", null=True, blank=True)
    previous_label = models.CharField("上期", max_length=60, blank=True)
    diff = models.JSONField("与退回版本相比", null=True, blank=True)
    file = models.BinaryField("报表文件")
    filename = models.CharField("文件名", max_length=200)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveIntegerField("文件大小")
    remark = models.TextField("备注", blank=True)
    filler = models.CharField("填表人", max_length=50)
    reviewer = models.CharField("审核人", max_length=50)
    phone = models.CharField("联系电话", max_length=30)
    submitted_by = _who("报送人")
    submitted_by_name = models.CharField("报送人", max_length=150)
    submitted_at = models.DateTimeField("报送时间")
    late = models.BooleanField("逾期报送", default=False)
    reviewed_by = _who("审核人（办公室）")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_comment = models.TextField("审核意见", blank=True)
    # The town's records' version the draft was read at or after (audit.memo.town_heads_now over the case topics):
    # the same version again means the same rows, so a repeated submission is refused before they are read again.
    data_version = models.JSONField("数据版本", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "半月报表"
        verbose_name_plural = "半月报表"
        ordering = ["slot", "-number"]
        constraints = [models.UniqueConstraint(fields=["slot", "number"], name="report_unique_version",
                                               violation_error_message="该版本已存在")]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.slot} · 第{self.number}版"

    @property
    def rows(self) -> list[Any]:
        """The frozen 附件2 rows (reporting.exports.encode_rows: [case id, cells])."""
        return unpack_rows(self.rows_packed)

    @rows.setter
    def rows(self, value: list[Any]) -> None:
        self.rows_packed = pack_rows(value)

    @property
    def town_id(self) -> int:
        return self.slot.unit_id


class ReopenRequest(models.Model):
    """A town asks to resubmit an accepted (locked) report; the office grants or refuses it, both with words."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="reopen_requests", verbose_name="应报单位")
    reason = models.TextField("理由")
    requested_by = _who("申请人")
    requested_at = models.DateTimeField("申请时间")
    granted = models.BooleanField("同意", null=True, blank=True)
    decided_by = _who("处理人")
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    comment = models.TextField("处理意见", blank=True)

    class Meta:
        verbose_name = "重新报送申请"
        verbose_name_plural = "重新报送申请"
        ordering = ["slot", "-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.slot} · 申请重新报送"


class ReminderSent(models.Model):
    """A reminder already sent: the scheduled job runs often, each reminder goes out once (for a due date: a moved
    date reminds again)."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="+", verbose_name="应报单位")
    kind = models.CharField("类别", max_length=20, choices=ReminderKind.choices)
    due_on = models.DateField("截止日期")
    days = models.SmallIntegerField("提前天数")
    sent_at = models.DateTimeField("发送时间")

    class Meta:
        verbose_name = "报送提醒"
        verbose_name_plural = "报送提醒"
        constraints = [models.UniqueConstraint(fields=["slot", "kind", "due_on", "days"], name="reminder_once",
                                               violation_error_message="该提醒已发送")]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.slot} · {self.kind} {self.days}"


class WorkPlan(Withdrawable):
    """A town's 工作方案 for a campaign (实施步骤（一）): a document, kept in every version uploaded."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+", verbose_name="专项行动")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="单位")
    number = models.PositiveIntegerField("版本")
    title = models.CharField("标题", max_length=200)
    filename = models.CharField("文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=100)
    content = models.BinaryField("文件")
    size = models.PositiveIntegerField("文件大小")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = _who("上传人")
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "工作方案"
        verbose_name_plural = "工作方案"
        ordering = ["campaign", "unit", "-number"]
        constraints = [models.UniqueConstraint(fields=["campaign", "unit", "number"], name="workplan_unique_version",
                                               violation_error_message="该版本已存在")]  # fmt: skip

    def __str__(self) -> str:
        return self.title


class Brief(Withdrawable):
    """A 工作简讯 of a town or department for a month: a draft until submitted, then read by the office."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+", verbose_name="专项行动")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="单位")
    month = models.DateField("月份", help_text="该月第一天")
    title = models.CharField("标题", max_length=120)
    text = models.TextField("正文")
    state = models.CharField("状态", max_length=20, choices=BriefState.choices, default=BriefState.DRAFT)
    created_by = _who("撰写人")
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField("更新时间")
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "工作简讯"
        verbose_name_plural = "工作简讯"
        ordering = ["-month", "unit__sort_order", "-id"]
        indexes = [models.Index(fields=["campaign", "month", "unit"], name="brief_month_idx")]

    def __str__(self) -> str:
        return self.title


class BriefPhoto(models.Model):
    """A photo of a brief, kept as taken (core.photos); shown resized."""

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="photos", verbose_name="工作简讯")
    stored_name = models.CharField("存储名", max_length=80)
    sha256 = models.CharField("SHA-256", max_length=64)
    content_type = models.CharField("类型", max_length=40)
    size = models.PositiveIntegerField("大小")
    caption = models.CharField("说明", max_length=100, blank=True)
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "简讯照片"
        verbose_name_plural = "简讯照片"
        ordering = ["brief", "id"]

    def __str__(self) -> str:
        return self.caption or self.stored_name

    @property
    def town_id(self) -> int:
        return self.brief.unit_id


def pack_rows(rows: list[Any]) -> bytes:
    return zlib.compress(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 1)


def unpack_rows(packed: Any) -> list[Any]:
    return json.loads(zlib.decompress(bytes(packed))) if packed else []  # type: ignore[no-any-return]
