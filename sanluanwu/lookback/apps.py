from __future__ import annotations

from django.apps import AppConfig


class LookbackConfig(AppConfig):
    name = "sanluanwu.lookback"
    label = "lookback"
    verbose_name = "回头看排查"

    def ready(self) -> None:
        from sanluanwu.core.api_docs import register as register_api_docs
        from sanluanwu.lookback.api.docs import OPERATIONS as API_OPERATIONS
        from sanluanwu.lookback.api.docs import TAGS as API_TAGS

        register_api_docs(tags=API_TAGS, operations=API_OPERATIONS)

        from sanluanwu.core.masking import register_personal_fields

        register_personal_fields(
            "lookback.inspection",
            {
                "new_phone": "phone",
                "new_legal_person": "text",
                "env_problems": "text",
                "safety_problems": "text",
                "other_problems": "text",
                # Free text in which numbers get typed too (an inspector's own mobile, a reason).
                "inspectors": "text",
                "distance_reason": "text",
                "category_reason": "text",
            },
        )
        # A place is named as found ("出租房（房东138…）"); reasons are written once by an action.
        register_personal_fields("lookback.target", {"address": "text", "name": "text", "withdrawal_reason": "text"})
        register_personal_fields("lookback.inspection", {"withdrawal_reason": "text"})
        register_personal_fields("lookback.photo", {"withdrawal_reason": "text"})
        register_personal_fields("lookback.amendment", {"reason": "text"})

        from sanluanwu.audit.display import register_action_labels
        from sanluanwu.lookback.choices import AUDIT_ACTIONS, SECURITY_ACTIONS

        register_action_labels(AUDIT_ACTIONS, security=SECURITY_ACTIONS)

        from sanluanwu.lookback.panels import evidence_panel
        from sanluanwu.registry.panels import register_case_panel

        register_case_panel(evidence_panel)

        from sanluanwu.lookback.panels import ledger_section
        from sanluanwu.remediation.ledger import register_ledger_section

        register_ledger_section(ledger_section)

        from sanluanwu.lookback.panels import same_photos
        from sanluanwu.remediation.evidence import register_duplicate_finder

        register_duplicate_finder(same_photos)
