from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sanluanwu.accounts"
    label = "accounts"
    verbose_name = "组织与用户"
