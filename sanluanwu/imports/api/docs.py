"""The imports API's documentation in Chinese (core.api_docs), keyed by drf-spectacular's operation ids."""

from __future__ import annotations

TAGS = {
    "imports": (
        "表格导入",
        "上传各镇报来的附件2 或 2018-2019 年集中整治名单（.xlsx、.xls、.csv），先预览逐行结果，确认后写入。"
        "大表格由后台处理，可轮询进度。",
    ),
}

OPERATIONS = {
    "imports_list": ("导入批次列表", "您的单位范围内的导入批次，从新到旧；不含预览和结果的逐行内容。"),
    "imports_create": (
        "上传表格并预览",
        "上传一个表格，识别表头并逐行检查（新增、变更、未变、错误、跳过），不写入任何数据。"
        "小表格在应答中即是预览结果（状态“待确认”）；大表格在后台处理，应答状态为“处理中”，请轮询批次。",
    ),
    "imports_retrieve": (
        "查看导入批次",
        "批次的状态、进度、各类行数，以及预览或导入结果的逐行内容（其中的电话、证件号已脱敏）；"
        "轮询进度时用 preview=0 只取状态。",
    ),
    "imports_confirm_create": (
        "确认导入",
        "把预览中的新增和变更行写入；all_or_nothing 为真时，有任何错误行则整批不写入。大表格在后台写入。",
    ),
    "imports_cancel_create": (
        "取消导入",
        "在写入数据之前取消批次，可填写原因（记入审计日志）；后台正在预览的批次会停下，什么都不写入。",
    ),
    "imports_retry_create": ("重新处理", "把处理中断或失败的预览、确认重新交给后台处理。"),
}
