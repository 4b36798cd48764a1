"""The remediation API's documentation in Chinese (core.api_docs), keyed by drf-spectacular's operation ids."""

from __future__ import annotations

TAGS = {
    "remediation": (
        "整治工作",
        "停产、整治类型认定、两断三清任务（断水、断电、清原料、清设备、清产品）、整改方案及事项、现场审核、销号签认、"
        "执法记录和通知。每一步所需的权限与网页相同，应答中的 actions 列出您下一步能做什么、不能做的原因。",
    ),
}

OPERATIONS = {
    "remediation_tasks_list": (
        "本单位的任务",
        "分派给您单位的任务（部门、供水、供电公司等）：state 筛选待办、已完成、受阻，overdue=1 只看逾期，"
        "kind 按任务类型，all=1 含同单位他人的任务。",
    ),
    "remediation_tasks_retrieve": (
        "查看任务",
        "一项任务：所属整治对象、要求、期限和办理记录。供水、供电公司看不到个人电话和证件号。",
    ),
    "remediation_tasks_complete_create": (
        "办结任务",
        "填写办理日期、说明、文号或户号、最后读数，可附现场照片（multipart）；须带上读取时的 version。",
    ),
    "remediation_tasks_waive_create": ("核实无需办理", "牵头部门核实后说明原因，把无法办理的任务认定为无需办理。"),
    "remediation_tasks_block_create": ("报告受阻", "说明原因，把无法办理的任务标为受阻，待牵头部门或镇（街道）处理。"),
    "remediation_tasks_withdraw_create": (
        "撤销误派的任务",
        "误派的任务由镇（街道）或区办说明原因撤销（不删除，可恢复）。",
    ),
    "remediation_tasks_restore_create": ("恢复已撤销的任务", "说明原因恢复一项已撤销的任务。"),
    "remediation_cases_retrieve": (
        "查看整治工作记录",
        "一个整治对象的全部整治记录（停产、类型认定、任务、方案、审核、销号、执法），"
        "以及您下一步能做的事和不能做的原因。",
    ),
    "remediation_cases_stop_create": ("登记停产", "登记停产日期、下令单位、文号和说明，可附照片（multipart）。"),
    "remediation_cases_type_create": (
        "提出整治类型",
        "镇（街道）提出关停取缔或治理改造、理由和计划完成时间，报牵头部门确认。",
    ),
    "remediation_cases_type_decision_create": (
        "确认或退回整治类型",
        "牵头部门确认（分派两断三清任务或进入整改方案）或退回镇（街道）提出的整治类型。",
    ),
    "remediation_cases_plan_create": (
        "保存整改方案",
        "保存治理改造的整改方案（责任人、目标、措施、期限、整改事项），submit 为真时同时报审。",
    ),
    "remediation_cases_plan_decision_create": ("审批整改方案", "牵头部门批准或退回报审的整改方案。"),
    "remediation_cases_plan_withdrawal_create": (
        "撤销误录的整改方案",
        "误录的整改方案版本须说明原因撤销（不删除，可恢复）。",
    ),
    "remediation_cases_plan_restoration_create": ("恢复已撤销的整改方案", "说明原因恢复一个已撤销的整改方案版本。"),
    "remediation_cases_item_done_create": ("完成整改事项", "登记一个整改事项的完成日期和说明，可附照片（multipart）。"),
    "remediation_cases_review_request_create": ("申请现场审核", "任务或整改事项全部完成后，镇（街道）申请现场审核。"),
    "remediation_cases_review_create": (
        "登记现场审核",
        "登记审核日期、参加人员、各项核查结果和结论；照片以 photos_<项目代码> 上传，"
        "核查结果以 JSON 放在 checks 字段（multipart）。",
    ),
    "remediation_cases_signoff_create": (
        "销号签认",
        "牵头部门对通过现场审核的整治对象签认销号（sign 为真）或不予签认。",
    ),
    "remediation_cases_enforcement_create": (
        "登记执法记录",
        "登记执法单位、执法类别、依据、文书号、决定日期和金额，可附照片（multipart）。",
    ),
    "remediation_notices_list": ("我的通知", "您本人的通知，从新到旧；unread=1 只看未读。"),
    "remediation_notices_read_create": ("标为已读", "把指定的通知（或全部）标为已读。"),
}
