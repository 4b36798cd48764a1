from __future__ import annotations

from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "sanluanwu.notices"
    label = "notices"
    verbose_name = "消息提醒"

    def ready(self) -> None:
        from sanluanwu.core.masking import register_personal_fields

        # A notice quotes what someone typed (a utility's reason a task cannot be done): masked like the original.
        register_personal_fields("notices.notice", {"text": "text"})
