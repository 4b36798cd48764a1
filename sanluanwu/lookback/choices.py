from __future__ import annotations

from django.db import models


class PlaceKind(models.TextChoices):
    """What is checked: a 2018-2019 enterprise, or a key place of 主要任务（一）."""

    BASELINE = "baseline", "2018-2019年整治企业"
    ABANDONED_FACTORY = "abandoned_factory", "废弃（空置）厂房"  # a find there is 第三类 (checklist.PLACE_GROUPS)
    FARM = "farm", "养殖场"
    IDLE_HOUSE = "idle_house", "闲置民房"
    RENTAL = "rental", "出租房"
    OTHER = "other", "其他场所"


class TargetStatus(models.TextChoices):
    TO_DO = "to_do", "待排查"
    DONE = "done", "已排查"


class InspectionStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"


class InspectionResult(models.TextChoices):
    NO_PROBLEM = "no_problem", "未发现问题"
    PROBLEMS_FOUND = "problems_found", "发现问题"


class Answer(models.TextChoices):
    YES = "yes", "是"
    NO = "no", "否"
    NOT_APPLICABLE = "na", "不适用"


# The kinds a user may add by hand (a baseline place is generated from the 2018-2019 list).
NEW_PLACE_KINDS = [c for c in PlaceKind.choices if c[0] != PlaceKind.BASELINE]


# How this app's audit action codes read on the timeline (registered with the audit app in apps.py).
AUDIT_ACTIONS: dict[str, str] = {
    "lookback.targets.generated": "逐企生成回头看排查对象",
    "lookback.target.created": "添加重点场所",
    "lookback.target.assigned": "分配排查任务",
    "lookback.inspection.started": "开始回头看检查",
    "lookback.inspection.saved": "保存检查草稿",
    "lookback.inspection.submitted": "提交回头看检查",
    "lookback.inspection.amended": "更正检查记录",
    "lookback.photo.added": "上传现场照片",
    "lookback.inspection.revealed": "查看新发现企业的完整联系电话",
    "lookback.target.withdrawn": "撤回排查对象",
    "lookback.target.restored": "恢复排查对象",
    "lookback.inspection.withdrawn": "撤回检查记录",
    "lookback.inspection.restored": "恢复检查记录",
    "lookback.photo.withdrawn": "撤回现场照片",
    "lookback.photo.restored": "恢复现场照片",
    "lookback.find.phone_compared": "按联系电话比对新发现企业是否已在册",
}

# Security events among them (the security admin reviews them: audit.display.SECURITY_ACTIONS).
SECURITY_ACTIONS = frozenset({"lookback.inspection.revealed", "lookback.find.phone_compared"})
