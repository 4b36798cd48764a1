from __future__ import annotations

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "sanluanwu.imports"
    label = "imports"
    verbose_name = "表格导入"

    def ready(self) -> None:
        from sanluanwu.core.api_docs import register as register_api_docs
        from sanluanwu.imports.api.docs import OPERATIONS as API_OPERATIONS
        from sanluanwu.imports.api.docs import TAGS as API_TAGS

        register_api_docs(tags=API_TAGS, operations=API_OPERATIONS)

        from sanluanwu.audit.display import register_action_labels
        from sanluanwu.imports.choices import AUDIT_ACTIONS, SECURITY_ACTIONS

        register_action_labels(AUDIT_ACTIONS, security=SECURITY_ACTIONS)
