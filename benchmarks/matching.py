"""New finds against known enterprises (issue 4): how right the similarity rule is, and how fast. No database.

Quality: the seeded labelled set of registry/tests/similarity_cases.py (20,000 known enterprises, 4,000 finds: half
of them variants of known ones, half hard negatives), precision and recall of the top candidate per kind of find.
Speed: 10,000 finds against 100,000 known, generated the same way (three in ten of the finds are known ones);
index built once, then all finds matched, best and median of BENCH_RUNS_MATCHING runs (each from cold), wall and
CPU time.
Prints one JSON line.
"""

from __future__ import annotations

import json
import math
import os
import resource
import statistics
import time
from typing import Any

import numpy as np

from sanluanwu.registry.similarity import (
    POSSIBLY_KNOWN,
    POSSIBLY_KNOWN_BITS,
    PROBABLY_KNOWN,
    PROBABLY_KNOWN_BITS,
    Find,
)
from sanluanwu.registry.similarity_index import KnownIndex
from sanluanwu.registry.tests import similarity_cases as cases

QUALITY_KNOWN, QUALITY_FINDS, QUALITY_SEED = 20_000, 4_000, 2020
SPEED_KNOWN, SPEED_FINDS, SPEED_SEED = 100_000, 10_000, 4
THRESHOLDS = [2.0, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0, 12.0]


def quality() -> dict[str, Any]:
    labelled = cases.generate(QUALITY_KNOWN, QUALITY_FINDS, seed=QUALITY_SEED)
    index = KnownIndex(labelled.known, labelled.town_names)
    finds = [c.wgs84() for c in labelled.cases]
    matches = index.match_many(finds)
    out: dict[str, Any] = {"known": QUALITY_KNOWN, "finds": QUALITY_FINDS, "seed": QUALITY_SEED,
                           "namesakes": round(cases.namesakes(labelled), 3),
                           "new_within_100m": round(_new_within(labelled, finds, 100.0), 3), "thresholds": []}  # fmt: skip
    every = index.match_many(finds, limit=1, at_least=0.0)  # to see the other thresholds the rule could have had
    positives = sum(c.truth is not None for c in labelled.cases)
    for bits in THRESHOLDS:
        tops = [m.candidates[0] if m.candidates and m.candidates[0].score >= bits else None for m in every]
        right = sum(t is not None and t.enterprise_id == c.truth for t, c in zip(tops, labelled.cases, strict=True))
        offered = sum(t is not None for t in tops)
        new = sum(t is None and c.truth is None for t, c in zip(tops, labelled.cases, strict=True))
        out["thresholds"].append({"bits": bits, "precision": round(right / max(1, offered), 3),
                                  "recall": round(right / positives, 3),
                                  "new_rate": round(new / (len(tops) - positives), 3)})  # fmt: skip
    for level, bits in ((POSSIBLY_KNOWN, POSSIBLY_KNOWN_BITS), (PROBABLY_KNOWN, PROBABLY_KNOWN_BITS)):
        scores = cases.evaluate(labelled.cases, matches, at=level)
        out[level] = {"bits": bits, **{kind: {"cases": s.cases, "precision": round(s.precision, 3),
                                              "recall": round(s.recall, 3), "new_rate": round(s.new_rate, 3)}
                                       for kind, s in scores.items()}}  # fmt: skip
    return out


def _new_within(labelled: cases.LabelledSet, finds: list[Find], metres: float) -> float:
    """Share of the new finds with a known place within `metres` (the review's set: 87 % within 100 m)."""
    known = np.array([(k.lon, k.lat) for k in labelled.known if k.lon is not None and k.lat is not None])
    near = []
    for case, f in zip(labelled.cases, finds, strict=True):
        if case.truth is None and f.lon is not None and f.lat is not None:
            dx = (known[:, 0] - f.lon) * 111_320 * math.cos(math.radians(f.lat))
            near.append(bool((np.hypot(dx, (known[:, 1] - f.lat) * 111_320) <= metres).any()))
    return sum(near) / max(1, len(near))


def speed() -> dict[str, Any]:
    labelled = cases.generate(SPEED_KNOWN, SPEED_FINDS, seed=SPEED_SEED, share_known=0.3)
    finds = [c.wgs84() for c in labelled.cases]
    t0 = time.perf_counter()
    index = KnownIndex(labelled.known, labelled.town_names)
    t_index = time.perf_counter() - t0
    walls, cpus = [], []
    for _ in range(int(os.environ.get("BENCH_RUNS_MATCHING", "5"))):
        for stats in index.stats.values():
            stats.forget()  # every run starts cold, as the first would
        w, c = time.perf_counter(), time.process_time()
        matches = index.match_many(finds)
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    scores = cases.evaluate(labelled.cases, matches)
    return {
        "known": SPEED_KNOWN, "finds": SPEED_FINDS, "index_seconds": round(t_index, 2),
        "match_best": round(min(walls), 2), "match_median": round(statistics.median(walls), 2),
        "match_cpu_best": round(min(cpus), 2), "runs": len(walls),
        "precision": round(scores["all"].precision, 3), "recall": round(scores["known"].recall, 3),
        "new_rate": round(scores["new"].new_rate, 3),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }  # fmt: skip


def main() -> None:
    print(json.dumps({"quality": quality(), "speed": speed()}, ensure_ascii=False))


if __name__ == "__main__":
    main()
