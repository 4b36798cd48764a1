"""The look-back API's documentation in Chinese (core.api_docs), keyed by drf-spectacular's operation ids."""

from __future__ import annotations

TAGS = {
    "lookback": (
        "回头看排查",
        "逐一回访 2018-2019 年整治过的企业（作坊）和排查中发现的新点位：排查对象、现场检查、照片、检查项和疑似重复的比对。",
    ),
}

OPERATIONS = {
    "lookback_targets_list": (
        "排查对象列表",
        "您范围内的排查对象。worklist=1 时为您本人待排查的点位，给出 lon、lat 则按距离由近到远。",
    ),
    "lookback_targets_create": (
        "新增排查点位",
        "登记排查中发现的新点位（复产、异地新开、空置厂房进驻、未列入名单等）。",
    ),
    "lookback_targets_retrieve": ("查看排查对象", "一个排查对象：原整治信息、所属镇（街道）、排查员和排查状态。"),
    "lookback_targets_assign_create": ("分派排查员", "把排查对象分派给本镇（街道）的一名排查员。"),
    "lookback_targets_start_create": ("开始现场检查", "为排查对象新建一次现场检查（草稿），返回该检查。"),
    "lookback_targets_withdraw_create": (
        "撤销误登记的点位",
        "误登记的点位须说明原因撤销（不删除，可恢复）；其检查一并撤销。",
    ),
    "lookback_targets_restore_create": ("恢复已撤销的点位", "说明原因恢复一个已撤销的点位。"),
    "lookback_inspections_list": ("现场检查列表", "您范围内的现场检查，从新到旧；电话已脱敏。"),
    "lookback_inspections_retrieve": ("查看现场检查", "一次现场检查的各检查项答案、照片和结论；电话已脱敏。"),
    "lookback_inspections_partial_update": ("保存检查草稿", "保存现场检查的草稿（检查项答案、位置、说明），不提交。"),
    "lookback_inspections_submit_create": ("提交现场检查", "提交检查；发现问题的，按检查结论列入动态管理名单。"),
    "lookback_inspections_photos_create": (
        "上传现场照片",
        "上传一张或多张现场照片（multipart），大小和格式在读取前检查，超限即拒绝。",
    ),
    "lookback_inspections_amend_create": ("更正已提交的检查", "更正已提交检查的内容，须说明原因，原内容留痕。"),
    "lookback_inspections_reveal_create": (
        "显示完整号码",
        "查看新发现点位的完整电话：须有相应权限并说明原因，每次查看记入安全审计。",
    ),
    "lookback_inspections_withdraw_create": (
        "撤销误录的检查",
        "误录的检查须说明原因撤销（不删除，可恢复）；该点位重新待排查，已列入名单的整治对象不受影响。",
    ),
    "lookback_inspections_restore_create": ("恢复已撤销的检查", "说明原因恢复一次已撤销的检查。"),
    "lookback_photos_retrieve": ("查看照片信息", "照片的拍摄时间、位置和所属检查。"),
    "lookback_photos_withdraw_create": ("撤销误传的照片", "误传的照片须说明原因撤销，文件保留。"),
    "lookback_photos_restore_create": ("恢复已撤销的照片", "说明原因恢复一张已撤销的照片。"),
    "lookback_photos_image_retrieve": ("下载照片", "照片经重新编码的副本（JPEG，已去除原文件中的附加信息）。"),
    "lookback_photos_original_retrieve": ("下载照片原件", "拍摄时的原始文件。"),
    "lookback_checklist_retrieve": ("检查项", "全部检查项：适用的点位类别、问题的答案及其问题类别。"),
    "lookback_candidates_retrieve": (
        "比对是否已在册",
        "新发现的点位是否已在册：给出判断（很可能已在册、可能已在册、很可能是新的）和候选记录及理由，只在您的范围内比对；"
        "限可记录该镇（街道）检查的用户使用。无权查看完整号码的用户按联系电话比对时，每次比对记入审计，"
        "每小时至多 30 次（超过返回 429）。",
    ),
}
