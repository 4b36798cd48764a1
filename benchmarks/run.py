"""`make bench`: run every benchmark and write benchmarks/RESULTS.md.

Benchmarks use their own PostgreSQL database (BENCH_DATABASE_URL, default slw_bench on 127.0.0.1), rebuilt each run.
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/slw_bench")
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SLW_PLAIN_STATIC", "1")
    from benchmarks import list_million

    list_million.prepare_database()
    import django

    django.setup()
    report = list_million.run()
    path = os.path.join(os.path.dirname(__file__), "RESULTS.md")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
