"""How action codes and object types read in the timeline (pretix-style display map).

Every code written anywhere in the package has its label here; audit/tests/test_display.py finds the codes in the
source itself and fails for one without a label. Codes are stable: events already written keep them.
"""

from __future__ import annotations

from django.apps import apps

ACTION_LABELS: dict[str, str] = {
    # registry: one enterprise or case at a time, through the forms, the API and the look-back
    "registry.enterprise.created": "新建企业",
    "registry.enterprise.updated": "修改企业信息",
    "registry.case.created": "列入动态管理整治名单",
    "registry.case.updated": "修改整治信息",
    "registry.case.transitioned": "整治进度变更",
    "registry.case.reopened": "重新打开（撤销销号）",
    "registry.case.status_changed": "整治进度变更（导入）",
    "registry.baseline.created": "登记2018-2019年集中整治记录",
    # imports: a sheet of rows, each row's objects audited like a form's
    "imports.batch.uploaded": "上传导入表格",
    "imports.batch.previewed": "预览导入表格",
    "imports.batch.applying": "开始导入",
    "imports.batch.applied": "确认导入",
    "imports.batch.failed": "导入失败",
    "imports.batch.retried": "重新导入",
    "imports.enterprise.created": "导入新建企业",
    "imports.enterprise.updated": "导入修改企业信息",
    "imports.case.created": "导入列入动态管理整治名单",
    "imports.case.updated": "导入修改整治信息",
    "imports.baseline.created": "导入2018-2019年集中整治记录",
    # lookback
    "lookback.targets.generated": "逐企生成回头看排查对象",
    "lookback.target.created": "添加重点场所",
    "lookback.target.assigned": "分配排查任务",
    "lookback.inspection.started": "开始回头看检查",
    "lookback.inspection.saved": "保存检查草稿",
    "lookback.inspection.submitted": "提交回头看检查",
    "lookback.inspection.amended": "更正检查记录",
    "lookback.photo.added": "上传现场照片",
    # accounts: who may see and change what is itself a record
    "accounts.orgunit.created": "新建单位",
    "accounts.orgunit.updated": "修改单位信息",
    "accounts.membership.created": "新增任职（授予角色）",
    "accounts.membership.deleted": "撤销任职（收回角色）",
    "accounts.user.created": "新建用户",
    "accounts.user.updated": "修改用户信息",
    "accounts.user.password_changed": "修改密码",
    # campaigns: the plan's steps as data
    "campaigns.campaign.created": "新建专项行动",
    "campaigns.campaign.updated": "修改专项行动",
    "campaigns.phase.created": "新增实施阶段",
    "campaigns.phase.updated": "修改实施阶段",
    "campaigns.phase.deleted": "删除实施阶段",
}


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)


def object_type_label(object_type: str) -> str:
    """registry.case → 整治对象: the model's own Chinese name, so no app's names are repeated here."""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type
