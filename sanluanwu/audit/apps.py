from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "sanluanwu.audit"
    label = "audit"
    verbose_name = "审计"

    def ready(self) -> None:
        from sanluanwu.audit import memo
        from sanluanwu.core import pagination

        memo.connect_signals()
        pagination.remember_counts_with(memo.remembered)
