"""bin/supervise keeps the job worker alive: a command that exits is started again, and a signal stops both."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

SUPERVISE = Path(__file__).resolve().parents[1] / "bin" / "supervise"


def _start(tmp_path: Path, script: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, str(SUPERVISE), "--log", str(tmp_path / "worker.log"), "--min-delay", "0.05",
               "--max-delay", "0.2", "--stable", "5", "--", sys.executable, "-c", script]  # fmt: skip
    return subprocess.Popen(command)


def _until(condition, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_worker_that_dies_is_started_again_and_each_restart_is_logged(tmp_path):
    runs = tmp_path / "runs"
    # A worker that dies at once, as one killed by the OOM killer or aborted by a native library would.
    supervisor = _start(tmp_path, f"import os; open({str(runs)!r}, 'a').write('x'); os.abort()")
    try:
        assert _until(lambda: runs.exists() and len(runs.read_text()) >= 3), "the worker was not restarted"
    finally:
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=10) == 0
    log = (tmp_path / "worker.log").read_text()
    assert log.count("(killed by SIGABRT); restarting in") >= 2
    assert "received SIGTERM, stopping" in log


def test_a_signal_stops_the_running_worker_too(tmp_path):
    pid_file = tmp_path / "pid"
    script = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(600)"
    supervisor = _start(tmp_path, script)
    assert _until(pid_file.exists)
    worker = int(pid_file.read_text())
    supervisor.send_signal(signal.SIGINT)
    assert supervisor.wait(timeout=10) == 0
    assert _until(lambda: not Path(f"/proc/{worker}").exists() or "zombie" in _state(worker), 5)
    assert "stopped (killed by SIGTERM)" in (tmp_path / "worker.log").read_text()


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return "zombie"


def test_the_serve_script_runs_the_worker_under_supervision():
    serve = (SUPERVISE.parent / "serve").read_text()
    assert (
        'bin/supervise --log "$VAR_DIR/worker.log" -- nice -n 10 sh -c \'.venv/bin/python manage.py settle_imports '
        "--worker-start" in serve
    )
    assert "exec .venv/bin/python manage.py db_worker --queue-name default" in serve
    assert "trap 'stop; exit 143' TERM" in serve and "trap 'stop; exit 130' INT" in serve


def test_a_signal_that_lands_while_the_supervisor_writes_its_log_stops_it_cleanly(tmp_path):
    """The log is a pipe nobody reads yet: the worker fills it and exits, so the supervisor's next log line blocks in
    its write, and the TERM lands inside that write. A handler that wrote to the log itself raised "reentrant call"
    there and the supervisor died with a traceback (a TERM to bin/serve's process group did)."""
    import os
    import threading

    fifo = tmp_path / "worker.log"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reading = threading.Event()

    def reader() -> None:
        with open(fifo, "rb") as f:  # opened at once (the supervisor waits for it), read only later
            reading.wait(30)
            got.append(f.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    fill = ("import os, sys\nos.set_blocking(1, False)\n"
            "try:\n    while True: os.write(1, b'x' * 4096)\nexcept BlockingIOError:\n    pass\n"
            "os.set_blocking(1, True)\n")  # the pipe is full; the mode is the supervisor's too: restored  # fmt: skip
    command = [sys.executable, str(SUPERVISE), "--log", str(fifo), "--min-delay", "0.05", "--max-delay", "0.2",
               "--", sys.executable, "-c", fill]  # fmt: skip
    supervisor = subprocess.Popen(command, stderr=subprocess.PIPE)
    time.sleep(1.5)  # the worker has filled the pipe and ended; the supervisor is blocked writing that it ended
    supervisor.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    reading.set()
    assert supervisor.wait(timeout=15) == 0, supervisor.stderr.read().decode() if supervisor.stderr else ""
    thread.join(10)
    assert b"received SIGTERM, stopping" in got[0]
    assert b"reentrant" not in supervisor.stderr.read()
