"""CPU per route inside the gunicorn workers, for the benchmarks (where a deadline's time goes).

With SLW_ROUTE_CPU_DIR set, config/gunicorn.conf.py wraps each worker's application (`install`) and writes what it
measured when the worker exits (`dump`): per route ("GET /cases/N/", numbers as N), the requests, the thread's CPU time
(time.thread_time: not the time spent waiting for the database or for the interpreter lock) and the wall time. Off in
production (the variable is not set).
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

_NUMBER = re.compile(r"\d+")
_lock = threading.Lock()
_routes: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])


def install(worker: Any) -> None:
    application = worker.wsgi

    def measured(environ: dict[str, Any], start_response: Any) -> Any:
        cpu, wall = time.thread_time(), time.perf_counter()
        try:
            return application(environ, start_response)
        finally:
            cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
            route = f"{environ.get('REQUEST_METHOD', '')} {_NUMBER.sub('N', environ.get('PATH_INFO', ''))}"
            with _lock:
                row = _routes[route]
                row[0] += 1
                row[1] += cpu
                row[2] += wall

    worker.wsgi = measured


def dump() -> None:
    folder = Path(os.environ["SLW_ROUTE_CPU_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    with _lock:
        (folder / f"cpu.{os.getpid()}.json").write_text(json.dumps(_routes))


def table(folder: Path, top: int = 15) -> list[str]:
    """Markdown rows: the routes taking the most CPU, with their share, requests and CPU per request."""
    totals: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for path in folder.glob("cpu.*.json"):
        for route, (n, cpu, wall) in json.loads(path.read_text()).items():
            row = totals[route]
            row[0] += n
            row[1] += cpu
            row[2] += wall
    cpu_all = sum(r[1] for r in totals.values()) or 1.0
    requests = sum(r[0] for r in totals.values()) or 1
    lines = [
        f"CPU in the web workers over both runs: {cpu_all:.0f} s for {requests:,.0f} requests "
        f"({cpu_all / requests * 1000:.1f} ms a request; benchmarks/route_cpu.py).",
        "",
        "| route | share of CPU | requests | CPU ms / request | wall ms / request |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for route, (n, cpu, wall) in sorted(totals.items(), key=lambda kv: -kv[1][1])[:top]:
        lines.append(f"| {route} | {cpu / cpu_all:.0%} | {n:,.0f} | {cpu / n * 1000:.1f} | {wall / n * 1000:.0f} |")
    return lines
