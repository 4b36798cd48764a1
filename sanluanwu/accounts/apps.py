from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sanluanwu.accounts"
    label = "accounts"
    verbose_name = "组织与用户"

    def ready(self) -> None:
        from sanluanwu.accounts.api_docs import OPERATIONS as API_OPERATIONS
        from sanluanwu.accounts.api_docs import TAGS as API_TAGS
        from sanluanwu.core.api_docs import register as register_api_docs

        register_api_docs(tags=API_TAGS, operations=API_OPERATIONS)

        from sanluanwu.core.masking import register_personal_fields

        register_personal_fields("accounts.user", {"phone": "phone"})
        register_personal_fields("accounts.rolechangerequest", {"note": "text"})

        from sanluanwu.accounts import permissions
        from sanluanwu.accounts.scope import scope_for
        from sanluanwu.core.masking import register_viewer_rule

        def sees_no_number(user: object) -> bool:
            return bool(getattr(user, "is_authenticated", False)) and not permissions.allows(
                scope_for(user), "person.view_masked"
            )

        register_viewer_rule(sees_no_number)

        from sanluanwu.accounts.choices import AUDIT_ACTIONS
        from sanluanwu.audit.display import register_action_labels

        register_action_labels(AUDIT_ACTIONS)

        from sanluanwu.accounts.scope import unit_names_of
        from sanluanwu.audit.actors import register_actor_units

        register_actor_units(unit_names_of)

        from sanluanwu.accounts import security, twofactor

        if twofactor.has_device not in security.SECOND_STEPS:
            security.SECOND_STEPS.append(twofactor.has_device)  # a login with a device ends at the code step

        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from sanluanwu.accounts import security

        user_logged_in.connect(security.on_logged_in, dispatch_uid="slw_logged_in")
        user_login_failed.connect(security.on_login_failed, dispatch_uid="slw_login_failed")
        user_logged_out.connect(security.on_logged_out, dispatch_uid="slw_logged_out")
        from sanluanwu.accounts.twofactor import note_login

        user_logged_in.connect(note_login, dispatch_uid="twofactor_note_login")
