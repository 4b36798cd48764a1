"""New finds against known enterprises (issue 4): 10,000 finds, 100,000 known, in one process, no database.

Known enterprises are generated like the demo's (licensed companies and workshops named by rule 1,
18 towns); a tenth of the finds are variants of known ones (legal form changed, 有限公司 → 厂, or the
same person and place), the rest are new. Prints one JSON line.
"""

from __future__ import annotations

import json
import random
import resource
import time

from sanluanwu.demo import reference as ref
from sanluanwu.lookback.matching import Find, Known, KnownIndex

N_KNOWN, N_FINDS = 100_000, 10_000


def main() -> None:
    rng = random.Random(4)
    towns = [(i, row) for i, row in enumerate(ref.TOWNS)]
    known = []
    for k in range(N_KNOWN):
        tid, row = rng.choice(towns)
        industry = rng.choice(ref.INDUSTRIES)
        person = rng.choice(ref.SURNAMES) + "".join(rng.sample(ref.GIVEN, 2))
        if rng.random() < 0.45:
            name = f"常州市武进区{row[1]}{rng.choice(ref.COMPANY_WORDS)}{industry}{k}有限公司"
        else:
            name = f"{person}{industry}{k}作坊"
        lon = row[4] + rng.uniform(-row[6], row[6]) * 0.8
        lat = row[5] + rng.uniform(-row[6], row[6]) * 0.6
        known.append(Known(name, tid, person, f"138{k:08d}", "", lon, lat, id=k))
    finds = []
    for f in range(N_FINDS):
        if f % 10 == 0:
            src = rng.choice(known)
            name = src.name.replace("有限公司", "厂").replace("作坊", "加工点")
            finds.append(Find(name, src.town_id, src.legal_person, "", "", (src.lon or 0) + 0.0002, src.lat))
        else:
            tid, row = rng.choice(towns)
            finds.append(Find(f"新{f}号{rng.choice(ref.INDUSTRIES)}作坊", tid, "某某", "", "",
                              row[4] + rng.uniform(-row[6], row[6]), row[5] + rng.uniform(-row[6], row[6])))  # fmt: skip
    t0 = time.perf_counter()
    index = KnownIndex(known, [row[0] for row in ref.TOWNS])
    t_index = time.perf_counter() - t0
    t1 = time.perf_counter()
    hits = found_variants = 0
    for f, candidates in enumerate(index.candidates_many(finds)):
        hits += bool(candidates)
        if f % 10 == 0 and candidates and any(r.startswith("名称相近") for r in candidates[0].reasons):
            found_variants += 1
    t_match = time.perf_counter() - t1
    print(json.dumps({
        "known": N_KNOWN, "finds": N_FINDS, "index_seconds": round(t_index, 2), "match_seconds": round(t_match, 2),
        "finds_with_candidates": hits, "variants_found_by_name": found_variants, "variants": N_FINDS // 10,
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
