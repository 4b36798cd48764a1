"""gunicorn settings read by bin/serve (the rest are its command-line flags)."""

from __future__ import annotations

import gc
import os
from typing import Any


def post_worker_init(worker: Any) -> None:
    """Once the worker has loaded the application (Django, every module, the URL and template caches), those objects
    live as long as the process: gc.freeze() moves them out of the collector's reach. A full collection then walks only
    what requests made, instead of some 130,000 long-lived objects (80 ms measured in process, every thread of the
    worker waiting meanwhile: a tail in the load benchmark's percentiles)."""
    gc.freeze()
    if os.environ.get(
        "SLW_ROUTE_CPU_DIR"
    ):  # the benchmarks' CPU per route (benchmarks/route_cpu.py); never in production
        from benchmarks.route_cpu import install

        install(worker)


def worker_exit(server: Any, worker: Any) -> None:
    if os.environ.get("SLW_ROUTE_CPU_DIR"):
        from benchmarks.route_cpu import dump

        dump()
