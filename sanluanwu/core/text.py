"""Text normalisation shared by validation, matching and (later) import."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_HAS_SPACE = re.compile(r"\s|\u3000")
# A space between two Chinese characters is a typing slip, never meaningful (张三 塑料造粒作坊).
_CJK_GAP = re.compile(r"(?<=[\u2e80-\u9fff\uff00-\uffef（）])\s+(?=[\u2e80-\u9fff\uff00-\uffef（）])")


# C0 controls other than tab and line break, DEL, and the bidirectional embedding/override/isolate marks (U+202A-E,
# U+2066-9) that make "abc‮fdp.exe" read backwards: never meaningful in a record, refused on every path by removal.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def strip_controls(value: str) -> str:
    """The text without control characters (tab and line breaks stay) and bidirectional overrides."""
    if not value:
        return ""
    return _CONTROLS.sub("", value) if _CONTROLS.search(value) else value


def clean_multiline(value: str | None) -> str:
    """A free-text field that may hold several lines (problems, notes): controls removed, line breaks kept (\n),
    trailing spaces of each line and blank lines at both ends dropped."""
    if not value:
        return ""
    value = strip_controls(value.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in value.split("\n")).strip()


def to_halfwidth(value: str) -> str:
    """Full-width digits, letters and punctuation to ASCII (NFKC), keeping Chinese characters."""
    return unicodedata.normalize("NFKC", value)


def clean_text(value: str | None) -> str:
    """One line of text: controls removed, whitespace and line breaks collapsed to one space, spaces between Chinese
    characters dropped."""
    if not value:
        return ""
    if _CONTROLS.search(value):
        value = _CONTROLS.sub("", value)
    if not _HAS_SPACE.search(value):
        return value  # the common case: nothing to clean
    return _CJK_GAP.sub("", _SPACES.sub(" ", value.replace("\u3000", " ")).strip())


# A reason a record keeps (a withdrawal, a step's note, why a number was revealed) says something: two letters at
# least (a Chinese character is one). ".", "1", "x" or an invisible character (a zero-width space) is no reason: a
# reader of the history later could not tell why.
REASON_MIN_LETTERS = 2


# The letters a reason is read by: Chinese characters, the letters of Latin (not the IPA's ʔ, nor the click letters
# ǀǁǂǃ), Greek and Cyrillic, full-width Latin, kana and Hangul syllables. Letters of other scripts that look like marks
# (Canadian syllabics ᐧ ᐨ ᐟ, Lisu tones ꓸ, Hangul jamo ㅡ ㅣ ㆍ, the Arabic tatweel) and modifier letters (ー, 々, ʼ, ʰ)
# say nothing to a reader of this system's records; nor do invisible Hangul fillers.
_READ_LETTERS = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F), (0x3041, 0x3096),
                 (0x30A1, 0x30FA), (0xAC00, 0xD7A3))  # fmt: skip
_CASED_LETTERS = ((0x41, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x1E00, 0x1EFF), (0xFF21, 0xFF5A))


def _letter(ch: str) -> bool:
    code = ord(ch)
    if any(a <= code <= b for a, b in _READ_LETTERS):
        return unicodedata.category(ch) == "Lo"  # not a code point no character is assigned to (shown as a box)
    return unicodedata.category(ch) in ("Lu", "Ll", "Lt") and any(a <= code <= b for a, b in _CASED_LETTERS)


def says_something(text: str) -> bool:
    return sum(1 for ch in text if _letter(ch)) >= REASON_MIN_LETTERS


def unsaid(text: str, what: str, *, example: str = "") -> str | None:
    """The refusal of a reason that says nothing (what: 撤回理由, 退回意见 …), or None: one wording for every app."""
    if says_something(text):
        return None
    return f"{what}至少{REASON_MIN_LETTERS}个字，请写明原因" + (f"（如：{example}）" if example else "")


def name_key(value: str) -> str:
    """The key two enterprise names are "the same" under: NFKC, no whitespace, brackets unified, lower case."""
    value = to_halfwidth(value or "")
    value = _SPACES.sub("", value)
    return value.replace("（", "(").replace("）", ")").lower()


def full_address(town: str, village: str, address: str) -> str:
    """An address on one line for someone who does not know the place (a utility's fitter): the town and village
    before it, unless the address already names them ("湖塘镇 湖塘镇…" reads as a mistake)."""
    head = [word for word in (town, village) if word and word not in address]
    return " ".join([*head, address]) if head else address


def search_text(name: str, address: str, legal_person: str) -> str:
    """What the list's text search matches an enterprise (and its cases) on; indexed with pg_trgm. Phone and ID
    numbers typed into these words are kept masked (138****5678), as every list shows them: a search for the hidden
    digits would otherwise tell them to a user who may not reveal them, one query at a time."""
    from sanluanwu.core.masking import mask_text

    return mask_text(" ".join([name, address, legal_person])).lower()


def case_search_text(enterprise_search_text: str, responsible_person: str) -> str:
    """A case is found by its enterprise's words and by its 责任人 (the list's text search), numbers masked."""
    from sanluanwu.core.masking import mask_text

    person = mask_text(responsible_person).lower()
    return f"{enterprise_search_text} {person}" if responsible_person else enterprise_search_text
