"""The password profile (等保 2.0 level 2, GB/T 22239 8.1.4.1): at least 10 characters (settings), 3 of the 4 classes
(upper case, lower case, digits, symbols), not containing the user name, not one of the last five, not common: Django's
list of common passwords, and the shapes such passwords take (a common word, a keyboard walk, a year, a symbol and a
run of digits: Admin@123456, P@ssw0rd1234, 1qaz@WSX3edc). Every message is Chinese and says the rule."""

from __future__ import annotations

import functools
import gzip
import re
import unicodedata
from pathlib import Path
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


# A space is a character a password may hold, but no class of its own ("Ab1" and nine spaces has three classes only in
# name); a control character is no character anyone types.
_SYMBOL = r"[^A-Za-z0-9\s]"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class CharacterClassesValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if _CONTROL.search(password):
            raise ValidationError("密码不能包含制表符、换行等控制字符", code="password_control")
        classes = sum(bool(re.search(p, password)) for p in (r"[A-Z]", r"[a-z]", r"[0-9]", _SYMBOL))
        if classes < self.min_classes:
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类（现有 {classes} 类）",
                code="password_classes",
            )

    def get_help_text(self) -> str:
        return f"包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类"


class NotContainingUsernameValidator:
    def validate(self, password: str, user: Any = None) -> None:
        name = _folded(getattr(user, "username", "") or "")
        if len(name) >= 3 and name in _folded(password):  # Ｔｅｓｔｅｒ１ is tester1
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


def _folded(text: str) -> str:
    """Full-width and other compatibility forms as the plain letters and digits they read as, lower case."""
    return unicodedata.normalize("NFKC", text).lower()


# Words such passwords are made of beyond Django's list: the system's own, the place's, an account's usual names.
SITE_WORDS = frozenset({
    "wujin", "changzhou", "jiangsu", "sanluanwu", "slw", "admin", "administrator", "root", "user", "guest", "test",
    "system", "sys", "manager", "security", "audit", "auditor", "office", "passw", "passwd", "pass", "pwd", "welcome",
    "hello", "china", "beijing", "shanghai", "wj", "cz", "js", "gov", "zf", "qq", "abc", "iloveyou",
})  # fmt: skip
# Keyboard rows and columns, the alphabet and the digits (a walk is three or more neighbours, either way).
_WALKS = ("`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/",
          "zaq1xsw2cde3vfr4bgt5nhy6mju7,ki8.lo9/;p0", "qazwsxedcrfvtgbyhnujmikolp", "abcdefghijklmnopqrstuvwxyz",
          "01234567890")  # fmt: skip
_WALK_TEXT = "|".join(w + "|" + w[::-1] for w in _WALKS)
# A symbol typed with shift over a digit is that digit to a keyboard walk (1qaz@WSX: 1qaz2wsx).
_SHIFTED = str.maketrans('!@#$%^&*()_+{}|:"<>?~', "1234567890-=[]\\;',./`")
_LEET = str.maketrans("@4083157$!|", "aaobeistsil")
_LONGEST_WORD = 20


@functools.cache
def _common_words() -> frozenset[str]:
    """Django's 20,000 common passwords that are words (letters only, three or more), and SITE_WORDS."""
    import django.contrib.auth.password_validation as django_validation

    listed = Path(django_validation.__file__).parent / "common-passwords.txt.gz"
    with gzip.open(listed, "rt", encoding="utf-8") as f:
        words = {w for w in f.read().split() if w.isalpha() and w.isascii() and len(w) >= 3}
    return frozenset(words | SITE_WORDS)


def _digits_guessable(run: str) -> bool:
    """A run of digits a guesser tries first: a year, a date, one or two digits, one digit repeated."""
    if len(run) <= 2 or len(set(run)) == 1:
        return True
    if len(run) == 4 and run[:2] in ("19", "20"):
        return True
    if len(run) in (6, 8):  # yymmdd / yyyymmdd
        month, day = int(run[-4:-2]), int(run[-2:])
        return 1 <= month <= 12 and 1 <= day <= 31
    return len(run) == 4 and 1 <= int(run[:2]) <= 12 and 1 <= int(run[2:]) <= 31  # mmdd


def guessable_pieces(password: str, username: str = "") -> int:
    """The fewest pieces the password is made of, each a common word (letters as typed or as l33t: p@ssw0rd), the
    user name, a keyboard or alphabet walk of three or more, one character repeated, a guessable run of digits
    (_digits_guessable), or else one character on its own. A password of three pieces or fewer is one a guesser's
    rules produce early: Password123!, Admin@123456, Qwer1234!@#$, Wujin@2020, 1qaz@WSX3edc."""
    text = _folded(password)[:64]
    words = _common_words()
    name = _folded(username)
    n = len(text)
    best = [0] + [n + 1] * n  # best[i]: the fewest pieces of text[:i]
    for end in range(1, n + 1):
        best[end] = best[end - 1] + 1  # one character on its own
        for start in range(max(0, end - 64), end - 1):
            piece = text[start:end]
            size = end - start
            if best[start] + 1 >= best[end]:
                continue
            guessable = (
                (size >= 2 and len(set(piece)) == 1)
                or (size <= 3 and not any(c.isalnum() for c in piece))  # !@# after the digits
                or (piece.isdigit() and _digits_guessable(piece))
                or (size >= 3 and piece.translate(_SHIFTED) in _WALK_TEXT)
                or (3 <= size <= _LONGEST_WORD and (piece in words or piece.translate(_LEET) in words))
                or (len(name) >= 3 and piece == name)
            )
            if guessable:
                best[end] = best[start] + 1
    return best[n]


class CommonShapeValidator:
    """Not a common password by its shape: three guessable pieces or fewer (guessable_pieces)."""

    MAX_PIECES = 3

    def validate(self, password: str, user: Any = None) -> None:
        if guessable_pieces(password, getattr(user, "username", "") or "") <= self.MAX_PIECES:
            raise ValidationError(
                "密码过于常见：由常用单词、键盘上相邻的键、年份或连续数字拼成（如 Admin@123456、P@ssw0rd1234、"
                "1qaz@WSX3edc）的密码最先被猜到，请夹入不相关的字母、数字和符号",
                code="password_common_shape",
            )

    def get_help_text(self) -> str:
        return "不能是常用单词、键盘相邻键、年份或连续数字拼成的常见密码"
