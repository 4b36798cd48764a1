"""The registry API's documentation in Chinese (core.api_docs): its groups and each operation's summary and
description, keyed by drf-spectacular's operation ids."""

from __future__ import annotations

TAGS = {
    "cases": (
        "整治对象（动态管理名单）",
        "附件2 的整治对象：列表、查看、新增、修改、按工作流推进，导出附件2。只含您的单位范围内的记录。",
    ),
    "enterprises": (
        "企业（作坊）",
        "整治对象所属的企业（作坊）：名称、地址、负责人、统一社会信用代码等。范围与整治对象相同。",
    ),
}

OPERATIONS = {
    "cases_list": (
        "整治对象列表",
        "按筛选条件列出您范围内的整治对象，从新到旧分页。负责人、责任人的电话和证件号已脱敏。",
    ),
    "cases_create": (
        "新增整治对象",
        "把一家企业（作坊）列入动态管理名单。相似名称、附近企业等提示须确认后重交（409）。",
    ),
    "cases_retrieve": ("查看整治对象", "一条整治对象的附件2 各栏和当前状态；version 用于修改时的并发校验。"),
    "cases_update": (
        "修改整治对象",
        "整条替换附件2 各栏，须带上读取时的 version；已由牵头部门确认的整治类型和计划完成时间不能在此修改。",
    ),
    "cases_partial_update": ("修改整治对象的部分栏目", "只改所给的栏目，须带上读取时的 version。"),
    "cases_export_retrieve": (
        "导出附件2（脱敏）",
        "按与列表相同的筛选条件和范围导出附件2（.xlsx），截至 as_of；电话、证件号已脱敏。导出记入审计（含文件 SHA-256）。"
        "查询参数中带 unmasked 时不予导出（400）：不脱敏导出用 POST。",
    ),
    "cases_export_create": (
        "导出附件2（可不脱敏）",
        '筛选条件和 as_of 同 GET，写在查询参数中；请求体 {"unmasked": true, "reason": "…"} 导出完整的电话、证件号，'
        "须有相应权限并填写原因（原因不写入网址），记入安全审计（含原因和文件 SHA-256）。",
    ),
    "cases_transition_create": (
        "推进整治对象的工作流",
        "执行一个工作流动作（如停产、申请审核、销号），动作须为该状态下允许且您的角色有权执行的。",
    ),
    "enterprises_list": (
        "企业（作坊）列表",
        "按名称、地址、信用代码等筛选您范围内的企业（作坊）；电话和证件号已脱敏。",
    ),
    "enterprises_create": (
        "新增企业（作坊）",
        "登记一家企业（作坊）。信用代码与其他镇的记录重复时不会告知对方信息，由区办协调。",
    ),
    "enterprises_retrieve": ("查看企业（作坊）", "一家企业（作坊）的登记信息；version 用于修改时的并发校验。"),
    "enterprises_update": ("修改企业（作坊）", "整条替换登记信息，须带上读取时的 version。"),
    "enterprises_partial_update": ("修改企业（作坊）的部分信息", "只改所给的字段，须带上读取时的 version。"),
    "enterprises_reveal_create": (
        "显示完整号码",
        "查看负责人的完整电话或证件号：须有相应权限并说明原因，每次查看记入安全审计。",
    ),
}
