from __future__ import annotations

from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "sanluanwu.reporting"
    label = "reporting"
    verbose_name = "报送与总结"

    def ready(self) -> None:
        from sanluanwu.core.masking import register_personal_fields

        register_personal_fields("reporting.report", {"phone": "phone", "remark": "text"})
        # A brief is news, yet people write "联系人张三 13812345678" into it: shown masked like every free text.
        register_personal_fields("reporting.brief", {"title": "text", "text": "text"})
        register_personal_fields("reporting.briefphoto", {"caption": "text"})
        # Reasons and comments written once by an action (a due date moved, a report returned, a reopening asked for
        # and decided, a record withdrawn): free text like any other, shown masked on pages and in the API.
        register_personal_fields("reporting.period", {"due_reason": "text"})
        register_personal_fields("reporting.duedatechange", {"reason": "text"})
        register_personal_fields("reporting.report", {"review_comment": "text"})
        register_personal_fields("reporting.reopenrequest", {"reason": "text", "comment": "text"})
        register_personal_fields("reporting.brief", {"withdrawal_reason": "text"})
        register_personal_fields("reporting.workplan", {"title": "text", "withdrawal_reason": "text"})

        from sanluanwu.audit.display import register_action_labels
        from sanluanwu.campaigns.services import register_campaign_changed
        from sanluanwu.reporting import services
        from sanluanwu.reporting.choices import AUDIT_ACTIONS, SECURITY_ACTIONS

        register_action_labels(AUDIT_ACTIONS, security=SECURITY_ACTIONS)
        register_campaign_changed(services.follow_campaign)
