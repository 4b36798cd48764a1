"""Names, persons, phones and places as the similarity rule (registry.similarity) compares them.

A name is split into what tells enterprises apart (its core: 鑫达塑料制品, 张三塑料造粒) and what does not: the
province/city/district/town/village prefix (常州市武进区湖塘…), the legal form and the kind of place (有限公司、厂、
作坊、加工点、个体户…). Text in brackets and the tail of a branch name (…有限公司新华分公司) is the site of a chain,
kept apart. Characters of one sound are read alike (鑫达 = 新达), as shop signs and registers are written by ear.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sanluanwu.core.text import name_key, to_halfwidth


class Record(Protocol):
    """What is parsed of a find or a known enterprise (similarity.Find and Known have these)."""

    @property
    def name(self) -> str: ...
    @property
    def town_id(self) -> int | None: ...
    @property
    def legal_person(self) -> str: ...
    @property
    def phone(self) -> str: ...
    @property
    def credit_code(self) -> str: ...
    @property
    def lon(self) -> float | None: ...
    @property
    def lat(self) -> float | None: ...
    @property
    def village(self) -> str: ...


# Shop signs and registers written by ear: characters of one sound (tones aside) that names commonly use. Each
# group is read as its first character when comparing (鑫达 = 新达, 王建萍 = 王建平). Brand and given-name characters
# only: a surname is the one part of a person's name nobody mishears.
_SOUND_ALIKE_GROUPS = [
    "新鑫欣馨心信", "恒亨衡", "达大", "兴星", "盛胜圣生升声", "丰峰锋风凤枫", "华化桦", "祥翔", "源元圆远园",
    "宏鸿弘洪红虹", "顺舜", "隆龙", "福富甫", "佳嘉", "荣容融蓉", "泰太", "旺望", "金今锦晋", "瑞锐", "成诚城承",
    "利力立丽", "永勇泳", "明铭鸣名", "德得", "伟威卫维玮", "昌畅", "平萍坪", "芳方", "英瑛莹颖", "军君俊骏峻",
    "杰洁捷", "辉晖慧惠", "东冬栋", "涛韬", "强墙", "国果", "斌彬滨", "林琳霖", "建健剑", "霞侠", "敏闽",
    "亮良", "静晶菁", "燕艳雁", "玉宇雨", "梅美", "琴勤芹", "雪学", "志智", "刚钢", "忠中仲", "寿守", "春纯",
    "文闻雯", "波博", "磊雷蕾", "鹏朋", "飞菲", "云芸", "超朝", "晓孝", "浩豪昊",
]  # fmt: skip
_SOUND_ALIKE = str.maketrans({c: group[0] for group in _SOUND_ALIKE_GROUPS for c in group[1:]})

# Trade words common in the names of small works and the words companies add to them: what is shared in them says
# little. Only a prior (similarity.Stats): a town's own records soon tell how common each piece is there.
_COMMON_WORDS = (
    "塑料", "造粒", "颗粒", "制品", "加工", "机械", "五金", "金属", "表面", "处理", "木材", "木业", "木制品", "废品",
    "废旧", "回收", "物资", "石材", "石料", "印刷", "印务", "包装", "家具", "喷漆", "喷塑", "喷涂", "铸造", "铸件",
    "注塑", "电镀", "纺织", "印染", "化工", "原料", "分装", "橡胶", "砂石", "冶金", "粉末", "材料", "科技", "设备",
    "电子", "电器", "服装", "建材", "钢材", "模具", "环保", "贸易", "实业", "工贸", "机电", "汽配", "配件", "纸箱",
    "纸业", "食品", "饲料", "养殖", "织造", "针织", "化纤", "玻璃", "陶瓷", "水泥", "涂料", "油漆", "不锈钢", "铝业",
    "铜业", "线缆", "电线", "轴承", "阀门", "管道", "工具", "精密", "技术", "工程", "装饰", "门窗",
)  # fmt: skip
COMMON_PIECES = frozenset(w[i : i + k] for w in _COMMON_WORDS for k in (1, 2) for i in range(len(w) - k + 1))
_REGION_PREFIXES = ("江苏省", "江苏", "常州市", "常州", "武进区", "武进")
_LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "分公司", "总公司", "公司", "个人独资企业", "合伙企业",
                "普通合伙", "有限合伙", "个体工商户", "个体户", "个体")  # fmt: skip
_PLACE_KINDS = ("加工点", "加工厂", "加工场", "加工部", "加工坊", "作坊", "经营部", "门市部", "工作室", "商行",
                "商店", "车间", "工场", "工厂", "分厂", "厂", "店", "场", "坊", "部", "点")  # fmt: skip


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_SUFFIXES = frozenset(_LEGAL_FORMS + _PLACE_KINDS)
_SUFFIX_LENGTHS = sorted({len(w) for w in _SUFFIXES}, reverse=True)
_COMPANY = re.compile(r"股份有限公司|有限责任公司|有限公司|公司")
_BRACKETS = re.compile(r"[(\[【]([^()\[\]【】]*)[)\]】]")
_PLACE_TAIL = re.compile(r"(村民委员会|村委会|居委会|社区|村|分厂|分公司|分部|厂区)$")
_PERSON_SPLIT = re.compile(r"[、,;/\s]+")
_DIGITS = re.compile(r"\D")
_EXTENSION = re.compile(r"(?<=\d{7})\s*(?:-|转|ext\.?)\s*\d{1,5}$", re.IGNORECASE)


def sound_key(text: str) -> str:
    """The text as it sounds: each sound-alike character replaced by its group's first one (鑫达 → 新达)."""
    return text.translate(_SOUND_ALIKE)


def place_key(text: str) -> str:
    """A village or site as compared: sound key, without 村/社区/分厂… (新华村 = 新华)."""
    return _PLACE_TAIL.sub("", sound_key(name_key(text))) if text else ""


class Places:
    """Place words a name may start with (province, city, district, towns, villages)."""

    def __init__(self, town_names: Iterable[str] = (), village_names: Iterable[str] = ()):
        words = set(_REGION_PREFIXES)
        for town in town_names:
            town = name_key(town)
            short = re.sub(r"(镇|街道|乡)$", "", town)
            words |= {town, short, short.removeprefix("武进")} if town else set()
        self.words = frozenset(w for w in words if len(w) >= 2)
        # Region and town words, repeated (常州市武进区湖塘镇…), each followed by at least two characters.
        self.prefix = re.compile(f"^(?:(?:{_alternatives(self.words)})(?:镇|街道)?)+(?=..)")
        villages = {v for v in (name_key(v) for v in village_names) if len(v) >= 2}
        known = f"{_alternatives(villages)}|" if villages else ""
        self.village = re.compile(f"^(?:{known}[\u4e00-\u9fff]{{2,3}}(?:村|社区))(?=..)")


@dataclass(slots=True)
class Parsed:
    """One record ready for comparison (see `parse`)."""

    name: str
    core: str  # the name without place prefixes, legal form, kind of place and site
    sound: str  # sound_key(core), same length
    dropped: tuple[str, ...]  # what was dropped from the name, for the reasons
    site: str  # place_key of the chain's site ("" when none)
    site_text: str
    village: str  # place_key of the village (field, name prefix or site)
    village_text: str
    persons: tuple[str, ...]
    own_person: str  # a person of the record that starts its core (rule 1 names), else ""
    phones: tuple[str, ...]
    credit_code: str
    town_id: int | None
    lon: float | None
    lat: float | None
    text: str = ""  # what is compared as a name: the sound key without the record's own person

    def __post_init__(self) -> None:
        self.text = self.sound[len(self.own_person) :]


def _strip_suffixes(text: str, dropped: list[str]) -> str:
    while True:
        for n in _SUFFIX_LENGTHS:
            if len(text) > n and text[-n:] in _SUFFIXES:
                dropped.append(text[-n:])
                text = text[:-n]
                break
        else:
            return text


def _strip_prefixes(text: str, places: Places, dropped: list[str]) -> tuple[str, str]:
    """Drop place prefixes; returns (text, village found in the prefix)."""
    start = text
    if m := places.prefix.match(text):
        text = text[m.end() :]
    village = ""
    if m := places.village.match(text):
        village, text = m.group(), text[m.end() :]
    if text != start:
        dropped.insert(0, start[: len(start) - len(text)])
    return text, village


def parse_persons(text: str) -> tuple[str, ...]:
    key = _BRACKETS.sub("", name_key(text or ""))
    return tuple(p for p in _PERSON_SPLIT.split(key) if len(p) >= 2)


def phone_keys(text: str) -> tuple[str, ...]:
    """Phones as compared: digits only; a landline without its area code or extension (0519-86312345 = 86312345)."""
    keys = []
    for part in re.split(r"[/、,;，；]|\s{2,}", to_halfwidth(text or "")):
        digits = _DIGITS.sub("", _EXTENSION.sub("", part.strip()))
        if digits.startswith("86") and len(digits) == 13:
            digits = digits[2:]
        if digits.startswith("0") and len(digits) >= 10:
            digits = digits[-8:]
        if len(digits) >= 7:
            keys.append(digits)
    return tuple(keys)


def parse(record: Record, places: Places) -> Parsed:
    """Split a record's name into what is compared, and normalise its person, phones and code."""
    key = name_key(record.name)
    dropped: list[str] = []
    sites: list[str] = []
    for inner in _BRACKETS.findall(key):
        inner = _strip_suffixes(inner, dropped)
        if inner and inner.removesuffix("镇") not in places.words and inner not in _SUFFIXES:
            sites.append(inner)
        elif inner:
            dropped.append(inner)
    text = _strip_suffixes(_BRACKETS.sub("", key), dropped)
    companies = list(_COMPANY.finditer(text)) if "公司" in text else []
    company = companies[-1] if companies else None
    if company is not None and company.end() < len(text):  # …有限公司新华分公司: the tail is the branch's site
        tail = _strip_suffixes(text[company.end() :], dropped)
        text = text[: company.start()]
        dropped.append(company.group())
        if tail.removesuffix("镇") in places.words:
            dropped.append(tail)
        elif tail:
            sites.append(tail)
    text = _strip_suffixes(text, dropped)
    core, prefix_village = _strip_prefixes(text, places, dropped)
    if not core:
        core = text or key
    site_text = "".join(sites)
    village_text = record.village or prefix_village or next((s for s in sites if _PLACE_TAIL.search(s)), "")
    persons = parse_persons(record.legal_person) if record.legal_person else ()
    own = next((p for p in persons if core.startswith(p) and len(core) > len(p)), "")
    return Parsed(
        name=record.name, core=core, sound=sound_key(core), dropped=tuple(dict.fromkeys(dropped)),
        site=place_key(site_text), site_text=site_text, village=place_key(village_text), village_text=village_text,
        persons=persons, own_person=own, phones=phone_keys(record.phone) if record.phone else (),
        credit_code=to_halfwidth(record.credit_code or "").strip().upper(), town_id=record.town_id,
        lon=record.lon, lat=record.lat,
    )  # fmt: skip


def bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}
