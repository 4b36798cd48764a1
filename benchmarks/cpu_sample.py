"""Where a window's CPU went, process by process (issue 11's deadline benchmark).

A thread reads every process's CPU time (/proc/N/stat, user + system) once a second and at each named moment, and
sorts the processes by what they are: locust, the web workers (gunicorn), the job worker, the file builder, the
scheduler, and PostgreSQL's backends by whose connection they serve (`application_name`, which bin/serve sets per
process: sanluanwu-web, sanluanwu-worker …) or PostgreSQL's own processes (checkpointer, WAL writer, autovacuum).
Between two moments, the CPU seconds of each kind divided by the wall seconds are the cores it used.

Linux only (/proc); elsewhere it records nothing and says so.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
KINDS = ["locust", "web", "pg:web", "worker", "pg:worker", "builder", "pg:builder", "schedule", "pg:other",
         "postgres", "other"]  # fmt: skip


def _cpu(pid: str) -> float | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    fields = raw[raw.rindex(b")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime (fields 14 and 15 of stat)


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Sampler:
    """CPU seconds per process kind at each named moment; `table()` the cores each kind used between moments."""

    def __init__(self, database_url: str = "", interval: float = 1.0):
        self.database_url = database_url
        self.interval = interval
        self.kind_of: dict[str, str] = {}  # pid → kind (a pid's kind is settled once known)
        self.last: dict[str, float] = {}  # pid → its CPU seconds when last read (a process that ended keeps its last)
        self.marks: list[tuple[str, float, dict[str, float]]] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self.available = Path("/proc/self/stat").exists()

    def _backends(self) -> dict[str, str]:
        """PostgreSQL backend pid → the application_name of its client."""
        if not self.database_url:
            return {}
        try:
            import psycopg

            with psycopg.connect(self.database_url.replace("postgres://", "postgresql://", 1),
                                 application_name="bench-sampler") as conn:  # fmt: skip
                rows = conn.execute("SELECT pid, application_name, backend_type FROM pg_stat_activity").fetchall()
        except Exception:
            return {}
        return {str(pid): (name if backend == "client backend" else "") for pid, name, backend in rows}

    def _classify(self, pid: str, command: str, backends: dict[str, str]) -> str:
        if command.startswith("postgres") or "postgres:" in command:
            app = backends.get(pid)
            if app is None:
                return "postgres"
            if app.startswith("sanluanwu-"):
                return "pg:" + app.removeprefix("sanluanwu-").replace("schedule", "other")
            return "pg:other" if app else "postgres"
        if "locust" in command:
            return "locust"
        if "gunicorn" in command:
            return "web"
        if "db_worker" in command or "settle_imports" in command:
            return "worker"
        if "run_schedule" in command:
            return "schedule"
        if "multiprocessing" in command and "spawn" in command:
            return "builder"
        return "other"

    def read(self) -> None:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
        unknown = [p for p in pids if p not in self.kind_of]
        backends = self._backends() if unknown else {}
        with self._lock:
            for pid in pids:
                seconds = _cpu(pid)
                if seconds is None:
                    continue
                if pid not in self.kind_of:
                    command = _cmdline(pid)
                    self.kind_of[pid] = self._classify(pid, command, backends)
                self.last[pid] = seconds

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            if self.available:
                self.read()

    def start(self) -> Sampler:
        if self.available:
            self.read()  # processes already running count from here
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def mark(self, name: str) -> None:
        if self.available:
            self.read()
        with self._lock:
            totals: dict[str, float] = {}
            for pid, seconds in self.last.items():
                kind = self.kind_of.get(pid, "other")
                totals[kind] = totals.get(kind, 0.0) + seconds
            self.marks.append((name, time.perf_counter(), totals))

    def table(self, spans: list[tuple[str, str, str]]) -> list[str]:
        """Rows of cores used per kind in each span (label, from moment, to moment). Spans under one label (the same
        window of several rounds) count together: their CPU seconds over their seconds."""
        if not self.available:
            return ["(CPU per process: not measured, no /proc on this machine)"]
        at = {name: (t, totals) for name, t, totals in self.marks}
        seconds: dict[str, dict[str, float]] = {}
        walls: dict[str, float] = {}
        for label, start, end in spans:
            if start not in at or end not in at:
                continue
            (t0, a), (t1, b) = at[start], at[end]
            walls[label] = walls.get(label, 0.0) + t1 - t0
            got = seconds.setdefault(label, dict.fromkeys(KINDS, 0.0))
            for k in KINDS:
                got[k] += max(0.0, b.get(k, 0.0) - a.get(k, 0.0))
        used = {label: {k: v / walls[label] for k, v in got.items()} for label, got in seconds.items()}
        labels = list(used)
        lines = [
            "| process | " + " | ".join(f"{label} ({walls[label]:.0f} s), cores" for label in labels) + " |",
            "| --- |" + " ---: |" * len(labels),
        ]
        for kind in KINDS:
            if any(used[label][kind] >= 0.005 for label in labels):
                lines.append(f"| {kind} | " + " | ".join(f"{used[label][kind]:.2f}" for label in labels) + " |")
        lines.append("| all | " + " | ".join(f"{sum(used[label].values()):.2f}" for label in labels) + " |")
        return lines


def describe() -> str:
    return (
        "Cores used per process kind (benchmarks/cpu_sample.py: /proc CPU time read each second and at each window's "
        "bounds; pg:web is PostgreSQL's work for the web workers' connections, pg:worker for the job worker's; "
        "postgres is PostgreSQL's own processes). A process that ends between two readings loses its last second."
    )


def main(argv: list[str] | None = None) -> Any:  # pragma: no cover - a manual look: cores used for N seconds
    import sys

    seconds = float((argv or sys.argv[1:] or ["10"])[0])
    sampler = Sampler(os.environ.get("DATABASE_URL", "")).start()
    sampler.mark("start")
    time.sleep(seconds)
    sampler.mark("end")
    sampler.stop()
    print("\n".join(sampler.table([("window", "start", "end")])))


if __name__ == "__main__":
    main()
