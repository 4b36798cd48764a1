"""The states of a unit's half-monthly report and the words of the reporting work."""

from __future__ import annotations

from django.db import models


class SlotState(models.TextChoices):
    """Where a unit's report for one period stands (DHIS2's data approval, with a reopening that needs a reason)."""

    MISSING = "missing", "未报送"
    SUBMITTED = "submitted", "已报送，待审核"
    RETURNED = "returned", "已退回，待重新报送"
    ACCEPTED = "accepted", "已审核通过"
    REOPEN_REQUESTED = "reopen_requested", "已申请重新报送"
    REOPENED = "reopened", "已同意重新报送"


# A report may be (re)submitted from these states; the office reviews SUBMITTED; ACCEPTED is locked.
SUBMITTABLE = {SlotState.MISSING, SlotState.SUBMITTED, SlotState.RETURNED, SlotState.REOPENED}


class ReportState(models.TextChoices):
    """One frozen version of a report."""

    SUBMITTED = "submitted", "待审核"
    SUPERSEDED = "superseded", "已被新版本替代"
    RETURNED = "returned", "已退回"
    ACCEPTED = "accepted", "已审核通过"


class ReminderKind(models.TextChoices):
    BEFORE = "before", "报送前提醒"
    MISSING = "missing", "逾期未报送（告知办公室）"


class BriefState(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已报送"


# The figures of a report's summary, in the order the tables show them (key, heading).
FIGURES: list[tuple[str, str]] = [
    ("listed", "列入名单"),
    ("stopped", "已停产（累计）"),
    ("remediating", "整治中"),
    ("awaiting_review", "待审核销号"),
    ("closed", "已销号"),
    ("overdue", "逾期未完成"),
    ("relapsed", "销号后复发"),
]
FIGURE_KEYS = [key for key, _label in FIGURES]

AUDIT_ACTIONS: dict[str, str] = {
    "reporting.period.due_moved": "调整报送日期",
    "reporting.report.submitted": "报送半月报表",
    "reporting.report.accepted": "审核通过半月报表",
    "reporting.report.returned": "退回半月报表",
    "reporting.report.reopen_requested": "申请重新报送",
    "reporting.report.reopen_granted": "同意重新报送",
    "reporting.report.reopen_refused": "不同意重新报送",
    "reporting.workplan.uploaded": "上传工作方案",
    "reporting.workplan.withdrawn": "撤回工作方案",
    "reporting.workplan.restored": "恢复工作方案",
    "reporting.brief.withdrawn": "撤回工作简讯",
    "reporting.brief.restored": "恢复工作简讯",
    "reporting.brief.saved": "保存工作简讯",
    "reporting.brief.submitted": "报送工作简讯",
    "reporting.report.revealed": "查看报表联系电话（完整号码）",
}

# Security events among them (the security admin reviews them: audit.display.SECURITY_ACTIONS).
SECURITY_ACTIONS = frozenset({"reporting.report.revealed"})
