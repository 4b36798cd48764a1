from __future__ import annotations

from django.db import models


class ImportKind(models.TextChoices):
    LIST = "list", "动态管理整治名单（附件2）"
    BASELINE = "baseline", "2018-2019年集中整治名单"


class BatchStatus(models.TextChoices):
    """Where a batch stands. QUEUED, PREVIEWING and APPLYING are a background job's; a job that dies leaves its
    batch INTERRUPTED (imports.jobs.settle), to be retried, never stuck."""

    UPLOADED = "uploaded", "已上传"
    QUEUED = "queued", "排队中"
    PREVIEWING = "previewing", "正在预览"
    PREVIEWED = "previewed", "待确认"
    APPLYING = "applying", "正在导入"
    APPLIED = "applied", "已导入"
    REJECTED = "rejected", "无法读取"
    FAILED = "failed", "导入失败"
    INTERRUPTED = "interrupted", "处理中断，可重试"
    CANCELLED = "cancelled", "已取消"


BUSY = (BatchStatus.QUEUED, BatchStatus.PREVIEWING, BatchStatus.APPLYING)


class BatchStep(models.TextChoices):
    PREVIEW = "preview", "预览"
    CONFIRM = "confirm", "确认导入"


# How this app's audit action codes read on the timeline (registered with the audit app in apps.py).
AUDIT_ACTIONS: dict[str, str] = {
    "imports.batch.uploaded": "上传导入表格",
    "imports.batch.downloaded": "下载导入的原始表格",
    "imports.batch.previewed": "预览导入表格",
    "imports.batch.applying": "开始导入",
    "imports.batch.applied": "确认导入",
    "imports.batch.failed": "导入失败",
    "imports.batch.retried": "重新处理导入表格",
    "imports.batch.queued": "导入表格排队等待后台处理",
    "imports.batch.started": "后台开始处理导入表格",
    "imports.batch.rejected": "导入表格无法读取",
    "imports.batch.interrupted": "导入表格的后台处理中断",
    "imports.batch.cancelled": "取消导入",
    "imports.enterprise.created": "导入新建企业",
    "imports.enterprise.updated": "导入修改企业信息",
    "imports.case.created": "导入列入动态管理整治名单",
    "imports.case.updated": "导入修改整治信息",
    "imports.baseline.created": "导入2018-2019年集中整治记录",
    "imports.batch.mapped": "指定导入表格的列对应",
    "imports.column_mappings.cleared": "清除记住的列对应",
    "imports.value_synonym.created": "新增取值同义词",
    "imports.value_synonym.updated": "修改取值同义词",
    "imports.value_synonym.deleted": "删除取值同义词",
}

# Security events among them (the security admin reviews them: audit.display.SECURITY_ACTIONS).
SECURITY_ACTIONS = frozenset({"imports.batch.downloaded"})
