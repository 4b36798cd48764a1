from __future__ import annotations

from django.apps import AppConfig

# The free-text fields of this app's records, by model: every output masks the numbers in them (core.masking).
PERSONAL_TEXT = {
    "remediation.classification": ("reason", "decision_note"),
    "remediation.plan": ("responsible", "goal", "measures", "decision_note", "withdrawal_reason"),
    "remediation.planitem": ("text", "note"),
    "remediation.review": ("participants", "reasons", "warnings_note", "signoff_note"),
    "remediation.reviewcheck": ("note",),
    "remediation.enforcement": ("note", "legal_basis", "document_no"),
    "remediation.stoprecord": ("note", "document_no"),
    "remediation.task": ("note", "blocked_reason", "withdrawal_reason", "document_no"),
    "remediation.blanketjustification": ("text",),
}


class RemediationConfig(AppConfig):
    name = "sanluanwu.remediation"
    label = "remediation"
    verbose_name = "整治工作"

    def ready(self) -> None:
        from sanluanwu.core.api_docs import register as register_api_docs
        from sanluanwu.remediation.api.docs import OPERATIONS as API_OPERATIONS
        from sanluanwu.remediation.api.docs import TAGS as API_TAGS

        register_api_docs(tags=API_TAGS, operations=API_OPERATIONS)

        from sanluanwu.audit.display import register_action_labels
        from sanluanwu.registry.panels import register_case_panel
        from sanluanwu.registry.visibility import register_case_topic, register_case_visibility
        from sanluanwu.remediation.choices import AUDIT_ACTIONS
        from sanluanwu.remediation.panels import remediation_panel
        from sanluanwu.remediation.queries import assigned_case_condition

        register_action_labels(AUDIT_ACTIONS)
        from sanluanwu.core.masking import register_personal_fields

        # Free text in which people type phone or ID numbers (the owner's reason, the plan's 责任人): masked in the
        # API and the timeline as the templates mask it (masked_text).
        for label, fields in PERSONAL_TEXT.items():
            register_personal_fields(label, dict.fromkeys(fields, "text"))
        register_case_visibility(assigned_case_condition)
        # Tasks decide who sees a case, and a task done writes the case's stage (registry.services.set_stage) under
        # this app's event: remembered case lists follow this app's writes too.
        register_case_topic("remediation")
        from sanluanwu.audit import memo

        # A task's events name its owner and coordinator (services._task_event): a unit's work list is remembered
        # until the next event naming it (views.worklist).
        memo.register_unit_topic("remediation")
        register_case_panel(remediation_panel)

        from sanluanwu.registry.panels import register_list_banner
        from sanluanwu.remediation.panels import pending_banner

        register_list_banner(pending_banner)

        from sanluanwu.registry.panels import register_case_steps, register_home_page
        from sanluanwu.remediation.queries import case_steps

        register_case_steps(case_steps)
        from sanluanwu.remediation.views import home_page

        register_home_page(home_page)
