"""The enumerations of the remediation work (主要任务（二）（三）, 附件1)."""

from __future__ import annotations

from django.db import models


class ClassificationState(models.TextChoices):
    PROPOSED = "proposed", "待牵头部门确认"
    CONFIRMED = "confirmed", "已确认"
    RETURNED = "returned", "已退回"
    SUPERSEDED = "superseded", "已被后续决定取代"


class TaskState(models.TextChoices):
    OPEN = "open", "待办理"
    DONE = "done", "已完成"
    BLOCKED = "blocked", "无法办理"
    WAIVED = "waived", "经核实无需办理"


# A task that no longer holds up the on-site review.
FINISHED_TASK_STATES = frozenset({TaskState.DONE, TaskState.WAIVED})


class TaskCondition(models.TextChoices):
    """When a shutdown creates a task of a kind (附件1)."""

    ALWAYS = "always", "每个关停取缔对象"
    LICENSED = "licensed", "已办理营业执照的"
    WATER_PERMIT = "water_permit", "持有取水许可证的"
    ILLEGAL_LAND = "illegal_land", "存在违法用地的"


class OwnerKind(models.TextChoices):
    TOWN = "town", "属地镇（街道）"
    UNIT = "unit", "指定单位"


class PlanState(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待生态环境局审批"
    APPROVED = "approved", "已批准"
    RETURNED = "returned", "已退回修改"
    SUPERSEDED = "superseded", "已被新版本取代"


class PlanItemCategory(models.TextChoices):
    EQUIPMENT = "equipment", "装备工艺"
    POLLUTION = "pollution", "污染治理"
    SAFETY = "safety", "安全管理"


class ItemState(models.TextChoices):
    OPEN = "open", "进行中"
    DONE = "done", "已完成"


class ReviewResult(models.TextChoices):
    PASSED = "passed", "通过"
    FAILED = "failed", "不通过"


class SignoffState(models.TextChoices):
    PENDING = "pending", "待签认"
    SIGNED = "signed", "已签认"
    REFUSED = "refused", "不予签认"
    NOT_NEEDED = "", "—"


class EnforcementKind(models.TextChoices):
    ORDER_STOP = "order_stop", "责令停产"
    LIMIT = "limit", "限制生产"
    FINE = "fine", "罚款"
    SEIZE = "seize", "查封扣押"
    REVOKE = "revoke", "吊销执照"
    POLICE = "police", "移送公安"
    OTHER = "other", "其他"


class EvidenceStep(models.TextChoices):
    STOP = "stop", "停产"
    TASK = "task", "整治任务"
    PLAN_ITEM = "plan_item", "整改事项"
    REVIEW = "review", "现场审核"
    ENFORCEMENT = "enforcement", "执法"


class EvidencePhase(models.TextChoices):
    BEFORE = "before", "整治前"
    AFTER = "after", "整治后"
    NONE = "", "—"


# The five items of 两断三清, in the order the document writes them; task kinds carry these codes.
TWO_CUTS_THREE_CLEARS = [
    ("water_cut", "断水"),
    ("power_cut", "断电"),
    ("clear_materials", "清除原料"),
    ("clear_equipment", "清除设备"),
    ("clear_products", "清除产品"),
]
TWO_CUTS_THREE_CLEARS_CODES = [code for code, _label in TWO_CUTS_THREE_CLEARS]

# 一刀切: a town with at least this many classified cases, all shutdowns, must justify going on.
BLANKET_SHUTDOWN_MIN = 5

AUDIT_ACTIONS: dict[str, str] = {
    "remediation.stop.recorded": "登记停产",
    "remediation.type.proposed": "提出整治类型",
    "remediation.type.confirmed": "牵头部门确认整治类型",
    "remediation.type.returned": "牵头部门退回整治类型",
    "remediation.blanket.justified": "说明全部关停取缔的理由",
    "remediation.task.created": "派发整治任务",
    "remediation.task.done": "整治任务完成",
    "remediation.task.blocked": "整治任务无法办理",
    "remediation.task.reopened": "整治任务重新办理",
    "remediation.task.waived": "牵头部门核实任务无需办理",
    "remediation.plan.saved": "保存整改方案",
    "remediation.plan.submitted": "提交整改方案",
    "remediation.plan.approved": "批准整改方案",
    "remediation.plan.returned": "退回整改方案",
    "remediation.task.withdrawn": "撤回整治任务",
    "remediation.task.restored": "恢复整治任务",
    "remediation.plan.withdrawn": "撤回整改方案",
    "remediation.plan.restored": "恢复整改方案",
    "remediation.item.done": "整改事项完成",
    "remediation.review.requested": "申请现场审核",
    "remediation.review.recorded": "现场审核",
    "remediation.signoff.signed": "牵头部门签认销号",
    "remediation.signoff.refused": "牵头部门不予签认",
    "remediation.enforcement.recorded": "登记执法记录",
    "remediation.task_kind.created": "新增任务类型",
    "remediation.task_kind.updated": "修改任务类型",
    "remediation.lead_unit.created": "新增牵头部门",
    "remediation.lead_unit.updated": "修改牵头部门",
}
