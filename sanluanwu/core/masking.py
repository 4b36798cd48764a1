"""Personal data (个人信息保护法): which fields hold phone or ID numbers, and how they read masked.

ONE registry: `PERSONAL_FIELDS` names every stored field holding a phone or ID number (by model label and field),
with the mask that hides it; free text (problems, notes, remarks) may hold numbers too and is shown through
`mask_text`. Pages, the API, exports and the audit timeline all read this module; the 附件2 columns point at it
(registry.columns: Column.personal), and the reveal (registry services) is the one way to the clear value.

Masks keep enough to recognise a number one already knows (the first three and last four digits of a phone,
"138****5678"; the first four and last four of an ID number, "3204**********1234") and never enough to call it.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

# What may stand between the groups of a number, as the patterns read the text (_FOLD): up to sixteen spaces, dots or
# hyphens (an emoji of a family is seven characters, a digit may carry several combining marks). _FOLD makes a hyphen
# of every other mark people put there — any dash, comma, colon, bracket, slash, underscore, tilde, asterisk, 、, ・,
# bullet, math sign or emoji, full-width or not — and a space of every invisible, blank-looking or combining
# character (direction marks, variation selectors, a keycap's frame); a dot stays a dot (decimals are told apart by
# it) and a plus a plus (+86).
_SEP = r"(?:[\s.\-]{1,16})?"
# An 18-character 居民身份证号码 (17 digits and a digit or X), not part of a longer number; typed whole or in groups
# of any length (region, birth date, the rest; or fours), even glued to letters ("ID3204…").
_ID_NUMBER = re.compile(rf"(?<!\d)[1-9](?:{_SEP}\d){{16}}{_SEP}[\dXx](?!\d)")
# A phone number as people type it: a mobile (11 digits, grouped any way, even one by one, and glued to letters as
# in "A13812345678", or dotted, 138.1234.5678), possibly with +86 or 0086; a landline with its area code (0519-8631-0000,
# 0519-86 31 00 00, +86 519 8631 0000, +86 (0)519 …); or a local number without it, 7 or 8 digits from 2 to 9, whole
# (86310000) or, from 5 to 9, as 4-4 or 3-4 (8631-0000). At least 7 digits, so years, amounts and dates are left alone,
# and so are decimals (13.5, a longitude 119.9512345). A local number's run next to letters is part of a code (a
# credit code's digits), not a phone; a number with its area code is a phone even with a word glued after it
# ("0519-86310000Fax"): no code begins with 0 after a space or a mark (a credit code's first character is 1-9, A-G or
# Y). What a local number's shape cannot tell (an amount, a range, a meter reading, a standard's number) _not_a_phone
# tells from the words around it.
_PREFIX = rf"(?:(?:\+|00)?86{_SEP})"
_PHONE = re.compile(rf"(?P<mobile>(?<!\d){_PREFIX}?1{_SEP}[3-9](?:{_SEP}\d){{9}}(?!\d))"
                    rf"|(?<![\dA-Za-z])(?<!\d\.)(?:(?:{_PREFIX}?0[1-9]\d{{1,2}}(?:{_SEP}\d){{7,8}}"
                    rf"|(?:\+|00)86{_SEP}(?:0{_SEP})?(?:10|[2-9]\d{{1,2}})(?:{_SEP}\d){{7,8}})(?!\d)"
                    rf"|(?P<local>[2-9]\d{{6,7}}|[5-9]\d{{2,3}}[\s.\-]{{1,6}}\d{{4}})(?![\dA-Za-z])(?!\.\d))")  # fmt: skip
# The characters the fold reads (Unicode's first two planes and its tags and variation selectors: every digit, mark and
# symbol people type is in them).
_CHARS = [chr(c) for r in (range(0x80, 0x20000), range(0xE0000, 0xE0200)) for c in r]
# Other digits: other scripts' (Arabic-Indic, Devanagari, Myanmar, Khmer, mathematical bold …; \d matches them, the
# patterns' [3-9] not), circled, superscript and parenthesised ones (①, ³, ⑴). Not Chinese numerals: 李四, 王五 and
# 张三 would run into the number typed after the name ("王五13812345678" read as twelve digits, no phone at all).
_OTHER_DIGITS = {ch: str(unicodedata.digit(ch)) for ch in _CHARS
                 if unicodedata.category(ch) in ("Nd", "No") and unicodedata.digit(ch, None) is not None}  # fmt: skip
# What the patterns look through, one character for one (so a match's place is the same in the text as typed):
# full-width digits as an input method types them, other scripts' digits, every punctuation mark or symbol a hyphen
# (but the dot and the plus), and invisible or blank-looking characters (zero-width and soft hyphens, Hangul
# fillers, the braille blank) spaces.
_BLANKS = ["\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"] + [
    ch for ch in _CHARS if unicodedata.category(ch) in ("Cf", "Mn", "Me", "Zs", "Zl", "Zp")]  # fmt: skip
_MARKS = {ch: "-" for ch in map(chr, range(0x21, 0x80)) if unicodedata.category(ch)[0] in "PS"}
_MARKS.update({ch: "-" for ch in _CHARS if unicodedata.category(ch)[0] in "PS" and ch not in "．＋"})
_MARKS.update(dict.fromkeys("\u30fc\uff70", "-"))  # ー, a long-vowel sign typed as a dash by Chinese input methods
_MARKS.pop(".")
_MARKS.pop("+")
# An ID number's last character as other keyboards type it: full-width Ｘ, the multiplication sign, the Roman numeral
# ten, Greek and Cyrillic letters that look like it.
_X_LIKE = {"Ｘ": "X", "ｘ": "x", "×": "X", "Ⅹ": "X", "ⅹ": "x", "Χ": "X", "χ": "x", "Х": "X", "х": "x"}
_FOLD = str.maketrans(
    {**_MARKS, "\uff0b": "+", "\uff0e": ".", **_OTHER_DIGITS, **dict.fromkeys(_BLANKS, " "), **_X_LIKE}
)  # fmt: skip
# Numbers in circles, in brackets or with a full stop (①, ⑴, ⒈, ❶): a list's marker when a plain digit follows it
# ("①138 1234 5678 ②139…"), read then as a separator; a digit when all of a number is typed so (①③⑧…).
_ENCLOSED = frozenset(ch for ch in _CHARS if ch in _OTHER_DIGITS and unicodedata.category(ch) == "No"
                      and any(w in unicodedata.name(ch, "") for w in ("CIRCLED", "PARENTHESIZED", "FULL STOP")))  # fmt: skip
_ENCLOSED_ANY = re.compile("[" + "".join(sorted(_ENCLOSED)) + "]")
_MARKER = re.compile(_ENCLOSED_ANY.pattern + "(?=[0-9])")
_FOLD_BUT_ENCLOSED = {code: read for code, read in _FOLD.items() if chr(code) not in _ENCLOSED}
del _CHARS
_DIGIT = re.compile("[0-9]")  # in a folded text, where every digit is an ASCII one
# The fewest digits either pattern matches (a landline without its area code, [2-9]\d{6}): a text with fewer has
# nothing to mask.
_FEWEST_DIGITS = 7


def _folded(text: str) -> str | None:
    """The text as the patterns read it, or None when it holds too few digits to hold a number (most texts: names,
    problems in words), told in a few C-level passes."""
    folded = _fold(text)
    return folded if sum(map(folded.count, "0123456789")) >= _FEWEST_DIGITS else None


def _fold(text: str) -> str:
    """The text as the patterns read it: _FOLD, and a list's marker before a plain digit read as a separator."""
    folded = text.translate(_FOLD)
    if _ENCLOSED_ANY.search(text):
        markers = {m.start() for m in _MARKER.finditer(text.translate(_FOLD_BUT_ENCLOSED))}
        folded = "".join("-" if i in markers else ch for i, ch in enumerate(folded))
    return folded


def _mask_digits(text: str, keep_head: int, keep_tail: int, folded: str | None = None) -> str:
    """Replace every digit but the first `keep_head` and the last `keep_tail` with *, keeping separators (digits as
    the fold reads them: a circled digit or another script's is one). A short number (a landline without its area code) keeps only its
    tail, and at least half of any number is hidden."""
    folded = _fold(text) if folded is None else folded
    digits = len(_DIGIT.findall(folded))
    if digits < 11:
        keep_head = 0
    keep_tail = min(keep_tail, digits // 2)
    out, seen = [], 0
    for ch, read in zip(text, folded, strict=True):
        if read.isdigit():
            seen += 1
            out.append(ch if seen <= keep_head or seen > digits - keep_tail else "*")
        else:
            out.append(ch)
    return "".join(out)


def mask_id_number(value: str) -> str:
    """3204**********1234: the region's first four and the last four (part of the birth date and check) stay."""
    value = value or ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


_AREA_CODE = re.compile(r"\s*(0\d{2,3})(?=\D)")


def _country_code(folded: str) -> int:
    """How many characters of a matched phone are its country code (+86, 0086, 86), kept in clear; 0 if none."""
    if len(_DIGIT.findall(folded)) <= 11:
        return 0
    for code in ("+86", "0086", "86"):
        if folded.startswith(code):
            return len(code)
    return 0


def _legacy_phone_mask(text: str, folded: str) -> str:
    """How a phone read masked before landlines kept their whole area code (051*-****0000, until December 2026): the
    exports and drafts written then still hold it, and importing one back must keep the stored number too."""
    prefix = ""
    cut = _country_code(folded)
    if cut:
        prefix, text, folded = text[:cut], text[cut:], folded[cut:]
    return prefix + _mask_digits(text, 3, 4, folded)


def _mask_phone_match(text: str, folded: str) -> str:
    prefix = ""
    cut = _country_code(folded)
    if cut:
        prefix, text, folded = text[:cut], text[cut:], folded[cut:]
    digits = len(_DIGIT.findall(folded))
    if folded.lstrip(" -./").startswith("0") and digits >= 10:
        # A landline keeps its whole area code (0519-****0000, 010-****0000): the city, not the line. Written
        # apart, the code is what comes before the separator; run together, what comes before an 8-digit number.
        area = _AREA_CODE.match(folded.lstrip(" -./"))
        head = len(area.group(1)) if area else min(4, max(3, digits - 8))
        return prefix + _mask_digits(text, head, min(4, digits - head - 4), folded)  # at least four digits hidden
    return prefix + _mask_digits(text, 3, 4, folded)


def _mask_id_match(text: str, folded: str) -> str:
    """An ID number as typed: whole, 3204**********1234; in groups, the same digits hidden around the separators."""
    if folded.isalnum():
        return mask_id_number(text)
    return _mask_digits(text, 4, 4 if folded[-1].isdigit() else 3, folded)


# A run of digits long enough to be a mobile (11) or an ID number (18, perhaps ending in X): what a URL path may hold
# of a person's numbers, where shorter runs are record ids.
_LONG_RUN = re.compile(r"\d{11,}[Xx]?")


def mask_in_path(path: str) -> str:
    """A URL path for the logs: a mobile or ID number typed into it (/cases/13811184287/) masked, record ids
    (/cases/2345678/) left readable."""
    return _LONG_RUN.sub(lambda m: mask_text(m.group()), path)


# ---- whose eyes an output is for ----------------------------------------------------------------------------------
# A mask keeps enough of a number to recognise one already known. A viewer who may not see even that (a utility's
# fitter: "水电单位的任务页面和接口不含任何电话") gets every number hidden whole, in pages and API alike: the request's
# viewer is set by core.middleware.ViewerMiddleware, and the rule who is such a viewer is the accounts app's
# (register_viewer_rule: its permission table). Outside a request (jobs, commands, exports streamed after the view
# returned) numbers are masked as usual.
HIDDEN_NUMBER = "（号码不予显示）"
_viewer_hides: ContextVar[Callable[[], bool] | None] = ContextVar("viewer_hides_numbers", default=None)
_viewer_rule: list[Callable[[Any], bool]] = []


def register_viewer_rule(rule: Callable[[Any], bool]) -> None:
    """rule(user) → whether that user sees no number at all, not even masked (one rule; the last registered wins)."""
    _viewer_rule[:] = [rule]


def hides_numbers_for(user: Any) -> bool:
    return bool(user is not None and _viewer_rule and _viewer_rule[0](user))


@contextmanager
def viewer(get_user: Callable[[], Any]) -> Iterator[None]:
    """Outputs made inside are for the user `get_user()` returns, asked only when a number is to be shown (a
    request's user is known after the API's authentication) and then remembered for that user."""
    known: dict[Any, bool] = {}

    def hides() -> bool:
        user = get_user()
        key = getattr(user, "pk", None)
        if key not in known:
            known[key] = hides_numbers_for(user)
        return known[key]

    token = _viewer_hides.set(hides)
    try:
        yield
    finally:
        _viewer_hides.reset(token)


def _hiding() -> bool:
    hides = _viewer_hides.get()
    return hides is not None and hides()


def _hide_match(text: str, folded: str) -> str:
    return HIDDEN_NUMBER


def mask_text(value: Any) -> str:
    """Free text with every ID number and phone number in it masked; other words and numbers untouched. Found in the
    text folded to ASCII digits and plain spaces (_FOLD), masked in the text as typed. For a viewer who sees no
    number (_hiding) each is replaced whole by HIDDEN_NUMBER."""
    if value is None:
        return ""
    text = str(value)
    folded = _folded(text)
    if folded is None:
        return text  # most cells (names, problems in words): no number long enough to be a phone
    hiding = _hiding()
    for pattern, mask in ((_ID_NUMBER, _mask_id_match), (_PHONE, _mask_phone_match)):
        text, folded = _mask_once(text, pattern, _hide_match if hiding else mask, folded)
    return text


# GB 11643's check character of an ID number: weights of the first 17 digits, the sum mod 11 read through this.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_THOUSANDS = re.compile(r"\d{1,3}(?:-\d{3}){2,}")
_BIRTH = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
_STANDARD_ID = re.compile(r"\d{17}[\dXx]|\d{6}[\s-]\d{8}[\s-]\d{3}[\dXx]")


def _id_plausible(folded: str) -> bool:
    """An ID number begins with a region (its first digit 1-6, or 8 for the residence permits; a credit code's 9 is
    none) and holds a birth date (1900-2099) in its 7th to 14th digits: an 18-digit credit code or meter number is no
    ID number. Typed whole or as region, birth date, rest it is one whatever its check; grouped another way (fours, or
    odd groups) only when its check character is right: timestamps and other runs of grouped digits
    ("2020-07-15 13:45:30，2020…") would otherwise read as one."""
    digits = [ch for ch in folded if ch.isdigit() or ch in "Xx"]
    if digits[0] not in "1234568" or not _BIRTH.fullmatch("".join(digits[6:14])):
        return False
    if _STANDARD_ID.fullmatch(folded):
        return True
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == digits[17].upper()


# What a local number's shape cannot tell, the words around it can. A number right after one of these words is
# another kind of number: a meter's, a document's, an amount, an area, a batch (表号0519003456, 止码 20200715,
# 面积5000-6000, 批次 7001-7002).
_OTHER_NUMBER_WORDS = ("表号", "户号", "编号", "止码", "起码", "读数", "示数", "底数", "单号", "文号", "批号", "批次", "证号", "代码",
                       "账号", "帐号", "卡号", "序号", "工号", "订单", "面积", "功率", "产值", "产量", "产能", "投资", "罚款",
                       "金额", "数量", "用水量", "用电量", "电量", "水量", "规模", "容量", "重量", "费用", "价格", "税额",
                       "邮编", "型号", "标准", "坐标", "经度", "纬度", "共计", "合计", "发票号码", "发票", "合同号", "流水号", "案号",
                       "资产号", "表身号", "销售额", "收入", "税收", "起度", "止度", "表码", "抄表", "行度", "表底", "底度",
                       "违法所得", "补偿款", "注册资本", "货值", "罚没款", "营业额", "投资额", "发票号", "尺寸", "直径", "规格",
                       "人民币", "RMB")  # fmt: skip
# A standard's code before its number (GB 8978-1996, GB/T …, HJ 944-2018, ISO 9001-2015, DB32/939-2020).
_STANDARDS = r"(?:GBZ|GB|HJ|ISO|IEC|JGJ|CJJ|CJ|JB|QB|HG|SH|NY|SL|DL|YY|AQ|WS|LY|JT|TB|YS|DB\d{0,2})(?:/[TZ])?"
_BEFORE = re.compile(r"(?:" + "|".join(_OTHER_NUMBER_WORDS) + r")[\s:：为是共约¥￥]{0,3}$"
                     rf"|(?<![A-Za-z]){_STANDARDS}[\s/:：]{{0,2}}$")  # fmt: skip
# A unit after a local number makes it an amount, a range or a room ("5000000元", "3000-5000平方米", "5000 kg",
# "5000-6000/年", "（万元）", "568-1002室"). A one-character unit that is also a surname or starts a word (万, 方, 张, 家, 人 …) counts only when no
# Chinese character follows it: "86310000 万师傅", "8631-0000（张三）" are numbers and names; a name in brackets is no unit,
# nor is "/" alone (8631-0000/8631-0001 are two numbers) or a word in Latin letters (Fax, ext, WeChat).
_UNIT_AFTER = re.compile(
    r"\s{0,2}(?:(?:万|亿)?元|平方米?|平米|立方米?|千瓦时?|公斤|千克|公里|公顷|人次|吨|亩|[㎡㎥%％‰°℃]"
    r"|[万亿米方度台套件个只家户人名次天年月头匹辆箱桶株袋包瓶张块条根棵倍升克斤瓦号室栋幢](?![\u3400-\u9fff])"
    r"|(?:kg|kW|kWh|kw|km|m2|m3|m²|m³|mg|t|m|L|h)(?![A-Za-z])"
    r"|[（(](?:万?元|吨|㎡|平方米|立方米|千瓦时|度|m2|m3|kg)[）)]|[/／](?:[年月日天时吨件台套个次]|[A-Za-z]))")  # fmt: skip
_GROUPS = re.compile(r"(\d+)\D+(\d+)")
_GROUP_AFTER = re.compile(r"\d{1,6}(?!\d)")  # a group of a longer grouping, after its separator
_GROUP_BEFORE = re.compile(r"(?<!\d)\d{3,6}$")  # a day or a month before it (7.15 8631 0000) is no group


def _not_a_phone(match: re.Match[str], text: str, previous_end: int = -2) -> bool:
    """Whether a phone-shaped match is another kind of number after all: an amount in thousands (13,500,000,000元);
    for a mobile, eleven digits grouped as no one groups a mobile (a list, _a_list_not_a_mobile); for any other, a
    number right after a word naming another kind (_OTHER_NUMBER_WORDS) or a standard's code; for a local number without area code also a unit after it, an 8-digit date (20200715), a round range
    (5000-6000) or one group of a longer grouping (3204 1219 8001 0112 34; `previous_end`: where the phone found before
    it ends)."""
    a, b = match.span()
    if _THOUSANDS.fullmatch(match.group()):
        return True
    if match.group("mobile") is not None:
        return _a_list_not_a_mobile(match.group())  # else a mobile: masked wherever it stands
    if _BEFORE.search(text[max(0, a - 8) : a]):
        return True
    local = match.group("local")
    if local is None:
        return False
    if _UNIT_AFTER.match(text, b) or _BIRTH.fullmatch(local):
        return True
    groups = _GROUPS.fullmatch(local)
    if groups:
        first, second = (int(g) for g in groups.groups())
        if first % 100 == 0 and second % 100 == 0:
            return True
        # Part of a longer grouping: a group of up to six digits joined on either side by the separator inside the
        # number (3204 1219 8001 0112 34). Not a list (、 / ，), nor the next number after a space (8631-0000 8631-0001).
        inside = text[a + len(groups.group(1))]
        after, before = text[b : b + 16], text[max(0, a - 8) : a]
        if before[-1:] == inside and _GROUP_BEFORE.search(before[:-1]) and a - 1 != previous_end:
            return True  # not when the group before is the end of the number before it (0519-8631 0000 8631 0001)
        later = _GROUP_AFTER.match(after, 1) if after[:1] == inside else None
        # One group of up to four digits after it and nothing more is an extension (8631-0000-801), not a grouping;
        # joined by * and with a unit after it, a measure (5860*1240*900mm); "8631 0000 3次" is a number called thrice.
        if later and (len(later.group()) > 4 or after[later.end() : later.end() + 1] == inside
                      or (inside in "*＊" and _UNIT_AFTER.match(text, b + later.end()))):  # fmt: skip
            return True
    return False


# How people group a mobile's eleven digits when they group them in three or more: 138 1234 5678 and the like, or one
# by one. Eleven digits of a list ("COD 135、128、142、96", "1.35、2.46、3.57、4.6", times, an IP address) are no mobile.
_MOBILE_GROUPS = {(3, 4, 4), (4, 3, 4), (3, 3, 5), (4, 4, 3), (3, 3, 4, 1), (1, 3, 4, 3)}


def _a_list_not_a_mobile(found: str) -> bool:
    groups = [len(g) for g in re.findall(r"[0-9]+", found)]
    if sum(groups) > 11 and groups[0] in (2, 4):  # 86 / 0086 before it
        groups = groups[1:]
    if len(groups) < 3 or sum(groups) != 11 or all(g == 1 for g in groups):
        return False
    return tuple(groups) not in _MOBILE_GROUPS


def _spans(pattern: re.Pattern[str], folded: str, text: str) -> list[tuple[int, int]]:
    """Where the pattern finds a number in the folded text (an ID number's only when plausible, a phone's only when it
    is one: _not_a_phone reads the words around it in the text as typed)."""
    if pattern is _ID_NUMBER:
        return [m.span() for m in pattern.finditer(folded) if _id_plausible(m.group())]
    spans: list[tuple[int, int]] = []
    at = 0
    while (m := pattern.search(folded, at)) is not None:
        if _not_a_phone(m, text, spans[-1][1] if spans else -2):
            # Eleven digits of a list are no mobile, but one may begin at its next group: a time's or a date's digits
            # read with the mobile or the local number after them ("8:00-17:00，138-1234-5678" first reads
            # "17 00 138 1234"; "7.15 86310000 2次" reads "15 86310000 2").
            groups = list(_DIGITS.finditer(m.group())) if m.group("mobile") is not None else []
            at = m.start() + groups[1].start() if len(groups) > 1 else m.end()
            continue
        if m.group("mobile") is not None and (later := _aligned_mobile(m, folded, text)) is not None:
            m = later
        spans.append(m.span())
        at = m.end()
    return spans


_DIGITS = re.compile("[0-9]+")


def _aligned_mobile(m: re.Match[str], folded: str, text: str) -> re.Match[str] | None:
    """A mobile typed in groups whose last group runs on into further digits ("1602，138 1234 5678" reads
    "1602，138 1234"; "1502、1602，138 1234 5678" reads "1502 1602 138"): the one starting at a later group of it
    instead, when that one ends the run and its groups are joined alike (138 1234 5678). A mobile followed by a list
    ("186 1391 2345，302室") stays as read: no later one is joined alike."""
    groups = list(_DIGITS.finditer(m.group()))
    if len(groups) < 3 or not _RUN_GOES_ON.match(folded, m.end()):
        return None
    for group in groups[1:]:
        later = _PHONE.match(folded, m.start() + group.start())
        if (later is not None and later.group("mobile") is not None and later.end() > m.end()
                and not _RUN_GOES_ON.match(folded, later.end()) and _joined_alike(later, text)
                and not _not_a_phone(later, text)):  # fmt: skip
            return later
    return None


_RUN_GOES_ON = re.compile(r"[\s.\-]{1,16}[0-9]")


def _joined_alike(m: re.Match[str], text: str) -> bool:
    groups = list(_DIGITS.finditer(m.group()))
    a = m.start()
    return len({text[a + g.end() : a + h.start()] for g, h in itertools.pairwise(groups)}) == 1


def holds_personal_number(value: Any) -> bool:
    """Whether the text holds a phone or ID number (what mask_text would hide): for fields that must hold none."""
    folded = _folded(str(value or ""))
    if folded is None:
        return False
    text = str(value or "")
    return bool(_spans(_ID_NUMBER, folded, text) or _spans(_PHONE, folded, text))


def _masked_pairs(text: str) -> list[tuple[str, str]]:
    """Each number mask_text hides in `text`, as (clear, masked), in the order they stand."""
    folded = _folded(text)
    if folded is None:
        return []
    pairs: list[tuple[int, str, str]] = []
    for pattern, mask in ((_ID_NUMBER, _mask_id_match), (_PHONE, _mask_phone_match)):
        for start, end in _spans(pattern, folded, text):
            if "*" not in text[start:end]:
                clear, masked = text[start:end], mask(text[start:end], folded[start:end])
                pairs.append((start, clear, masked))
                legacy = _legacy_phone_mask(clear, folded[start:end]) if pattern is _PHONE else masked
                if legacy != masked:
                    pairs.append((start, clear, legacy))
        text, folded = _mask_once(text, pattern, mask, folded)
    return [(clear, masked) for _, clear, masked in sorted(pairs)]


def _mask_once(text: str, pattern: re.Pattern[str], mask: Callable[[str, str], str],
               folded: str) -> tuple[str, str]:  # fmt: skip
    """The text with each number the pattern finds in its fold masked, and the new text's fold."""
    spans = _spans(pattern, folded, text)
    if not spans:
        return text, folded
    parts, at = [], 0
    for start, end in spans:
        parts += [text[at:start], mask(text[start:end], folded[start:end])]
        at = end
    text = "".join(parts) + text[at:]
    return text, _fold(text)


class AmbiguousMask(ValueError):
    """A masked number sent back that stands for two different stored numbers (甲 13812345678, 乙 13899995678: both
    138****5678) and occurs a different number of times than stored: which one is meant cannot be told. Callers refuse
    the field with `message`; guessing could write 甲's number where 乙's stood."""

    def __init__(self, masked: str):
        self.masked = masked
        self.message = (f"“{masked}”对应原内容中的多个不同号码，无法确定保留哪一个（删改了其中之一？）："
                        "请把要保留的号码完整填写")  # fmt: skip
        super().__init__(self.message)


def restore_masked(value: Any, original: Any, kind: str = "text") -> Any:
    """A personal field sent back as it was shown (its numbers masked), whole or edited around the numbers: each
    masked number in it that the stored value holds is put back in clear, so an edit ("…（东侧）" added to an address
    with a doorkeeper's mobile) never writes asterisks over a number. A masked form the stored value does not hold is
    left as typed. Form, API and import alike (registry and lookback services). Raises AmbiguousMask when one masked
    form stands for several stored numbers and occurs a different number of times (one of them was deleted): as many
    times, each is put back in the order they stand."""
    if not isinstance(value, str) or "*" not in value or not isinstance(original, str) or not original:
        return value
    if is_masked_form(value, original, kind):
        return original
    pairs = _masked_pairs(original)
    stands_for: dict[str, set[str]] = {}
    for clear, masked in pairs:
        stands_for.setdefault(masked, set()).add(clear)
    for masked, clears in stands_for.items():
        if len(clears) > 1 and value.count(masked) != sum(1 for _c, m in pairs if m == masked):
            raise AmbiguousMask(masked)
    for clear, masked in pairs:
        at = value.find(masked)
        if at >= 0:
            value = value[:at] + clear + value[at + len(masked) :]
    return value


def mask_phone(value: Any) -> str:
    """A phone field masked: 138****5678, 0519-****0000 (a landline keeps its area code); a field with several
    numbers masks each; anything else with digits in it keeps at most its last four."""
    if value is None or value == "":
        return ""
    text = str(value)
    if any(ch.isdigit() for ch in text) and _hiding():
        return HIDDEN_NUMBER
    masked = mask_text(text)
    if masked != text or not any(ch.isdigit() for ch in text):
        return masked
    return _mask_digits(text, 0, 4)  # an odd number (too short, odd shape): still never shown whole


# What each kind of personal field reads as when masked.
MASKS: dict[str, Callable[[Any], str]] = {"phone": mask_phone, "id_number": mask_text, "text": mask_text}

# Every stored field holding a phone or ID number: (model label, field) → kind. Names of people are not masked
# (the list and 附件2 are worked by name); free-text fields are masked with mask_text wherever they are shown.
PERSONAL_FIELDS: dict[tuple[str, str], str] = {}


def register_personal_fields(model_label: str, fields: dict[str, str]) -> None:
    """Apps name their personal fields in AppConfig.ready() (the core never names another app's models)."""
    for field, kind in fields.items():
        if kind not in MASKS:
            raise ValueError(f"unknown personal-data kind {kind!r}")
        PERSONAL_FIELDS[(model_label.lower(), field)] = kind


def mask_field(model_label: str, field: str, value: Any) -> Any:
    """The value as a masked output shows it: masked when the field is personal, else as it is."""
    kind = PERSONAL_FIELDS.get((model_label.lower(), field))
    if kind is None or value is None or value == "":
        return value
    return MASKS[kind](value)


def is_masked_form(value: str, original: str, kind: str = "phone") -> bool:
    """Whether a submitted value is the masked form a page, the API or an export showed: the original is kept (an
    edit form shows a personal field masked, and sending it back unchanged must not overwrite the number with
    asterisks; nor may a masked export imported back). `kind`: the field's kind of personal data (MASKS)."""
    if not original or "*" not in (value or "") or value == original:
        return False
    if value == MASKS[kind](original):
        return True
    legacy = original  # the masked form of an earlier release (_legacy_phone_mask), from a file written then
    for clear, masked in _masked_pairs(original):
        if "*" in masked and masked != mask_text(clear):
            legacy = legacy.replace(clear, masked, 1)
    return legacy != original and value == legacy


class MaskedSerializerMixin:
    """A ModelSerializer whose personal fields (PERSONAL_FIELDS of its model) answer masked: the API never sends a
    clear phone or ID number; the reveal is its own audited endpoint."""

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)  # type: ignore[misc]
        label = instance._meta.label_lower
        for name in data:
            if (label, name) in PERSONAL_FIELDS:
                data[name] = mask_field(label, name, data[name])
        return data
