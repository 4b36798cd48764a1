from __future__ import annotations

from django.apps import AppConfig

# DRF's own words for a reference given as something other than an id read "类型错误。期望为主键，得到的类型为 str。"
# (zh-hans): an official calling the API is told what to send instead, for every serializer at once.
REFERENCE_MESSAGES = {
    "incorrect_type": "应填写编号（正整数）",
    "does_not_exist": "编号为 {pk_value} 的记录不存在或不在您的管辖范围内",
}


class CoreConfig(AppConfig):
    name = "sanluanwu.core"
    label = "core"
    verbose_name = "公共"

    def ready(self) -> None:
        from rest_framework.relations import PrimaryKeyRelatedField

        from sanluanwu.core import lookups

        lookups.register()

        PrimaryKeyRelatedField.default_error_messages = {
            **PrimaryKeyRelatedField.default_error_messages,
            **REFERENCE_MESSAGES,
        }
