"""Is this enterprise already known? The one "similar enterprise" rule, for the case form's warnings and the
look-back's new finds alike. Pure: no database; `similarity_index.KnownIndex` finds whom to compare with.

Evidence is weighed Fellegi–Sunter style. Each comparison (name, person, phone, credit code, distance, site,
village, town) adds its weight in bits, log2 P(what is seen | same enterprise) / P(what is seen | two different
ones), and the weights add up: agreement on something rare (a shop name, a person, a phone) counts for a lot,
agreement on something common (a trade word, being in a crowded village) for little, and a disagreement that a
true match rarely shows (another credit code, another branch site) counts against. A known enterprise is offered
when its sum reaches POSSIBLY_KNOWN_BITS; the find is then "possibly" or "probably" known, otherwise "probably new".

Names are compared as similarity_names prepares them (prefixes, legal form and kind of place dropped, the site of
a chain apart). A workshop named by rule 1 (负责人姓名+经营内容+作坊) carries its person: that part of the name is
compared as a person, the rest as a name.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA, Indel

from sanluanwu.core.text import name_key
from sanluanwu.registry.similarity_names import COMMON_PIECES, Parsed, sound_key

# --- The rule's weights, in bits (log2 of a likelihood ratio) ----------------------------------------------------
# Thresholds, chosen on the labelled set (registry/tests/similarity_cases.py; the table is in benchmarks/RESULTS.md).
# From 2 to 6 bits the top candidate's precision rises from 96 % to 99.7 % while its recall stays at 99 %; above 6
# recall falls (95 % at 8, 88 % at 10) for hardly any precision: 6 is where more caution stops paying. In words: the
# same person or phone of the town, with a name that does not contradict it, reaches 6; a shared trade word and a
# near place, without such an agreement, do not — and then the answer is "probably new".
POSSIBLY_KNOWN_BITS = 6.0
# From 10 bits the top candidate was right in 99.9 % of the labelled cases (88 % of the true finds reach it).
PROBABLY_KNOWN_BITS = 10.0

# Name: the rarity of the shared stretches (≈ −log2 of the share of the town's names containing them), less what
# the shorter name has that the other lacks, counted at NAME_UNSHARED_SHARE of its information (a character's
# −log2 share of names using it): a different 字号 character (鼎星/信星) costs several bits, a reworded trade word
# (加工/制品) little, as inspectors often describe the trade in their own words. Bounded: an identical rare name is
# still not proof (two 鑫达塑料制品 can exist), and an entirely different name only weak evidence against, as
# renames, operators' names and signboards are common among true matches.
NAME_CAP = 12.0
NAME_FLOOR = -3.0
NAME_UNSHARED_SHARE = 0.6
NAME_SOUND_ALIKE_CHAR = 1.0
# The name's weights hold for a town of about TOWN_NAMES_REF known enterprises; a larger town has proportionally more
# names that share a stretch by chance, so there a name counts log2(n / TOWN_NAMES_REF) bits less.
TOWN_NAMES_REF = 1000  # a character written differently but sounding the same (鑫/新): a little less sure

# Person: the same person counts log2(town size / people of that name), at most 11 bits (people do run several
# workshops) and at least 3 (a very common name); the same name by ear (王建平/王建萍) 4; two different persons
# −4 — the same surname alone is no agreement.
PERSON_CAP = 11.0
PERSON_MIN = 3.0
PERSON_SOUND_ALIKE = 4.0
PERSON_DIFFERENT = -4.0

# Phone: the same number counts like a person but rarer (at most 12 bits: numbers are passed on in a family; a
# number shared by many records, such as a village office, counts less); one digit off 4 bits (a slip); different
# numbers −1.5 (people have two).
PHONE_CAP = 12.0
PHONE_MIN = 3.0
PHONE_ONE_DIGIT_OFF = 4.0
PHONE_DIFFERENT = -1.5

# Credit code: one enterprise has one code, so the same code is decisive and another code nearly so.
CREDIT_CODE_SAME = 14.0
CREDIT_CODE_DIFFERENT = -12.0

# Site of a chain (text in brackets, or the branch of …有限公司X分公司): another site is another enterprise.
SITE_SAME = 2.0
SITE_DIFFERENT = -30.0
VILLAGE_DIFFERENT = -3.0
TOWN_DIFFERENT = -3.0

# Distance: being near is evidence only as far as other places are not as near. With n other known places within
# DENSITY_RADIUS_M, about n·(d/250 m)² of them are as close as one at d metres (d at least GPS_ERROR_M, as a phone
# cannot tell closer apart); a true match is that far with a chance of about exp(−(d/NEAR_SCALE_M)²) (64 % at
# 100 m, 37 % at 150 m: a poor fix). The weight is log2 of the one over the other, between 0 and NEAR_BITS: strong
# for a lone place, weak in a crowded village, nothing beyond ≈ 250 m. Being near is never enough alone: a new
# workshop in the vacant premises of an old one (category 3) is as near as can be.
NEAR_BITS = 6.0
NEAR_SCALE_M = 150.0
GPS_ERROR_M = 25.0
DENSITY_RADIUS_M = 250.0
NEAR_CUTOFF_M = 300.0
# Far apart (more than 1 km; fading in from 500 m) is evidence against: true matches are that far apart only
# when a position on record is wrong.
FAR_APART = -3.0
FAR_FROM_M = 500.0
FAR_FULL_M = 1000.0

# Rarity is estimated from the known enterprises, drawn towards a prior as if PRIOR_NAMES more records had been seen
# (so that a town with three records on file does not find every name rare): a character is in 1 name in 50, a
# two-character piece in 1 in 500 (a piece of a common trade word in 1 in 20), a person's name in 1 in 2,000, a
# phone number in 1 in 10,000; after two characters, the next one follows as seen, drawn towards 1 in 10 with
# PRIOR_NEXT names' weight.
PRIOR_NAMES = 200.0
PRIOR_CHAR_SHARE = 1 / 50
PRIOR_PIECE_SHARE = 1 / 500
PRIOR_COMMON_SHARE = 1 / 20  # a piece of a common trade word (_COMMON_WORDS)
PRIOR_PERSON_SHARE = 1 / 2000
PRIOR_PHONE_SHARE = 1 / 10_000
PRIOR_NEXT = 2.0
PRIOR_NEXT_SHARE = 1 / 10

PROBABLY_KNOWN = "probably_known"
POSSIBLY_KNOWN = "possibly_known"
PROBABLY_NEW = "probably_new"
VERDICT_LABELS = {
    PROBABLY_KNOWN: "很可能是已登记的企业",
    POSSIBLY_KNOWN: "可能是已登记的企业，请核实",
    PROBABLY_NEW: "很可能是新发现的企业（未找到相符的已登记企业）",
}


@dataclass(frozen=True)
class Find:
    """What is known of a place to check: a new find, or an enterprise being entered. Coordinates in WGS-84."""

    name: str
    town_id: int | None = None
    legal_person: str = ""
    phone: str = ""
    credit_code: str = ""
    lon: float | None = None
    lat: float | None = None
    village: str = ""


@dataclass(frozen=True)
class Known(Find):
    """An enterprise on record: the same facts, with its id."""

    id: int = field(default=0, kw_only=True)


@dataclass
class Stats:
    """How common pieces of names and persons are among one town's known enterprises."""

    n: int = 0
    grams: Counter[str] = field(default_factory=Counter)  # document frequency of 1-, 2- and 3-character pieces
    persons: Counter[str] = field(default_factory=Counter)  # sound key of a person → enterprises
    _bits: dict[str, float] = field(default_factory=dict)  # rarity and idf already worked out (trade words recur)

    def add(self, parsed: Parsed) -> None:
        text = parsed.text
        self.forget()
        self.n += 1
        self.grams.update({text[i : i + k] for k in (1, 2, 3) for i in range(len(text) - k + 1)})
        self.persons.update({sound_key(p) for p in parsed.persons})

    def forget(self) -> None:
        """Drop the bits worked out so far (they are kept while the statistics do not change)."""
        self._bits.clear()

    def idf(self, gram: str) -> float:
        """Bits of a 1- or 2-character piece: −log2 of the share of the town's names using it."""
        if (bits := self._bits.get(gram)) is not None:
            return bits
        self._bits[gram] = bits = self._idf(gram)
        return bits

    def _idf(self, gram: str) -> float:
        if gram in COMMON_PIECES:
            prior = PRIOR_COMMON_SHARE
        else:
            prior = PRIOR_CHAR_SHARE if len(gram) == 1 else PRIOR_PIECE_SHARE
        return -math.log2(_share(self.grams.get(gram, 0), self.n, prior))

    def person_bits(self, person: str) -> float:
        """Bits of the same person: −log2 of the share of the town's enterprises run by someone of that name."""
        return -math.log2(_share(self.persons.get(sound_key(person), 0), self.n, PRIOR_PERSON_SHARE))

    def rarity(self, stretch: str) -> float:
        """Bits of a shared stretch: how unlikely an unrelated name of the town contains it (a Markov chain of
        its 2- and 3-character pieces; never more than the pieces taken as independent)."""
        if (bits := self._bits.get("\0" + stretch)) is not None:
            return bits
        self._bits["\0" + stretch] = bits = self._rarity(stretch)
        return bits

    def _rarity(self, stretch: str) -> float:
        grams = self.grams
        bits = self.idf(stretch[:2])
        for i in range(2, len(stretch)):
            prev, tri = grams.get(stretch[i - 2 : i], 0), grams.get(stretch[i - 2 : i + 1], 0)
            given = -math.log2((tri + PRIOR_NEXT * PRIOR_NEXT_SHARE) / (prev + PRIOR_NEXT))
            bits += min(given, self.idf(stretch[i - 1 : i + 1]))
        return bits


def _share(count: int, n: int, prior: float) -> float:
    """A share estimated from `count` of `n`, drawn towards `prior` as if PRIOR_NAMES more names had been seen:
    a town with few records on file cannot tell by itself what is rare."""
    return (count + PRIOR_NAMES * prior) / (n + PRIOR_NAMES)


@dataclass
class Candidate:
    """A known enterprise that may be the one, with the evidence for and against, in words officials read."""

    enterprise_id: int
    name: str
    score: float
    reasons: list[str] = field(default_factory=list)
    against: list[str] = field(default_factory=list)
    distance_m: float | None = None
    strongest: str = "name"  # the comparison that weighed most for it: name, person, phone, credit_code, place

    @property
    def verdict(self) -> str:
        if self.score >= PROBABLY_KNOWN_BITS:
            return PROBABLY_KNOWN
        return POSSIBLY_KNOWN if self.score >= POSSIBLY_KNOWN_BITS else PROBABLY_NEW

    def as_dict(self) -> dict[str, object]:
        return {"enterprise_id": self.enterprise_id, "name": self.name, "score": round(self.score, 1),
                "verdict": self.verdict, "verdict_label": VERDICT_LABELS[self.verdict], "reasons": self.reasons,
                "against": self.against,
                "distance_m": round(self.distance_m) if self.distance_m is not None else None}  # fmt: skip


@dataclass
class Match:
    """The answer for one find: the verdict and the candidates that reached POSSIBLY_KNOWN_BITS, best first."""

    candidates: list[Candidate]

    @property
    def verdict(self) -> str:
        return self.candidates[0].verdict if self.candidates else PROBABLY_NEW

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]

    def as_dict(self) -> dict[str, object]:
        return {"verdict": self.verdict, "verdict_label": self.verdict_label,
                "candidates": [c.as_dict() for c in self.candidates]}  # fmt: skip


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance for nearby points (equirectangular; below 0.1 % off within the district)."""
    k = 111_320.0
    dx = (lon2 - lon1) * k * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, (lat2 - lat1) * k)


def place_bits(distance_m: float, others: int) -> float:
    """Weight of being `distance_m` apart when `others` other known places lie within DENSITY_RADIUS_M."""
    if distance_m >= FAR_FROM_M:
        return FAR_APART * min(1.0, (distance_m - FAR_FROM_M) / (FAR_FULL_M - FAR_FROM_M))
    if distance_m > NEAR_CUTOFF_M:
        return 0.0
    as_close = (1 + others) * (max(distance_m, GPS_ERROR_M) / DENSITY_RADIUS_M) ** 2
    return _clip(math.log2(math.exp(-((distance_m / NEAR_SCALE_M) ** 2)) / as_close), 0.0, NEAR_BITS)


def _reason_order(reason: str) -> int:
    """Reasons in the order officials read them: name, person, phone, code, site, distance."""
    for i, start in enumerate(("名称", "负责人", "联系电话", "统一社会信用代码", "分支场所", "相距")):
        if reason.startswith(start):
            return i
    return 9


def _clip(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


class Weigher:
    """Weighs one find against known enterprises with the statistics of the find's town."""

    def __init__(self, find: Parsed, stats: Stats, phones: Counter[str], n_known: int, others_near: int):
        self.find, self.stats, self.phones, self.n_known, self.others_near = find, stats, phones, n_known, others_near
        self.explain = True

    def weigh(
        self, known: Parsed, enterprise_id: int, explain: bool = True, at_least: float = POSSIBLY_KNOWN_BITS
    ) -> Candidate:
        """The candidate with its score; with `explain` False, no reasons, and a score that is only an upper
        bound once it cannot reach `at_least` (the name is then not compared)."""
        f, k = self.find, known
        c = Candidate(enterprise_id, k.name, 0.0)
        self.explain = explain
        f_person, f_text, k_person, k_text = self._persons_in_names(f, k)
        parts = {"place": self._place(f, k, c), "credit_code": self._code(f, k, c), "phone": self._phone(f, k, c),
                 "person": self._person(f, k, f_person, k_person, c)}  # fmt: skip
        rest = sum(parts.values())
        if not explain and rest + NAME_CAP < at_least:
            c.score = rest + NAME_CAP
            return c
        parts["name"] = self._name(f, k, f_text, k_text, c)
        c.score = rest + parts["name"]
        if explain:
            c.strongest = max(parts, key=lambda p: parts[p])
            c.reasons.sort(key=_reason_order)
        return c

    @staticmethod
    def _persons_in_names(f: Parsed, k: Parsed) -> tuple[str, str, str, str]:
        """Which person each name carries (rule 1 names start with it) and the rest that is compared as a name.

        A record whose own person does not start its name may still carry the other's person (an operator's name
        given for a licensed company) or, when the other is a rule 1 name, someone of the same surname: the same
        number of characters is then read as that person (王建平塑料造粒 against 王建国's workshop).
        """
        f_person, k_person = f.own_person, k.own_person
        if not f_person:
            for p in k.persons:
                if f.core.startswith(p) and len(f.core) > len(p):
                    f_person = p
                    break
            else:
                if k_person and f.core[:1] == k_person[:1] and len(f.core) > len(k_person):
                    f_person = f.core[: len(k_person)]
        if not k_person:
            for p in f.persons:
                if k.core.startswith(p) and len(k.core) > len(p):
                    k_person = p
                    break
        return f_person, f.sound[len(f_person) :], k_person, k.sound[len(k_person) :]

    def _name(self, f: Parsed, k: Parsed, a: str, b: str, c: Candidate) -> float:
        if not a or not b:
            return 0.0
        if a == b and f.core[len(f.core) - len(a) :] == k.core[len(k.core) - len(b) :]:
            shared, missing, by_ear = [a], 0, 0
            bits = self.stats.rarity(a)
        else:
            blocks = Indel.opcodes(a, b).as_matching_blocks()
            shared, bits, matched, by_ear = [], 0.0, 0, 0
            fa, kb = f.core[len(f.core) - len(a) :], k.core[len(k.core) - len(b) :]
            for blk in blocks:
                matched += blk.size
                if blk.size >= 2:
                    shared.append(b[blk.b : blk.b + blk.size])
                    bits += self.stats.rarity(shared[-1])
                by_ear += sum(x != y for x, y in zip(fa[blk.a : blk.a + blk.size], kb[blk.b : blk.b + blk.size],
                                                     strict=True))  # fmt: skip
            missing = min(len(a), len(b)) - matched
            if missing:
                shorter, side = (a, "a") if len(a) <= len(b) else (b, "b")
                covered: set[int] = set()
                for blk in blocks:
                    start = blk.a if side == "a" else blk.b
                    covered.update(range(start, start + blk.size))
                bits -= NAME_UNSHARED_SHARE * sum(
                    self.stats.idf(ch) for i, ch in enumerate(shorter) if i not in covered
                )
        crowd = math.log2(self.stats.n / TOWN_NAMES_REF) if self.stats.n > TOWN_NAMES_REF else 0.0
        weight = _clip(bits - NAME_SOUND_ALIKE_CHAR * by_ear - crowd, NAME_FLOOR, NAME_CAP)
        if not self.explain:
            return weight
        if weight > 0.5:
            c.reasons.append(self._name_reason(f, k, a, b, shared, missing, by_ear))
        elif weight < -0.5:
            c.against.append("名称不同")
        return weight

    @staticmethod
    def _name_reason(f: Parsed, k: Parsed, a: str, b: str, shared: list[str], missing: int, by_ear: int) -> str:
        if name_key(f.name) == name_key(k.name):
            return "名称相同"
        if a == b and not by_ear:
            words = [w for w in dict.fromkeys(f.dropped + k.dropped) if w]
            words = [w for w in words if not any(w != v and w in v for v in words)]  # 湖塘 in 常州市武进区湖塘
            if f.core != k.core:
                return f"名称中除负责人姓名外相同（“{k.core[len(k.core) - len(b) :]}”）"
            return "名称相近（去掉" + "".join(f"“{w}”" for w in words) + "后相同）" if words else "名称相同"
        if a == b or (not missing and by_ear):
            pairs = [f"“{x}”与“{y}”" for x, y in zip(f.core[-len(a) :], k.core[-len(b) :], strict=False) if x != y]
            return "名称相近（" + "、".join(dict.fromkeys(pairs)) + "同音）"
        longest = max(shared, key=len) if shared else ""
        original = k.core[len(k.core) - len(b) :][b.find(longest) : b.find(longest) + len(longest)]
        return f"名称部分相同（“{original}”）" if original else "名称相近"

    def _person(self, f: Parsed, k: Parsed, f_person: str, k_person: str, c: Candidate) -> float:
        mine = (*f.persons, f_person) if f_person and f_person not in f.persons else f.persons
        theirs = (*k.persons, k_person) if k_person and k_person not in k.persons else k.persons
        if not mine or not theirs:
            return 0.0
        same = [p for p in mine if p in theirs]
        if same:
            person = min(same, key=len)
            weight = _clip(self.stats.person_bits(person), PERSON_MIN, PERSON_CAP)
            if self.explain:
                same_field = person in f.persons and person in k.persons
                c.reasons.append(f"负责人同名（{person}）" if same_field else f"负责人相同（名称中的“{person}”）")
            return weight
        heard = {sound_key(q): q for q in theirs}
        for p in mine:
            if (q := heard.get(sound_key(p))) is not None:
                self._say(c.reasons, f"负责人姓名同音（{p}／{q}）")
                return PERSON_SOUND_ALIKE
        self._say(c.against, f"负责人不同（{min(mine)}／{min(theirs)}）")
        return PERSON_DIFFERENT

    def _phone(self, f: Parsed, k: Parsed, c: Candidate) -> float:
        if not f.phones or not k.phones:
            return 0.0
        same = [p for p in f.phones if p in k.phones]
        if same:
            seen = max(self.phones.get(p, 0) for p in same)
            self._say(c.reasons, "联系电话相同")
            return _clip(-math.log2(_share(seen, self.n_known, PRIOR_PHONE_SHARE)), PHONE_MIN, PHONE_CAP)
        if any(OSA.distance(p, q, score_cutoff=1) <= 1 for p in f.phones for q in k.phones):
            self._say(c.reasons, "联系电话仅差一位（疑似笔误）")
            return PHONE_ONE_DIGIT_OFF
        self._say(c.against, "联系电话不同")
        return PHONE_DIFFERENT

    def _say(self, where: list[str], text: str) -> None:
        if self.explain:
            where.append(text)

    def _code(self, f: Parsed, k: Parsed, c: Candidate) -> float:
        if not f.credit_code or not k.credit_code:
            return 0.0
        if f.credit_code == k.credit_code:
            self._say(c.reasons, "统一社会信用代码相同")
            return CREDIT_CODE_SAME
        self._say(c.against, "统一社会信用代码不同")
        return CREDIT_CODE_DIFFERENT

    def _place(self, f: Parsed, k: Parsed, c: Candidate) -> float:
        weight = 0.0
        if f.site and k.site:
            if f.site == k.site:
                weight += SITE_SAME
                self._say(c.reasons, f"分支场所相同（{k.site_text}）")
            else:
                weight += SITE_DIFFERENT
                self._say(c.against, f"分支场所不同（{f.site_text}／{k.site_text}）")
        if f.village and k.village and f.village != k.village:
            weight += VILLAGE_DIFFERENT
            self._say(c.against, f"所在村（社区）不同（{f.village_text}／{k.village_text}）")
        if f.town_id is not None and k.town_id is not None and f.town_id != k.town_id:
            weight += TOWN_DIFFERENT
            self._say(c.against, "不在同一镇（街道）")
        if f.lon is not None and f.lat is not None and k.lon is not None and k.lat is not None:
            d = metres(f.lon, f.lat, k.lon, k.lat)
            c.distance_m = d
            others = self.others_near - (1 if d <= DENSITY_RADIUS_M else 0)
            weight += place_bits(d, max(others, 0))
            if not self.explain:
                pass
            elif d <= NEAR_CUTOFF_M:
                c.reasons.append(f"相距 {d:.0f} 米")
            elif d >= FAR_FROM_M:
                c.against.append(f"相距 {d / 1000:.1f} 公里" if d >= 1000 else f"相距 {d:.0f} 米")
        return weight
