from __future__ import annotations

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "sanluanwu.registry"
    label = "registry"
    verbose_name = "动态管理整治名单"

    def ready(self) -> None:
        from sanluanwu.core.api_docs import register as register_api_docs
        from sanluanwu.registry.api.docs import OPERATIONS as API_OPERATIONS
        from sanluanwu.registry.api.docs import TAGS as API_TAGS

        register_api_docs(tags=API_TAGS, operations=API_OPERATIONS)

        from sanluanwu.core.masking import register_personal_fields
        from sanluanwu.registry.columns import CASE, ENTERPRISE, personal_fields

        # Phone and ID numbers as 附件2's columns define them (a name with an ID number typed after it, a note with
        # a phone in it).
        register_personal_fields("registry.enterprise", personal_fields(ENTERPRISE))
        register_personal_fields("registry.case", personal_fields(CASE))
        register_personal_fields("registry.casestatuschange", {"note": "text"})
        register_personal_fields("registry.creditcodeclash", {"resolution": "text"})

        from sanluanwu.audit.display import register_action_labels
        from sanluanwu.registry.choices import AUDIT_ACTIONS, SECURITY_ACTIONS

        register_action_labels(AUDIT_ACTIONS, security=SECURITY_ACTIONS)
