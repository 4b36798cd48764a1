from __future__ import annotations

from django.db import models


class ImportKind(models.TextChoices):
    LIST = "list", "动态管理整治名单（附件2）"
    BASELINE = "baseline", "2018-2019年集中整治名单"


class BatchStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    PREVIEWING = "previewing", "正在预览"
    PREVIEWED = "previewed", "待确认"
    APPLYING = "applying", "正在导入"
    APPLIED = "applied", "已导入"
    REJECTED = "rejected", "无法读取"
    FAILED = "failed", "导入失败"
    CANCELLED = "cancelled", "已取消"
