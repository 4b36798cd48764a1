"""Known enterprises indexed for the similarity rule: whom to weigh a find against, for one find or 10,000.

A find is weighed only against known enterprises that share something specific with it (blocking): a rare piece
of the name or a person (by field or inside a rule 1 name) in its town — or in the next town within 300 m, or in
every town for a find given without one — a phone or a credit code.
Being near is never enough on its own — that was what made almost every new find look known — so the place only
adds weight to these; the index counts the places around each find (a 250 m grid) to know how much.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from sanluanwu.registry.similarity import (
    DENSITY_RADIUS_M,
    NEAR_CUTOFF_M,
    POSSIBLY_KNOWN_BITS,
    Candidate,
    Find,
    Known,
    Match,
    Stats,
    Weigher,
    metres,
)
from sanluanwu.registry.similarity_names import Parsed, Places, bigrams, parse, sound_key

NAME_BLOCK_PIECES = 3  # a find's rarest name pieces looked up in its town
NAME_BLOCK_KEEP = 3  # known enterprises kept per find from those pieces, most shared rarity first
# A piece in more than 2 % of a town's names (and 20 of them) is a trade word: weak evidence, long lists; not looked up.
NAME_BLOCK_COMMON_SHARE = 0.02
NAME_BLOCK_COMMON_MIN = 20
_METRES_PER_DEGREE = 111_320.0


class KnownIndex:
    """Known enterprises, parsed once, with the statistics and lookups the rule needs."""

    def __init__(self, known: Iterable[Known], town_names: Iterable[str] = (), village_names: Iterable[str] = ()):
        self.known: list[Known] = list(known)
        self.places = Places(town_names, [*village_names, *(k.village for k in self.known if k.village)])
        self.parsed: list[Parsed] = [parse(k, self.places) for k in self.known]
        self.stats: dict[int | None, Stats] = defaultdict(Stats)
        self.pieces: dict[int | None, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        self.by_person: dict[int | None, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        self.by_phone: dict[str, list[int]] = defaultdict(list)
        self.by_code: dict[str, list[int]] = defaultdict(list)
        self.phones: Counter[str] = Counter()
        self._district: Stats | None = None
        for i, p in enumerate(self.parsed):
            self.stats[p.town_id].add(p)
            pieces, persons = self.pieces[p.town_id], self.by_person[p.town_id]
            for piece in bigrams(p.text):
                pieces[piece].append(i)
            for person in {sound_key(q) for q in p.persons}:
                persons[person].append(i)
            for phone in set(p.phones):
                self.by_phone[phone].append(i)
                self.phones[phone] += 1
            if p.credit_code:
                self.by_code[p.credit_code].append(i)
        located = [(i, k.lon, k.lat) for i, k in enumerate(self.known) if k.lon is not None and k.lat is not None]
        self._lon = np.array([x for _, x, _ in located], dtype=np.float64)
        self._lat = np.array([y for _, _, y in located], dtype=np.float64)
        mean_lat = float(self._lat.mean()) if len(located) else 31.7
        self._cell_lat = DENSITY_RADIUS_M / _METRES_PER_DEGREE
        self._cell_lon = self._cell_lat / math.cos(math.radians(mean_lat))
        keys = self._cells(self._lon, self._lat)
        order = np.argsort(keys, kind="stable")
        self._keys, self._lon, self._lat = keys[order], self._lon[order], self._lat[order]
        # Towns with places in each NEAR_CUTOFF_M cell: a find near a border may be on record in the next town.
        self._near_lat = NEAR_CUTOFF_M / _METRES_PER_DEGREE
        self._near_lon = self._near_lat / math.cos(math.radians(mean_lat))
        self._cell_of: list[tuple[int, int] | None] = [None] * len(self.known)
        cells: dict[tuple[int, int], set[int | None]] = defaultdict(set)
        for i, lon, lat in located:
            self._cell_of[i] = cell = self._near_cell(lon, lat)
            cells[cell].add(self.parsed[i].town_id)
        self._towns_around: dict[tuple[int, int], frozenset[int | None]] = {
            (cx, cy): frozenset(t for dx in (-1, 0, 1) for dy in (-1, 0, 1) for t in cells.get((cx + dx, cy + dy), ()))
            for cx, cy in {(x + dx, y + dy) for x, y in cells for dx in (-1, 0, 1) for dy in (-1, 0, 1)}
        }

    def _near_cell(self, lon: float, lat: float) -> tuple[int, int]:
        return math.floor(lon / self._near_lon), math.floor(lat / self._near_lat)

    def _cells(self, lon: np.ndarray, lat: np.ndarray, dx: int = 0, dy: int = 0) -> np.ndarray:
        return (np.floor(lon / self._cell_lon).astype(np.int64) + dx) * 1_000_000 + (
            np.floor(lat / self._cell_lat).astype(np.int64) + dy
        )

    def density(self, finds: Sequence[Find]) -> np.ndarray:
        """Known places within DENSITY_RADIUS_M of each find (0 without coordinates), all finds at once."""
        counts = np.zeros(len(finds), dtype=np.int64)
        rows = [i for i, f in enumerate(finds) if f.lon is not None and f.lat is not None]
        if not rows or not len(self._keys):
            return counts
        lon = np.array([finds[i].lon for i in rows], dtype=np.float64)
        lat = np.array([finds[i].lat for i in rows], dtype=np.float64)
        scale = np.cos(np.radians(lat)) * _METRES_PER_DEGREE
        found = np.zeros(len(rows), dtype=np.int64)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                keys = self._cells(lon, lat, dx, dy)
                lo = np.searchsorted(self._keys, keys, "left")
                hi = np.searchsorted(self._keys, keys, "right")
                sizes = hi - lo
                total = int(sizes.sum())
                if not total:
                    continue
                owner = np.repeat(np.arange(len(rows)), sizes)
                starts = np.repeat(lo - (np.cumsum(sizes) - sizes), sizes)
                at = starts + np.arange(total)
                ex = (self._lon[at] - lon[owner]) * scale[owner]
                ey = (self._lat[at] - lat[owner]) * _METRES_PER_DEGREE
                inside = ex * ex + ey * ey <= DENSITY_RADIUS_M * DENSITY_RADIUS_M
                found += np.bincount(owner[inside], minlength=len(rows))
        counts[rows] = found
        return counts

    def explain(self, find: Find, enterprise_id: int) -> Candidate:
        """How `find` compares with one known enterprise, whatever its score (for a check by hand, and tests)."""
        i = next(i for i, k in enumerate(self.known) if k.id == enterprise_id)
        f = parse(find, self.places)
        others = int(self.density([find])[0]) if self._any_near(f, {i}) else 0
        weigher = Weigher(f, self._stats_for(f.town_id), self.phones, len(self.known), others)
        return weigher.weigh(self.parsed[i], enterprise_id)

    def match(self, find: Find, limit: int = 5) -> Match:
        return self.match_many([find], limit)[0]

    def match_many(self, finds: Sequence[Find], limit: int = 5, at_least: float = POSSIBLY_KNOWN_BITS) -> list[Match]:
        """Every find weighed against the known enterprises it shares something specific with; candidates that
        reach `at_least` bits (lower only to study the threshold: the verdict still reads POSSIBLY_KNOWN_BITS)."""
        parsed = [parse(f, self.places) for f in finds]
        blocks = [self._block(f) for f in parsed]
        # The places around a find matter only for a candidate near it: count them for those finds alone.
        near = [i for i, (f, ids) in enumerate(zip(parsed, blocks, strict=True)) if self._any_near(f, ids)]
        others = [0] * len(finds)
        for i, n in zip(near, self.density([finds[i] for i in near]).tolist(), strict=True):
            others[i] = n
        return [
            self._match(f, ids, others[i], limit, at_least)
            for i, (f, ids) in enumerate(zip(parsed, blocks, strict=True))
        ]

    def _stats_for(self, town: int | None) -> Stats:
        """The statistics names are weighed with: the find's town's, or the whole district's for a find without one."""
        if town is not None or None in self.stats:
            return self.stats.get(town) or Stats()
        if self._district is None:
            self._district = Stats(n=sum(s.n for s in self.stats.values()))
            for s in self.stats.values():
                self._district.grams.update(s.grams)
                self._district.persons.update(s.persons)
        return self._district

    def _any_near(self, f: Parsed, ids: set[int]) -> bool:
        if f.lon is None or f.lat is None:
            return False
        d_lat = NEAR_CUTOFF_M / _METRES_PER_DEGREE
        d_lon = d_lat / math.cos(math.radians(f.lat))
        for i in ids:
            k = self.parsed[i]
            if k.lon is not None and k.lat is not None and abs(k.lat - f.lat) <= d_lat and abs(k.lon - f.lon) <= d_lon:
                return True
        return False

    def _match(self, f: Parsed, ids: set[int], others_near: int, limit: int, at_least: float) -> Match:
        weigher = Weigher(f, self._stats_for(f.town_id), self.phones, len(self.known), others_near)
        found: list[Candidate] = []
        for i in ids:
            if weigher.weigh(self.parsed[i], self.known[i].id, explain=False, at_least=at_least).score >= at_least:
                found.append(weigher.weigh(self.parsed[i], self.known[i].id))
        found.sort(key=lambda c: (-c.score, c.distance_m if c.distance_m is not None else math.inf, c.enterprise_id))
        return Match(found[:limit])

    def _block(self, f: Parsed) -> set[int]:
        """Known enterprises sharing something specific with the find: a rare name piece or a person of its town
        (or of the next town, within NEAR_CUTOFF_M: a place near a border may be on record there), a phone, a code."""
        ids = self._shared(f, f.town_id)
        if f.town_id is None:  # a find given without its town: look in every town
            for town in self.stats:
                ids.update(self._shared(f, town))
        for phone in f.phones:
            ids.update(self.by_phone.get(phone, ()))
        if f.credit_code:
            ids.update(self.by_code.get(f.credit_code, ()))
        if f.lon is not None and f.lat is not None:
            cx, cy = self._near_cell(f.lon, f.lat)
            towns = self._towns_around.get((cx, cy), frozenset()) - {f.town_id}
            if towns:
                around = {(cx + dx, cy + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)}
                for town in towns:
                    ids.update(i for i in self._shared(f, town, around) if self._near(f, i))
        return ids

    def _shared(self, f: Parsed, town: int | None, around: set[tuple[int, int]] | None = None) -> set[int]:
        """Known enterprises of `town` (only those in the cells `around`, if given) sharing a rare piece of the
        name, the most rarity first, or a person, given or at the start of the find's name."""
        stats = self.stats.get(town)
        ids: set[int] = set()
        if stats is None:
            return ids
        grams, pieces = stats.grams, self.pieces.get(town, {})
        common = max(NAME_BLOCK_COMMON_MIN, stats.n * NAME_BLOCK_COMMON_SHARE)
        rare = sorted((df, g) for g in bigrams(f.sound) if 0 < (df := grams.get(g, 0)) <= common)
        rare = rare[: NAME_BLOCK_PIECES if around is None else 1]  # over a border: the rarest piece will do
        lists = [(math.log2((stats.n + 1) / (df + 1)), pieces.get(piece, [])) for df, piece in rare]
        if around is not None:
            cell_of = self._cell_of
            lists = [(weight, [i for i in found if cell_of[i] in around]) for weight, found in lists]
        if sum(len(found) for _, found in lists) <= NAME_BLOCK_KEEP:
            for _, found in lists:
                ids.update(found)
        else:
            shared: dict[int, float] = {}
            for weight, found in lists:
                for i in found:
                    shared[i] = shared.get(i, 0.0) + weight
            ids.update(heapq.nlargest(NAME_BLOCK_KEEP, shared, key=shared.__getitem__))
        persons = self.by_person.get(town, {})
        people = [sound_key(p) for p in f.persons]
        people += [f.sound[:n] for n in (2, 3, 4) if len(f.sound) > n]  # rule 1: a person starts the name
        for person in people:
            ids.update(i for i in persons.get(person, ()) if around is None or self._cell_of[i] in around)
        return ids

    def _near(self, f: Parsed, i: int) -> bool:
        k = self.parsed[i]
        if f.lon is None or f.lat is None or k.lon is None or k.lat is None:
            return False
        return metres(f.lon, f.lat, k.lon, k.lat) <= NEAR_CUTOFF_M
