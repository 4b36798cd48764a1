"""A labelled set of finds against known enterprises, generated (seeded) the way names vary in the field.

Known enterprises are made like the demo's: licensed companies (常州市武进区湖塘鑫达塑料制品有限公司), unlicensed
workshops named by rule 1 (张三塑料造粒作坊), a few chains with a site in brackets, clustered around villages.
A find either IS one of them, changed the way inspectors write what they see (legal form, prefixes, the short
name on the sign, the operator's name, a character written by ear, a rename by the same person or phone, missing
contacts, a poor GPS fix, GCJ-02 coordinates from a map app), or is NOT any of them but looks like one (the same
surname and trade in the village, a relative next door, a neighbour in another trade, another site of a chain, a
new workshop in a crowded village). The test uses a small set; benchmarks/matching.py the large one.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sanluanwu.core import geo
from sanluanwu.core.text import name_key
from sanluanwu.demo import reference as ref
from sanluanwu.registry.similarity import POSSIBLY_KNOWN, PROBABLY_KNOWN, PROBABLY_NEW, Find, Known, Match

POSITIVE_KINDS = ["legal_form", "prefix", "short_name", "operator_name", "sound_alike", "rename_same_person",
                  "rename_same_phone", "missing_contacts", "gps_100_150m", "gcj02"]  # fmt: skip
NEGATIVE_KINDS = ["same_surname_and_trade", "relative_next_door", "neighbour_other_trade", "chain_other_site",
                  "new_in_crowded_village", "new_elsewhere"]  # fmt: skip

# How inspectors write a character they heard: the pairs the brief names and more. Several are deliberately
# missing from the rule's own table (registry/similarity.py), so the set does not grade the rule on its own list.
SOUND_ALIKE = {"鑫": "新", "新": "鑫", "恒": "亨", "达": "大", "兴": "星", "盛": "胜", "华": "化", "祥": "翔",
               "宏": "鸿", "丰": "峰", "利": "力", "源": "元", "隆": "龙", "富": "福", "协": "谐", "振": "震",
               "升": "生", "和": "禾", "天": "添", "顺": "舜", "泰": "太", "昌": "常", "平": "萍", "英": "瑛",
               "军": "君", "红": "虹", "涛": "韬", "斌": "彬", "林": "琳", "明": "铭", "峰": "锋", "强": "墙",
               "东": "冬", "国": "果", "海": "凯"}  # fmt: skip
BRAND_CHARS = "".join(dict.fromkeys("".join(ref.COMPANY_WORDS) + "恒通宝康安捷信创亿凯鼎晟辰正弘宇航远博卓锦程"
                                    "亚太中联海润新亨星华美龙腾飞翔光明德顺"))  # fmt: skip
TRADE_EXTRA = ["", "", "", "制品", "科技", "机械"]
# How an inspector may describe a trade in other words than the register.
REWORDED = {"塑料造粒": ["塑料加工", "塑料颗粒", "废塑料造粒"], "金属表面处理": ["表面处理", "金属抛光", "金属处理"],
            "木材加工": ["木业", "木料加工", "木制品"], "废品回收": ["废旧物资回收", "回收", "废品收购"],
            "石材加工": ["石材", "石料加工"], "印刷": ["印务", "包装印刷"], "家具喷漆": ["家具", "喷漆", "家具加工"],
            "铸造": ["铸件", "翻砂"], "五金加工": ["五金", "五金制品"], "注塑": ["注塑加工", "塑料制品"],
            "电镀": ["电镀加工", "镀锌"], "喷涂": ["喷漆", "喷塑"], "纺织印染": ["印染", "纺织"],
            "化工原料分装": ["化工", "化工原料"], "橡胶制品": ["橡胶", "橡胶加工"], "砂石加工": ["砂石", "黄沙"],
            "废塑料回收": ["废塑料", "塑料回收"], "粉末冶金": ["冶金", "粉末冶金制品"], "机械加工": ["机械", "机加工"],
            "包装材料": ["包装", "纸箱包装"]}  # fmt: skip
_USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


@dataclass(frozen=True)
class Case:
    """One labelled find: what the inspector wrote (coordinates in `datum`) and the known enterprise it is."""

    kind: str
    find: Find
    truth: int | None
    datum: str = geo.DATUM_WGS84

    def wgs84(self) -> Find:
        """The find as the API and the page hand it to the rule: coordinates converted to WGS-84."""
        if self.find.lon is None or self.find.lat is None:
            return self.find
        point = geo.point_from(self.find.lon, self.find.lat, self.datum)
        return replace(self.find, lon=float(point.lon), lat=float(point.lat))


@dataclass
class LabelledSet:
    known: list[Known]
    town_names: list[str]
    cases: list[Case] = field(default_factory=list)


@dataclass
class _Site:
    known: Known
    industry: str
    licensed: bool
    person: str
    surname: str
    given: str
    brand: str = ""
    trade: str = ""
    prefix: str = ""
    form: str = ""
    chain: int | None = None
    lon: float = 0.0  # where it really is; the register's point is up to a few tens of metres off
    lat: float = 0.0


def _move(lon: float, lat: float, metres: float, bearing: float) -> tuple[float, float]:
    dy = metres * math.cos(bearing) / 111_320.0
    dx = metres * math.sin(bearing) / (111_320.0 * math.cos(math.radians(lat)))
    return lon + dx, lat + dy


class _Generator:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.surname_w = [1 / (i + 6) ** 0.7 for i in range(len(ref.SURNAMES))]
        self.given_w = [1 / (i + 8) ** 0.4 for i in range(len(ref.GIVEN))]
        self.towns = [(i + 1, row) for i, row in enumerate(ref.TOWNS)]
        self.villages: dict[int, list[tuple[str, float, float, float]]] = {}
        for tid, row in self.towns:
            half = row[6]
            names = self.rng.sample(ref.VILLAGES, self.rng.randint(6, 12))
            self.villages[tid] = [(v, row[4] + self.rng.uniform(-half, half) * 0.8,
                                   row[5] + self.rng.uniform(-half, half) * 0.6, self.rng.uniform(250, 600))
                                  for v in names]  # fmt: skip
        self.names: dict[int, set[str]] = defaultdict(set)
        self.shops: dict[int, set[str]] = defaultdict(set)  # a town registers one 字号 per trade (brand + trade)
        self.sites: list[_Site] = []
        self.phones: set[str] = set()
        self._pools: dict[str, list[_Site]] = {}

    # --- pieces -------------------------------------------------------------------------------------------
    def surname(self) -> str:
        return self.rng.choices(ref.SURNAMES, self.surname_w)[0]

    def given(self) -> str:
        first = self.rng.choices(ref.GIVEN, self.given_w)[0]
        if self.rng.random() < 0.12:
            return first
        second = self.rng.choices(ref.GIVEN, self.given_w)[0]
        return first + second if second != first else first + self.rng.choice(ref.GIVEN)

    def brand(self) -> str:
        if self.rng.random() < 0.3:
            return self.rng.choice(ref.COMPANY_WORDS)
        return "".join(self.rng.sample(BRAND_CHARS, 2))

    def trade(self, industry: str) -> str:
        base = ref.COMPANY_SUFFIX.get(industry, industry)
        extra = self.rng.choice(TRADE_EXTRA)
        return base if base.endswith(extra) else base + extra

    def phone(self) -> str:
        while True:
            r = self.rng.random()
            if r < 0.88:
                phone = "1" + self.rng.choice("3456789") + "".join(self.rng.choices("0123456789", k=9))
            else:
                phone = "0519-8" + "".join(self.rng.choices("0123456789", k=7))
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def code(self, kind: str = "91") -> str:
        body = kind + "320412" + "".join(self.rng.choices(_USCC, k=9))
        total = sum(_USCC.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
        return body + _USCC[(31 - total % 31) % 31]

    def village_point(self, tid: int, village: tuple[str, float, float, float]) -> tuple[float, float]:
        _, lon, lat, sigma = village
        return _move(lon, lat, abs(self.rng.gauss(0, sigma)), self.rng.uniform(0, 2 * math.pi))

    def anywhere(self, tid: int) -> tuple[float, float]:
        row = ref.TOWNS[tid - 1]
        return (row[4] + self.rng.uniform(-row[6], row[6]) * 0.8, row[5] + self.rng.uniform(-row[6], row[6]) * 0.6)

    def place(self, tid: int) -> tuple[str, float, float]:
        village = self.rng.choice(self.villages[tid])
        if self.rng.random() < 0.8:
            lon, lat = self.village_point(tid, village)
            return village[0], lon, lat
        lon, lat = self.anywhere(tid)
        nearest = min(self.villages[tid], key=lambda v: (v[1] - lon) ** 2 + (v[2] - lat) ** 2)
        return nearest[0], lon, lat

    # --- known enterprises ---------------------------------------------------------------------------------
    def known(self, n: int) -> None:
        weights = [row[8] for _, row in self.towns]
        while len(self.sites) < n:
            tid, row = self.rng.choices(self.towns, weights)[0]
            industry = self.rng.choice(ref.INDUSTRIES)
            surname, given = self.surname(), self.given()
            person = surname + given
            village, lon, lat = self.place(tid)
            licensed = self.rng.random() < 0.45
            site = _Site(Known("", tid, id=0), industry, licensed, person, surname, given)
            if licensed:
                site.brand, site.trade = self.brand(), self.trade(industry)
                site.prefix = self.rng.choices([f"常州市武进区{row[1]}", "常州市", "常州", "江苏", ""],
                                               [40, 20, 15, 10, 15])[0]  # fmt: skip
                site.form = self.rng.choices(["有限公司", "有限责任公司", "厂", "加工厂"], [75, 5, 15, 5])[0]
                name = site.prefix + site.brand + site.trade + site.form
            else:
                site.form = self.rng.choices(["作坊", "个体户"], [80, 20])[0]
                name = person + industry + site.form
            if name_key(name) in self.names[tid] or (licensed and site.brand + industry in self.shops[tid]):
                continue
            self.shops[tid].add(site.brand + industry)
            phone = self.phone() if self.rng.random() < 0.88 else ""
            code = self.code() if licensed and self.rng.random() < 0.9 else ""
            located = self.rng.random() > 0.02
            if licensed and site.form == "有限公司" and self.rng.random() < 0.04:
                self._chain(site, tid, name, phone, person)
                continue
            self.names[tid].add(name_key(name))
            site.lon, site.lat = lon, lat
            rlon, rlat = _move(lon, lat, abs(self.rng.gauss(0, 20)), self.rng.uniform(0, 2 * math.pi))
            site.known = Known(name, tid, person, phone, code, rlon if located else None, rlat if located else None,
                               village, id=len(self.sites) + 1)  # fmt: skip
            self.sites.append(site)

    def _chain(self, site: _Site, tid: int, name: str, phone: str, person: str) -> None:
        chain = len(self.sites) + 1
        for village in self.rng.sample(self.villages[tid], min(len(self.villages[tid]), self.rng.randint(2, 3))):
            site_name = f"{name}（{village[0]}）"
            if name_key(site_name) in self.names[tid]:
                continue
            self.names[tid].add(name_key(site_name))
            lon, lat = self.village_point(tid, village)
            own_phone = phone if self.rng.random() < 0.5 else self.phone()
            known = Known(site_name, tid, person, own_phone, self.code("92"), lon, lat, village[0],
                          id=len(self.sites) + 1)  # fmt: skip
            self.sites.append(replace(site, known=known, chain=chain, lon=lon, lat=lat))

    # --- finds ---------------------------------------------------------------------------------------------
    def jitter(self, s: _Site, low: float = 0.0, high: float | None = None) -> tuple[float, float]:
        """A phone's fix at the site: usually within a few tens of metres, or between `low` and `high`."""
        metres = self.rng.uniform(low, high) if high is not None else abs(self.rng.gauss(0, 25))
        return _move(s.lon, s.lat, metres, self.rng.uniform(0, 2 * math.pi))

    def reworded(self, s: _Site, name: str) -> str:
        """The trade in the inspector's words, one time in five."""
        if self.rng.random() < 0.2:
            words = s.trade if s.licensed and s.trade in name else s.industry
            base = ref.COMPANY_SUFFIX.get(s.industry, s.industry)
            choices = REWORDED.get(s.industry, [])
            if words in name and choices:
                return name.replace(words, self.rng.choice(choices) + words[len(base) :] if s.licensed else
                                    self.rng.choice(choices), 1)  # fmt: skip
        return name

    def other_form(self, s: _Site) -> str:
        if s.licensed:
            forms = {"有限公司": ["厂", "", "加工厂", "有限责任公司"], "有限责任公司": ["有限公司", "厂", ""],
                     "厂": ["有限公司", "", "加工厂"], "加工厂": ["厂", "", "有限公司"]}  # fmt: skip
            return self.rng.choice(forms[s.form])
        return self.rng.choice([f for f in ["加工点", "加工厂", "厂", "", "个体户", "作坊"] if f != s.form])

    def body(self, s: _Site) -> str:
        """The name without its legal form (and with its site, for a chain)."""
        base = s.known.name
        if s.chain is not None:
            base = base[: base.index("（")]
        return base.removesuffix(s.form)

    def positive(self, kind: str) -> Case:
        rng = self.rng
        pools = self.pools()
        s = rng.choice(pools.get(kind, pools["located"]))
        k = s.known
        lon, lat = self.jitter(s)
        person = k.legal_person if rng.random() < 0.75 else ""
        phone = k.phone if rng.random() < 0.55 else ""
        code = k.credit_code if rng.random() < 0.15 else ""
        village = k.village if rng.random() < 0.5 else ""
        datum = geo.DATUM_GCJ02 if rng.random() < 0.15 else geo.DATUM_WGS84
        name = self.body(s) + self.other_form(s) if rng.random() < 0.3 else k.name
        town_short = ref.TOWNS[k.town_id - 1][1] if k.town_id else ""
        if kind == "legal_form":
            name = self.body(s) + self.other_form(s)
        elif kind == "prefix":
            if s.licensed:
                rest = s.brand + s.trade + s.form
                name = rng.choice([rest, f"武进区{town_short}镇{rest}", f"{town_short}{rest}", f"{k.village}{rest}",
                                   f"常州市武进区{town_short}{k.village}{rest}"])  # fmt: skip
            else:
                name = rng.choice([f"{town_short}{k.village}", k.village, f"武进区{town_short}", town_short]) + name
        elif kind == "short_name":
            if s.licensed:
                name = rng.choice(
                    [s.brand + s.trade[:2], s.brand + "厂", s.brand + s.trade, s.brand + s.trade[:2] + "厂"]
                )
            else:
                name = s.person + s.industry[:2] + rng.choice(["", "厂", "加工"])
        elif kind == "operator_name":
            name = s.person + s.industry + rng.choice(["作坊", "加工点", "厂"])
            person = k.legal_person if rng.random() < 0.6 else ""
        elif kind == "sound_alike":
            if s.licensed:
                spots = [i for i, ch in enumerate(s.brand) if ch in SOUND_ALIKE]
                if spots:
                    i = rng.choice(spots)
                    brand = s.brand[:i] + SOUND_ALIKE[s.brand[i]] + s.brand[i + 1 :]
                    name = name.replace(s.brand, brand, 1)
                else:
                    return self.positive(kind)
            else:
                spots = [i for i, ch in enumerate(s.given) if ch in SOUND_ALIKE]
                if not spots:
                    return self.positive(kind)
                i = rng.choice(spots)
                heard = s.surname + s.given[:i] + SOUND_ALIKE[s.given[i]] + s.given[i + 1 :]
                name = name.replace(s.person, heard, 1)
                person = heard if person else ""
        elif kind == "rename_same_person":
            person = k.legal_person
            phone = k.phone if rng.random() < 0.4 else ""
            if s.licensed:
                name = s.prefix + self.brand() + self.trade(rng.choice(ref.INDUSTRIES)) + s.form
            else:
                name = s.person + rng.choice([i for i in ref.INDUSTRIES if i != s.industry]) + "作坊"
        elif kind == "rename_same_phone":
            phone = k.phone
            new_person = self.surname() + self.given()
            person = rng.choice(["", "", k.legal_person, new_person])
            if s.licensed:
                name = s.prefix + self.brand() + s.trade + s.form
            else:
                name = new_person + rng.choice(ref.INDUSTRIES) + "作坊"
        elif kind == "missing_contacts":
            person, phone, code = "", "", ""
            village = k.village if rng.random() < 0.3 else ""
        elif kind == "gps_100_150m":
            lon, lat = self.jitter(s, 100, 150)
        elif kind == "gcj02":
            datum = geo.DATUM_GCJ02
        if kind not in ("sound_alike", "rename_same_person", "rename_same_phone", "operator_name"):
            name = self.reworded(s, name)
        if datum == geo.DATUM_GCJ02:
            lon, lat = geo.wgs84_to_gcj02(lon, lat)
        if kind not in ("gps_100_150m", "gcj02") and rng.random() < 0.05:
            return Case(kind, Find(name, k.town_id, person, phone, code, None, None, village), k.id)
        return Case(kind, Find(name, k.town_id, person, phone, code, lon, lat, village), k.id, datum)

    def negative(self, kind: str) -> Case:
        rng = self.rng
        pools = self.pools()
        located, workshops, chains = pools["located"], pools["workshops"], pools["chains"]
        industry = rng.choice(ref.INDUSTRIES)
        person = self.surname() + self.given()
        suffix = rng.choice(["作坊", "加工点", "个体户", "加工厂"])
        name = brand = village = ""
        if kind == "same_surname_and_trade":
            s = rng.choice(workshops)
            person, industry = s.surname + self._other_given(s.given), s.industry
            tid = s.known.town_id or 1
            lon, lat = self.jitter(s, 100, 400)
            village = s.known.village
        elif kind == "relative_next_door":
            s = rng.choice(workshops)
            given = s.given[0] + self._other_given(s.given[1:]) if len(s.given) == 2 and rng.random() < 0.6 else ""
            person, industry = s.surname + (given or self._other_given(s.given)), s.industry
            tid = s.known.town_id or 1
            lon, lat = self.jitter(s, 20, 60)
            village = s.known.village
        elif kind == "neighbour_other_trade":
            s = rng.choice(located)
            industry = rng.choice([i for i in ref.INDUSTRIES if i != s.industry])
            tid = s.known.town_id or 1
            lon, lat = self.jitter(s, 0, 50)
            village = s.known.village
            if rng.random() < 0.3:
                brand = self.brand()
                name = brand + self.trade(industry) + rng.choice(["有限公司", "厂"])
        elif kind == "chain_other_site" and chains:
            s = rng.choice(chains)
            tid = s.known.town_id or 1
            used = {x.known.village for x in chains if x.chain == s.chain}
            free = [v for v in self.villages[tid] if v[0] not in used] or self.villages[tid]
            v = rng.choice(free)
            lon, lat = self.village_point(tid, v)
            village = v[0]
            base = s.known.name[: s.known.name.index("（")]
            name = rng.choice([f"{base}（{v[0]}）", f"{base.removesuffix('有限公司')}（{v[0]}）"])
            person = s.person if rng.random() < 0.6 else person
        else:
            tid = rng.choices([t for t, _ in self.towns], [row[8] for _, row in self.towns])[0]
            if kind == "new_elsewhere":
                lon, lat = self.anywhere(tid)
            else:
                v = rng.choice(self.villages[tid])
                lon, lat = self.village_point(tid, v)
                village = v[0]
            if rng.random() < 0.3:
                brand = self.brand()
                name = brand + self.trade(industry) + rng.choice(["有限公司", "厂", ""])
        name = name or person + industry + suffix
        if name_key(name) in self.names[tid] or (brand and brand + industry in self.shops[tid]):
            return self.negative(kind)
        phone = self.phone() if rng.random() < 0.55 else ""
        if kind == "chain_other_site" and chains and rng.random() < 0.3:
            phone = s.known.phone
        datum = geo.DATUM_GCJ02 if rng.random() < 0.15 else geo.DATUM_WGS84
        if datum == geo.DATUM_GCJ02:
            lon, lat = geo.wgs84_to_gcj02(lon, lat)
        person = person if rng.random() < 0.75 else ""
        village = village if rng.random() < 0.5 else ""
        return Case(kind, Find(name, tid, person, phone, "", lon, lat, village), None, datum)

    def pools(self) -> dict[str, list[_Site]]:
        if not self._pools:
            located = [s for s in self.sites if s.known.lon is not None]
            self._pools = {"located": located, "operator_name": [s for s in located if s.licensed],
                           "rename_same_phone": [s for s in located if s.known.phone],
                           "workshops": [s for s in located if not s.licensed],
                           "chains": [s for s in located if s.chain is not None]}  # fmt: skip
        return self._pools

    def _other_given(self, given: str) -> str:
        while True:
            other = self.given()[: len(given) or 1]
            if other != given:
                return other


def generate(n_known: int = 20_000, n_cases: int = 2_000, seed: int = 2020, share_known: float = 0.5) -> LabelledSet:
    """Known enterprises and labelled finds; the same arguments give the same set."""
    g = _Generator(seed)
    g.known(n_known)
    n_pos = round(n_cases * share_known)
    cases = [g.positive(POSITIVE_KINDS[i % len(POSITIVE_KINDS)]) for i in range(n_pos)]
    cases += [g.negative(NEGATIVE_KINDS[i % len(NEGATIVE_KINDS)]) for i in range(n_cases - n_pos)]
    return LabelledSet([s.known for s in g.sites], [row[0] for row in ref.TOWNS], cases)


@dataclass
class Score:
    """How the top candidate did on a group of cases."""

    cases: int = 0
    right: int = 0  # the top candidate offered is the enterprise the find is
    wrong: int = 0  # a candidate was offered, and the top one is not the find's enterprise
    new: int = 0  # "probably new" answered

    @property
    def precision(self) -> float:
        return self.right / (self.right + self.wrong) if self.right + self.wrong else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.cases if self.cases else 0.0

    @property
    def new_rate(self) -> float:
        return self.new / self.cases if self.cases else 0.0


def evaluate(cases: Sequence[Case], matches: Sequence[Match], at: str = POSSIBLY_KNOWN) -> dict[str, Score]:
    """Per kind and overall ("known", "new", "all"): a candidate counts as offered when its verdict reaches `at`."""
    levels = {PROBABLY_NEW: 0, POSSIBLY_KNOWN: 1, PROBABLY_KNOWN: 2}
    scores: dict[str, Score] = defaultdict(Score)
    for case, match in zip(cases, matches, strict=True):
        offered = bool(match.candidates) and levels[match.verdict] >= levels[at]
        right = offered and match.candidates[0].enterprise_id == case.truth
        for key in (case.kind, "known" if case.truth is not None else "new", "all"):
            s = scores[key]
            s.cases += 1
            s.right += right
            s.wrong += offered and not right
            s.new += not offered
    return dict(scores)


def namesakes(labelled: LabelledSet) -> float:
    """Share of the new finds whose person has a namesake among the town's known enterprises (a sanity check)."""
    people = Counter((k.town_id, k.legal_person) for k in labelled.known)
    new = [c for c in labelled.cases if c.truth is None and c.find.legal_person]
    return sum(people[(c.find.town_id, c.find.legal_person)] > 0 for c in new) / max(1, len(new))
