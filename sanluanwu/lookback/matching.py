"""Is this new find already known? Candidates among every enterprise on record (baseline, dynamic list,
past cases), with the reasons they matched: similar name, same person, phone or credit code, within 100 m.

Names are compared after dropping what does not tell enterprises apart: the district and town prefix
(常州市武进区湖塘…) and the legal form or kind of place (有限公司、厂、作坊、加工点、个体户…).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from sanluanwu.core import geo
from sanluanwu.core.text import name_key

NEAR_METRES = 100.0
NAME_SCORE = 80.0
_CELL = 0.001  # about 100 m of latitude: a find is compared with its own and the eight neighbouring cells
_PREFIX = re.compile(r"^(江苏省)?(常州市?)?(武进区?)?")
_NOISE = re.compile(
    r"(有限责任公司|股份有限公司|有限公司|分公司|公司|加工点|加工厂|加工场|加工部|作坊|个体户|个体|经营部|门市部|"
    r"工作室|商行|厂|店|场|\(.*?\))"
)


def core_name(name: str, town_names: Iterable[str] = ()) -> str:
    key = _PREFIX.sub("", name_key(name))
    for town in town_names:
        key = key.removeprefix(town)
    return _NOISE.sub("", key) or key


@dataclass
class Find:
    """What is known of a new find (a place, an operator)."""

    name: str
    town_id: int
    legal_person: str = ""
    phone: str = ""
    credit_code: str = ""
    lon: float | None = None
    lat: float | None = None


@dataclass
class Known(Find):
    """An enterprise on record: the same facts, with its id."""

    id: int = field(default=0, kw_only=True)


@dataclass
class Candidate:
    enterprise_id: int
    name: str
    score: float
    reasons: list[str] = field(default_factory=list)
    distance_m: float | None = None


class KnownIndex:
    """Known enterprises indexed for matching: by town (names), code, phone, person and a 100 m grid."""

    def __init__(self, known: Iterable[Known], town_names: Iterable[str] = ()):
        self.towns = sorted({t for t in town_names if t} | {t.removesuffix("镇").removesuffix("街道") for t in town_names if t},
                            key=len, reverse=True)  # fmt: skip
        self.by_id: dict[int, Known] = {}
        self.names: dict[int, tuple[list[str], list[int]]] = defaultdict(lambda: ([], []))
        self.by_code: dict[str, list[int]] = defaultdict(list)
        self.by_phone: dict[str, list[int]] = defaultdict(list)
        self.by_person: dict[tuple[int, str], list[int]] = defaultdict(list)
        self.grid: dict[tuple[int, int], list[int]] = defaultdict(list)
        for k in known:
            self.by_id[k.id] = k
            cores, ids = self.names[k.town_id]
            cores.append(core_name(k.name, self.towns))
            ids.append(k.id)
            if k.credit_code:
                self.by_code[k.credit_code].append(k.id)
            if k.phone:
                self.by_phone[k.phone].append(k.id)
            if k.legal_person:
                self.by_person[(k.town_id, k.legal_person)].append(k.id)
            if k.lon is not None and k.lat is not None:
                self.grid[_cell(k.lon, k.lat)].append(k.id)

    def candidates_many(self, finds: list[Find], limit: int = 5) -> list[list[Candidate]]:
        """Many finds at once: the name comparison runs per town as one matrix on every core."""
        import numpy as np

        by_town: dict[int, list[int]] = defaultdict(list)
        for i, find in enumerate(finds):
            by_town[find.town_id].append(i)
        names: dict[int, list[tuple[int, float]]] = {}
        for town_id, positions in by_town.items():
            cores, ids = self.names.get(town_id, ([], []))
            if not cores:
                continue
            queries = [core_name(finds[i].name, self.towns) for i in positions]
            scores = process.cdist(queries, cores, scorer=fuzz.ratio, score_cutoff=NAME_SCORE, dtype=np.uint8,
                                   workers=-1)  # fmt: skip
            rows, cols = np.nonzero(scores)
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                names.setdefault(positions[r], []).append((ids[c], float(scores[r, c])))
        return [self.candidates(find, limit, name_matches=names.get(i, [])) for i, find in enumerate(finds)]

    def candidates(
        self, find: Find, limit: int = 5, name_matches: list[tuple[int, float]] | None = None
    ) -> list[Candidate]:
        found: dict[int, Candidate] = {}

        def add(kid: int, score: float, reason: str) -> None:
            known = self.by_id[kid]
            c = found.setdefault(kid, Candidate(kid, known.name, 0.0))
            c.score = max(c.score, score)
            c.reasons.append(reason)

        if name_matches is None:
            cores, ids = self.names.get(find.town_id, ([], []))
            core = core_name(find.name, self.towns)
            extracted = (
                process.extract(core, cores, scorer=fuzz.ratio, score_cutoff=NAME_SCORE, limit=limit) if cores else []
            )
            name_matches = [(ids[index], score) for _m, score, index in extracted]
        for kid, score in sorted(name_matches, key=lambda m: -m[1])[:limit]:
            add(kid, score, f"名称相近（{score:.0f}%）")
        for kid in self.by_code.get(find.credit_code, []) if find.credit_code else []:
            add(kid, 100, "统一社会信用代码相同")
        for kid in self.by_phone.get(find.phone, []) if find.phone else []:
            add(kid, 90, "联系电话相同")
        for kid in self.by_person.get((find.town_id, find.legal_person), []) if find.legal_person else []:
            add(kid, 70, "负责人相同")
        if find.lon is not None and find.lat is not None:
            cx, cy = _cell(find.lon, find.lat)
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    for kid in self.grid.get((cx + dx, cy + dy), []):
                        k = self.by_id[kid]
                        d = geo.distance_m(find.lon, find.lat, k.lon or 0.0, k.lat or 0.0)
                        if d <= NEAR_METRES:
                            add(kid, 60 + 40 * (1 - d / NEAR_METRES) * 0.5, f"相距 {d:.0f} 米")
                            found[kid].distance_m = d
        ranked = sorted(found.values(), key=lambda c: (-len(c.reasons), -c.score))
        return ranked[:limit]


def _cell(lon: float, lat: float) -> tuple[int, int]:
    return int(lon / _CELL), int(lat / _CELL)


def candidates_for(scope: Any, find: Find) -> list[Candidate]:
    """Candidates among the enterprises the user may see, in the find's town and within 100 m around it."""
    from django.db.models import Q

    from sanluanwu.accounts.models import OrgUnit
    from sanluanwu.registry.queries import enterprises_visible_to

    visible = enterprises_visible_to(scope)
    condition = Q(town_id=find.town_id)
    if find.credit_code:
        condition |= Q(credit_code=find.credit_code)
    if find.phone:
        condition |= Q(phone=find.phone)
    if find.lon is not None and find.lat is not None:
        x0, y0, x1, y1 = geo.degrees_box(find.lon, find.lat, NEAR_METRES)
        condition |= Q(longitude__gte=x0, longitude__lte=x1, latitude__gte=y0, latitude__lte=y1)
    rows = visible.filter(condition).values_list("id", "name", "town_id", "legal_person", "phone", "credit_code",
                                                  "longitude", "latitude")  # fmt: skip
    known = [Known(n, t, p, ph, cc, float(lo) if lo is not None else None, float(la) if la is not None else None, id=i)
             for i, n, t, p, ph, cc, lo, la in rows]  # fmt: skip
    index = KnownIndex(known, OrgUnit.objects.filter(kind="town").values_list("name", flat=True))
    return index.candidates(find)
