"""The enumerations of 附件2 and the case lifecycle."""

from __future__ import annotations

import datetime as dt

from django.db import models


class LicenceStatus(models.TextChoices):
    """营业执照办理情况."""

    LICENSED = "licensed", "已办理"
    IN_PROGRESS = "in_progress", "正在办理"
    UNLICENSED = "unlicensed", "未办理"


# 填写说明 1 applies to every enterprise that holds no licence yet.
NO_LICENCE = {LicenceStatus.UNLICENSED, LicenceStatus.IN_PROGRESS}


class LookbackCategory(models.IntegerChoices):
    """属于"回头看"四种排查类型类别 (填写说明 3)."""

    RESUMED = 1, "第一类：关停取缔后复产经营"
    RELAPSED = 2, "第二类：治理改造后重新沦为“散乱污”"
    NEW_IN_VACANT = 3, "第三类：空置厂房新的“散乱污”进驻"
    NEVER_LISTED = 4, "第四类：新发现未纳入“散乱污”整治"


# 第一类 … 第四类: the short form of 填写说明 3's own words, the one way a category is written in lists and messages.
_CATEGORY_SHORT = {int(c.value): str(c.label).split("：", 1)[0] for c in LookbackCategory}


def category_short(value: int | str | None) -> str:
    """第一类 … 第四类 for a category number; "" for none (and for anything that is not a category)."""
    try:
        return _CATEGORY_SHORT.get(int(value), "")  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""


class RemediationType(models.TextChoices):
    """整治类型: shutdown (lead 工信局) or rectification (lead 武进生态环境局)."""

    SHUTDOWN = "shutdown", "关停取缔"
    RECTIFICATION = "rectification", "治理改造"


class CaseStatus(models.TextChoices):
    """Where a case stands: 先停后治, then remediation, on-site review and 销号."""

    LISTED = "listed", "已列入名单"
    STOPPED = "stopped", "已停产"
    REMEDIATING = "remediating", "整治中"
    AWAITING_REVIEW = "awaiting_review", "待现场审核"
    AWAITING_SIGNOFF = "awaiting_signoff", "待牵头部门签认"
    CLOSED = "closed", "已销号"
    # Listed by mistake (误列): withdrawn with a reason instead of deleted, restorable; off lists, counts and figures.
    WITHDRAWN = "withdrawn", "已撤销（误列）"


class Stage:
    """The words of 整治进度 the remediation work derives from its records (Case.stage), within a status. Defined here,
    where 附件2 is written and read, so the import reads back exactly what the export writes."""

    AWAITING_TYPE = "待部门确认类型"
    TYPE_RETURNED = "类型被退回，待重新提出"
    TWO_CUTS_THREE_CLEARS = "两断三清进行中"  # followed by （done/5）
    TASKS_DONE = "任务已完成，待申请现场审核"
    PLAN_TO_DRAFT = "待编制整改方案"
    PLAN_RETURNED = "整改方案退回修改"
    PLAN_SUBMITTED = "待确认整改方案"
    RECTIFYING = "整改中"  # followed by （done/n项）
    ITEMS_DONE = "整改事项已完成，待申请现场审核"  # every item of the plan done (it read 整改中（3/3项） beside 逾期)

    # The status each belongs to; the counted ones only with their count (a bare 整改中 is a town's own word).
    STATUS = {AWAITING_TYPE: "stopped", TYPE_RETURNED: "stopped", TASKS_DONE: "remediating",
              PLAN_TO_DRAFT: "remediating", PLAN_RETURNED: "remediating", PLAN_SUBMITTED: "remediating",
              ITEMS_DONE: "remediating"}  # fmt: skip
    COUNTED = {TWO_CUTS_THREE_CLEARS: "remediating", RECTIFYING: "remediating"}


OPEN_STATUSES = [CaseStatus.LISTED, CaseStatus.STOPPED, CaseStatus.REMEDIATING, CaseStatus.AWAITING_REVIEW,
                 CaseStatus.AWAITING_SIGNOFF]  # fmt: skip


class BaselineMethod(models.TextChoices):
    """How an enterprise was remediated in 2018-2019; the text as the town wrote it is kept beside."""

    SHUTDOWN = "shutdown", "关停取缔"
    RECTIFICATION = "rectification", "治理改造"
    RELOCATION = "relocation", "整合搬迁"
    OTHER = "other", "其他"


# Status → its words, looked up once per row of an export (CaseStatus(status).label rebuilds the choices each call).
_STATUS_WORDS = {str(s.value): str(s.label) for s in CaseStatus}


def progress_words(status: str, note: str, closed_on: dt.date | None, stage: str = "") -> str:
    """整治进度 in words, from the record: "已停产：已断水断电", "两断三清进行中（3/5）", "已销号（2020-08-20）". The one
    rendering of it (list, case page, 附件2, API); `stage` is what the remediation work derives from the case's tasks
    or plan (registry stores it, never types it); an import reads these words back."""
    text = _STATUS_WORDS.get(status, status)
    if stage and status != CaseStatus.CLOSED:
        text = stage
    if status == CaseStatus.CLOSED and closed_on:
        text = f"{text}（{closed_on:%Y-%m-%d}）"
    return f"{text}：{note}" if note else text


# How this app's audit action codes read on the timeline (registered with the audit app in apps.py).
AUDIT_ACTIONS: dict[str, str] = {
    "registry.enterprise.created": "新建企业",
    "registry.enterprise.updated": "修改企业信息",
    "registry.case.created": "列入动态管理整治名单",
    "registry.case.updated": "修改整治信息",
    "registry.case.transitioned": "整治进度变更",
    "registry.case.reopened": "重新打开（撤销销号）",
    "registry.case.withdrawn": "撤销（误列）",
    "registry.case.restored": "恢复已撤销的整治对象",
    "registry.case.status_changed": "整治进度变更（导入）",
    "registry.baseline.created": "登记2018-2019年集中整治记录",
    "registry.enterprise.revealed": "查看完整联系电话",
    "registry.credit_code_clash.raised": "发现统一社会信用代码与其他镇（街道）重复",
    "registry.credit_code_clash.resolved": "处理统一社会信用代码重复",
    "registry.export.created": "导出表格（个人信息已脱敏）",
    "registry.export.unmasked": "导出含完整个人信息的表格",
    "registry.export.refused": "导出完整个人信息被拒绝（无权限）",
}

# Security events among them (the security admin reviews them: audit.display.SECURITY_ACTIONS).
SECURITY_ACTIONS = frozenset(
    {"registry.export.created", "registry.export.unmasked", "registry.export.refused", "registry.enterprise.revealed"}
)
