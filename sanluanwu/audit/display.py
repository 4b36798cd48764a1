"""How action codes and field names read in the timeline (pretix-style display map)."""

from __future__ import annotations

ACTION_LABELS: dict[str, str] = {
    "registry.enterprise.created": "新建企业",
    "registry.enterprise.updated": "修改企业信息",
    "registry.case.created": "列入动态管理整治名单",
    "registry.case.updated": "修改整治信息",
    "registry.case.transitioned": "整治进度变更",
    "registry.baseline.created": "登记2018-2019年集中整治记录",
}


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)
