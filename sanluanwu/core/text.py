"""Text normalisation shared by validation, matching and (later) import."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_HAS_SPACE = re.compile(r"\s|\u3000")
# A space between two Chinese characters is a typing slip, never meaningful (张三 塑料造粒作坊).
_CJK_GAP = re.compile(r"(?<=[\u2e80-\u9fff\uff00-\uffef（）])\s+(?=[\u2e80-\u9fff\uff00-\uffef（）])")


def to_halfwidth(value: str) -> str:
    """Full-width digits, letters and punctuation to ASCII (NFKC), keeping Chinese characters."""
    return unicodedata.normalize("NFKC", value)


def clean_text(value: str | None) -> str:
    """Trim, collapse whitespace and line breaks to one space, and drop spaces between Chinese characters."""
    if not value:
        return ""
    if not _HAS_SPACE.search(value):
        return value  # the common case: nothing to clean
    return _CJK_GAP.sub("", _SPACES.sub(" ", value.replace("\u3000", " ")).strip())


def name_key(value: str) -> str:
    """The key two enterprise names are "the same" under: NFKC, no whitespace, brackets unified, lower case."""
    value = to_halfwidth(value or "")
    value = _SPACES.sub("", value)
    return value.replace("（", "(").replace("）", ")").lower()


def search_text(name: str, address: str, legal_person: str) -> str:
    """What the list's text search matches an enterprise (and its cases) on; indexed with pg_trgm."""
    return " ".join([name, address, legal_person]).lower()
