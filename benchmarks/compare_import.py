"""The 100,000-row import of this checkout against the same import of an earlier commit, interleaved in one run.

`python -m benchmarks.compare_import <git ref> [runs]`: checks the ref out into a temporary worktree, makes the
sheet once (this checkout's benchmarks.attachment2 make_sheet), then alternates the two imports (upload + preview +
confirm), each in its own process on its own PostgreSQL database, and prints one JSON line with the medians and the
ratio. Used to check that moving the bulk path into the registry kept the import's speed (issue 8: within 10 %).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _sql(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _prepare(checkout: Path, env: dict[str, str]) -> None:
    from benchmarks.list_million import _admin_url

    admin, name = _admin_url(env["DATABASE_URL"])
    _sql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=env, check=True, cwd=checkout)
    subprocess.run([sys.executable, "-c", "import django; django.setup(); from sanluanwu.demo.builder import "
                    "build_org_units, build_campaign; from sanluanwu.core import clock; build_org_units(); "
                    "build_campaign(clock.today())"], env=env, check=True, cwd=checkout)  # fmt: skip


def _import(checkout: Path, env: dict[str, str]) -> dict[str, float]:
    _sql(env["DATABASE_URL"], "TRUNCATE registry_case, registry_enterprise, registry_baselinerecord, "
                              "audit_auditevent, imports_importbatch CASCADE")  # fmt: skip
    out = subprocess.run([sys.executable, "-m", "benchmarks.attachment2", "import"], env=env, capture_output=True,
                         text=True, check=True, cwd=checkout)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> int:
    ref = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    base_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/slw_bench")
    work = Path(os.environ.get("BENCH_WORK", "/tmp/slw-bench"))
    common = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "SLW_PLAIN_STATIC": "1",
              "ALLOWED_HOSTS": "testserver,127.0.0.1", "BENCH_WORK": str(work)}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="slw-base-") as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", str(base), ref], cwd=ROOT, check=True,
                       capture_output=True)  # fmt: skip
        try:
            envs = {
                "base": {**common, "DATABASE_URL": f"{base_url}_base", "SLW_VAR_DIR": f"{tmp}/var-base"},
                "this": {**common, "DATABASE_URL": f"{base_url}_this", "SLW_VAR_DIR": f"{tmp}/var-this"},
            }
            checkouts = {"base": base, "this": ROOT}
            for name, checkout in checkouts.items():
                _prepare(checkout, envs[name])
            subprocess.run([sys.executable, "-m", "benchmarks.attachment2", "make_sheet"], env=envs["this"],
                           check=True, cwd=ROOT, capture_output=True)  # fmt: skip
            results: dict[str, list[dict[str, float]]] = {"base": [], "this": []}
            for _ in range(runs):
                for name in ("base", "this"):
                    results[name].append(_import(checkouts[name], envs[name]))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, check=False)
    med = {name: statistics.median(r["seconds"] for r in rs) for name, rs in results.items()}
    preview = {name: statistics.median(r["preview_seconds"] for r in rs) for name, rs in results.items()}
    print(json.dumps({"ref": ref, "runs": runs, "base_seconds": round(med["base"], 1),
                      "this_seconds": round(med["this"], 1), "ratio": round(med["this"] / med["base"], 3),
                      "base_preview": round(preview["base"], 1), "this_preview": round(preview["this"], 1),
                      "all": {k: [round(r["seconds"], 1) for r in v] for k, v in results.items()}}))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
