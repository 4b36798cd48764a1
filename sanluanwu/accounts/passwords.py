"""The password profile (等保 2.0 level 2, GB/T 22239 8.1.4.1): at least 10 characters (settings), 3 of the 4 classes
(upper case, lower case, digits, symbols), not containing the user name, not one of the last five; Django's common
password list as well. Every message is Chinese and says the rule."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

HISTORY = 5


class MinimumLengthValidator:
    """Django's, said in Chinese (its zh-hans catalogue lacks this message)."""

    def __init__(self, min_length: int = 10):
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                f"密码至少包含 {self.min_length} 个字符（现有 {len(password)} 个）", code="password_too_short"
            )

    def get_help_text(self) -> str:
        return f"至少 {self.min_length} 个字符"


class CharacterClassesValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        classes = sum(bool(re.search(p, password)) for p in (r"[A-Z]", r"[a-z]", r"[0-9]", r"[^A-Za-z0-9]"))
        if classes < self.min_classes:
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类（现有 {classes} 类）",
                code="password_classes",
            )

    def get_help_text(self) -> str:
        return f"包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类"


class NotContainingUsernameValidator:
    def validate(self, password: str, user: Any = None) -> None:
        name = (getattr(user, "username", "") or "").lower()
        if len(name) >= 3 and name in password.lower():
            raise ValidationError("密码不能包含用户名", code="password_contains_username")

    def get_help_text(self) -> str:
        return "不能包含用户名"


class HistoryValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if user is None or getattr(user, "pk", None) is None:
            return
        recent = list(user.password_history.order_by("-created_at", "-id").values_list("password", flat=True)[:HISTORY])
        if user.password and user.password not in recent:
            recent.insert(0, user.password)
        if any(check_password(password, hashed) for hashed in recent[:HISTORY]):
            raise ValidationError(f"新密码不能与最近 {HISTORY} 次使用过的密码相同", code="password_reused")

    def get_help_text(self) -> str:
        return f"不能与最近 {HISTORY} 次使用过的密码相同"
