"""Locust around a reporting deadline (issue 11): pages' p95 idle, and while an import and district exports run.

On PostgreSQL with the demo data and a town's 10,000 imported rows (`manage.py load_demo`, then a 附件2 of 遥观镇
imported through the API; BENCH_DEADLINE_REUSE=1 keeps a loaded database), bin/serve as production runs it, and
benchmarks/locustfile.py with BENCH_DEADLINE_USERS (200) simulated users of every role for BENCH_DEADLINE_SECONDS,
twice: once alone ("idle"), once while a 10,000-row 附件2 of 嘉泽镇 is uploaded, previewed and confirmed through the
API and 5 district workbooks (汇总表) are downloaded at the same time.
Both runs compare like data: the simulated town users (湖塘镇, 牛塘镇) have the same rows in both, and the district's
lists and sums hold 10,300 rows in the idle run, 20,300 in the busy one (not 300 against 10,300, as when the demo
alone was the idle run's data and 湖塘镇's own users imported: the busy run then measured 湖塘镇 grown 200-fold as much
as it measured the background work).
Goal: pages' p95 under 1 s, no errors, and no page's p95 past 2× its idle p95 during the background work.
The pair runs BENCH_DEADLINE_ROUNDS (3) times, each round on a fresh copy of the loaded database (CREATE DATABASE …
TEMPLATE) and a fresh server: one pair's ratio moves with the machine (an idle p95 differs by 2× between two runs of
the same code), the median of three is the result, and every round's ratio is shown beside it.
`python -m benchmarks.deadline` prints the section; `BENCH_ONLY=deadline make bench` writes it into RESULTS.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import http.client
import itertools
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

from benchmarks import cpu_sample, route_cpu
from benchmarks.load import ROOT, _free_port, _load_average, start_server, stop_server

USERS = int(os.environ.get("BENCH_DEADLINE_USERS", "200"))
SECONDS = int(os.environ.get("BENCH_DEADLINE_SECONDS", "120"))
IMPORT_ROWS = int(os.environ.get("BENCH_DEADLINE_IMPORT_ROWS", "10000"))
EXPORTS = int(os.environ.get("BENCH_DEADLINE_EXPORTS", "5"))
ROUNDS = max(1, int(os.environ.get("BENCH_DEADLINE_ROUNDS", "3")))
WORK = ROOT / "var" / "bench-deadline"
# The towns whose 附件2 are imported: PRELOADED's before the rounds (the rounds' data), IMPORTED's in each busy run;
# no simulated user is of either. Each town's reporting clerk (the demo's report_<code>, town manager) imports.
PRELOADED, IMPORTED = "yaoguan", "jiaze"
# The demo's accounts (README) of each role the locustfile simulates.
ACCOUNTS = {
    "town_manager": ["hutang", "niutang"],
    "inspector": ["hutang_xj"],
    "office": ["office", "office2"],
    "department": ["sthjj", "gxj", "scjgj", "slj", "zrzyj"],
    "utility": ["gongdian", "shuiwu"],
    "leader": ["leader"],
}


def database_url() -> str:
    return os.environ.get("BENCH_DEADLINE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/slw_bench_deadline")


def round_url() -> str:
    """A round's database: a copy of the loaded one (the import adds 10,000 cases; the next round starts without)."""
    return database_url() + "_round"


def _env(url: str = "") -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url or database_url(), "DJANGO_SETTINGS_MODULE": "config.settings",
            "ALLOWED_HOSTS": "testserver,127.0.0.1", "SLW_PLAIN_STATIC": "1"}  # fmt: skip


def _fresh_round_database() -> None:
    """The round's database made again from the loaded one (a file copy: seconds, statistics included)."""
    import psycopg

    from benchmarks.list_million import _admin_url

    admin, name = _admin_url(round_url())
    _admin, template = _admin_url(database_url())
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def _manage(*args: str) -> None:
    # Its output goes to stderr: stdout is the section benchmarks.run writes into RESULTS.md (load_demo lists the
    # demo's accounts there otherwise).
    subprocess.run([sys.executable, "manage.py", *args], env=_env(), cwd=ROOT, check=True, stdout=sys.stderr)


def _step(*args: str) -> Any:
    out = subprocess.run([sys.executable, "-m", "benchmarks.deadline", *args], env=_env(), cwd=ROOT,
                         capture_output=True, text=True)  # fmt: skip
    if out.returncode:
        sys.stderr.write(out.stderr)
        out.check_returncode()
    return json.loads(out.stdout.strip().splitlines()[-1])


def prepare() -> float | None:
    """The demo database (seconds it took to load), or None when an earlier one is kept."""
    import psycopg

    from benchmarks.list_million import _admin_url

    if os.environ.get("BENCH_DEADLINE_REUSE") == "1":
        try:
            with psycopg.connect(database_url().replace("postgres://", "postgresql://", 1)) as conn:
                if conn.execute("SELECT 1 FROM accounts_user WHERE username = 'hutang'").fetchone():
                    return None
        except psycopg.Error:
            pass
    admin, name = _admin_url(database_url())
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    t0 = time.perf_counter()
    _manage("migrate", "-v0")
    _manage("load_demo")
    with psycopg.connect(database_url().replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - t0


def _sessions(path: str) -> dict[str, Any]:
    """Logged-in sessions for every simulated user (role → cookie and CSRF token), and the ids the background
    work needs. A CSRF secret as cookie and header is what a browser's form or script sends."""
    import django

    django.setup()
    from django.middleware.csrf import _get_new_csrf_string  # type: ignore[attr-defined]
    from django.test import Client

    from sanluanwu.accounts.models import OrgUnit, User
    from sanluanwu.reporting.models import Period, Slot

    out: dict[str, list[dict[str, str]]] = {}
    per_role = USERS
    for role, usernames in ACCOUNTS.items():
        # In the order ACCOUNTS names them: the import below is sent as the first town manager (湖塘镇's); read in
        # the table's order, a row rewritten since (a login) could put 牛塘镇's first, and the import answered 403.
        found = {u.username: u for u in User.objects.filter(username__in=usernames)}
        users = [found[name] for name in usernames if name in found]
        out[role] = []
        for n in range(per_role):
            client = Client()
            client.force_login(users[n % len(users)])
            secret = _get_new_csrf_string()
            out[role].append({"cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={secret}",
                              "csrf": secret})  # fmt: skip
    from sanluanwu.core import clock

    importers = {}
    for code in (PRELOADED, IMPORTED):
        client = Client()
        client.force_login(User.objects.get(username=f"report_{code}"))
        secret = _get_new_csrf_string()
        importers[code] = {"cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={secret}",
                           "csrf": secret}  # fmt: skip
    Path(path).write_text(json.dumps({"roles": out, "importers": importers, "today": clock.today().isoformat(),
                                      "now": clock.now().isoformat()}))  # fmt: skip
    period = Period.objects.order_by("-starts_on").first()
    units = dict(OrgUnit.objects.filter(code__in=(PRELOADED, IMPORTED)).values_list("code", "pk"))
    # The report PRELOADED's clerk submits after the town's import (the running period's: today's rows, as at a
    # deadline).
    own = (Slot.objects.filter(unit__code=PRELOADED, period__starts_on__lte=clock.today())
           .order_by("-period__starts_on").values_list("pk", flat=True).first())  # fmt: skip
    return {"units": units, "period": period.pk if period else None, "own_slot": own}


def _sheet(path: str, code: str) -> dict[str, Any]:
    """A 附件2 of the town `code` with IMPORT_ROWS new rows at points inside it (benchmarks.attachment2's generator,
    names made unique)."""
    import django

    django.setup()
    from benchmarks.attachment2 import synthetic_rows, town_points
    from sanluanwu.accounts.models import OrgUnit
    from sanluanwu.core import clock
    from sanluanwu.registry.exports import write_attachment2
    from sanluanwu.registry.models import Case

    town = OrgUnit.objects.get(code=code)
    # Rows not imported by an earlier run on a kept database: the generator's rows from an offset that grows with it.
    offset = Case.objects.count()
    points = town_points(town.boundary, 4 * IMPORT_ROWS)
    rows = itertools.islice(synthetic_rows(offset + IMPORT_ROWS, town.name, points), offset, None)
    write_attachment2(rows, path, unit_label=town.name, as_of=clock.today(), system_ids=False)
    return {"bytes": Path(path).stat().st_size}


def _locust(port: int, prefix: Path, sessions: Path, half: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "locust", "-f", "benchmarks/locustfile.py", "--headless", "-u", str(USERS),
         "-r", str(max(1, USERS // 10)), "-t", f"{SECONDS}s", "--host", f"http://127.0.0.1:{port}", "--csv",
         str(prefix), "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"],
        cwd=ROOT, env={**os.environ, "SLW_LOCUST_SESSIONS": str(sessions), "SLW_LOCUST_HALF": str(half),
                       "SLW_LOCUST_SECONDS": str(SECONDS)},
        stdout=(prefix.parent / f"{prefix.name}.log").open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def _stats(prefix: Path) -> dict[str, dict[str, float]]:
    rows = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rows[f"{row['Type']} {row['Name']}".strip()] = {
                "requests": float(row["Request Count"]), "failures": float(row["Failure Count"]),
                "median": float(row["Median Response Time"] or 0), "p95": float(row["95%"] or 0),
                "p99": float(row["99%"] or 0), "rps": float(row["Requests/s"] or 0),
            }  # fmt: skip
    return rows


def _request(port: int, method: str, path: str, session: dict[str, str], body: bytes = b"",
             content_type: str = "") -> tuple[int, bytes]:  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {"Cookie": session["cookie"], "X-CSRFToken": session["csrf"], "Referer": f"http://127.0.0.1:{port}/"}
    if content_type:
        headers["Content-Type"] = content_type
    conn.request(method, path, body=body or None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def _multipart(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in
             fields.items()]  # fmt: skip
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n".encode()
                 + data + b"\r\n")  # fmt: skip
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _import(port: int, session: dict[str, str], unit: int, sheet: Path, out: dict[str, Any]) -> None:
    """Upload → preview (the worker) → confirm → applied, as the town manager would through the API."""
    t0 = time.perf_counter()
    body, kind = _multipart({"kind": "list", "unit": str(unit)}, "附件2.xlsx", sheet.read_bytes())
    status, data = _request(port, "POST", "/api/v1/imports/", session, body, kind)
    if status != 201:
        out["import"] = f"upload answered {status}: {data[:200]!r}"
        return
    batch = json.loads(data)["id"]

    def wait(states: set[str]) -> dict[str, Any]:
        while True:
            # Its status only, as a client polls it (?preview=0); the preview (3,000 rows, a megabyte) once below.
            got = json.loads(_request(port, "GET", f"/api/v1/imports/{batch}/?preview=0", session)[1])
            if got["status"] in states:
                return got  # type: ignore[no-any-return]
            time.sleep(2)

    previewed = wait({"previewed", "rejected", "failed", "interrupted"})
    out["preview_s"] = time.perf_counter() - t0
    if previewed["status"] == "previewed":  # the town reads the preview before it confirms
        previewed = json.loads(_request(port, "GET", f"/api/v1/imports/{batch}/", session)[1])
    if previewed["status"] != "previewed":
        out["import"] = f"preview ended {previewed['status']}: {previewed.get('message')}"
        return
    status, data = _request(port, "POST", f"/api/v1/imports/{batch}/confirm/", session, b"{}", "application/json")
    done = wait({"applied", "failed", "interrupted"})
    out["import_s"] = time.perf_counter() - t0
    out["import"] = f"{done['status']} ({json.dumps(done.get('counts'), ensure_ascii=False)})"


def _export(port: int, session: dict[str, str], period: int, out: list[float]) -> None:
    t0 = time.perf_counter()
    status, data = _request(port, "GET", f"/reporting/periods/{period}/workbook.xlsx", session)
    out.append(time.perf_counter() - t0 if status == 200 and data[:2] == b"PK" else -status)


_VERSION = re.compile(r'name="version" value="(\d+)"')


def _own_report(port: int, session: dict[str, str], slot: int, remark: str) -> dict[str, Any]:
    """PRELOADED's clerk opens the town's report and submits it (the town holds its 10,000 imported rows: the page
    counts them, the submission freezes and renders them): the seconds each took, as the clerk waits for them."""
    t0 = time.perf_counter()
    status, html = _request(port, "GET", f"/reporting/slots/{slot}/", session)
    page_s = time.perf_counter() - t0
    version = _VERSION.search(html.decode())
    if status != 200 or not version:
        return {"error": f"report page answered {status}" + ("" if version else ", no submit form")}
    fields = {"action": "submit", "version": version.group(1), "filler": "张三", "reviewer": "李四",
              "phone": "0519-86000000", "remark": remark}  # fmt: skip
    body = "&".join(f"{k}={urllib.parse.quote(v)}" for k, v in fields.items()).encode()
    t1 = time.perf_counter()
    status, data = _request(port, "POST", f"/reporting/slots/{slot}/", session, body,
                            "application/x-www-form-urlencoded")  # fmt: skip
    submit_s = time.perf_counter() - t1
    if status != 302:
        return {"error": f"submission answered {status}: {data[:200]!r}"}
    return {"page_s": page_s, "submit_s": submit_s}


def _background(port: int, ids: dict[str, Any], sessions: dict[str, Any], sheet: Path) -> tuple[threading.Thread,
                                                                                                 dict[str, Any]]:  # fmt: skip
    result: dict[str, Any] = {"exports": []}

    def work() -> None:
        threads = [threading.Thread(target=_import, args=(port, sessions["importers"][IMPORTED],
                                                           ids["units"][IMPORTED], sheet, result))]  # fmt: skip
        threads += [threading.Thread(target=_export, args=(port, sessions["office"][n], ids["period"],
                                                           result["exports"])) for n in range(EXPORTS)]  # fmt: skip
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    thread = threading.Thread(target=work)
    thread.start()
    return thread, result


def _preload(port: int, ids: dict[str, Any], sessions: dict[str, Any]) -> dict[str, Any] | None:
    """PRELOADED's IMPORT_ROWS rows imported into the loaded database through the API (bin/serve as the rounds run it),
    then VACUUM ANALYZE: the data both runs of every round start from. None when a kept database has them."""
    import psycopg

    url = database_url().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(url) as conn:
        have = conn.execute("SELECT count(*) FROM registry_case c JOIN accounts_orgunit u ON u.id = c.town_id "
                            "WHERE u.code = %s", (PRELOADED,)).fetchone()  # fmt: skip
    if have and have[0] >= IMPORT_ROWS:
        return None
    sheet = WORK / "preload.xlsx"
    _step("sheet", str(sheet), PRELOADED)
    server = start_server(port, WORK / "serve-preload.log", _env())
    out: dict[str, Any] = {}
    try:
        _import(port, sessions["importers"][PRELOADED], ids["units"][PRELOADED], sheet, out)
    finally:
        stop_server(server)
    if not str(out.get("import", "")).startswith("applied"):
        raise RuntimeError(f"preload import: {out}")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return out


def _round(n: int, port: int, ids: dict[str, Any], sessions: dict[str, Any], sessions_file: Path, sheet: Path,
           sampler: cpu_sample.Sampler, cpu_dir: Path) -> dict[str, Any]:  # fmt: skip
    """One pair on a fresh database and server: the idle run, then the busy run with the background work."""
    _fresh_round_database()
    # The access log gives each request's server time and moment: the windows (while the background work runs,
    # after it) come from it.
    log = {"GUNICORN_CMD_ARGS": f"--access-logformat '{ACCESS_FORMAT}'"}
    server = start_server(port, WORK / f"serve-{n}.log",
                          {**_env(round_url()), "SLW_ROUTE_CPU_DIR": str(cpu_dir), **log})  # fmt: skip
    ramp = min(15, SECONDS / 4)  # the users ramped up before the background work starts

    def mark(name: str) -> None:
        """A request the access log records at this moment (its path names the moment): the windows' bounds."""
        _request(port, "GET", f"{MARK}{name}", {"cookie": "", "csrf": ""})
        sampler.mark(f"{name}-{n}")

    own: dict[str, Any] = {}
    try:
        if ids.get("own_slot"):  # the town's clerk alone on the server, then among the 200 users
            own["alone"] = _own_report(port, sessions["importers"][PRELOADED], ids["own_slot"], "")
        idle = _locust(port, WORK / f"idle-{n}", sessions_file, 0)
        time.sleep(ramp)
        mark("idle")
        if ids.get("own_slot"):
            own["users"] = _own_report(port, sessions["importers"][PRELOADED], ids["own_slot"], "更正：补充说明")
        idle.wait()
        mark("idle_end")
        busy = _locust(port, WORK / f"busy-{n}", sessions_file, 1)
        time.sleep(ramp)
        started = time.perf_counter()
        mark("during")
        thread, background = _background(port, ids, sessions, sheet)
        thread.join()
        mark("after")
        busy.wait()
        mark("after_end")
        background["all_s"] = time.perf_counter() - started
    finally:
        stop_server(server)
    return {
        "idle": _stats(WORK / f"idle-{n}"),
        "busy": _stats(WORK / f"busy-{n}"),
        "background": background,
        "own": own,
    }


def run() -> str:
    WORK.mkdir(parents=True, exist_ok=True)
    loaded = prepare()
    sessions_file, sheet = WORK / "sessions.json", WORK / "import.xlsx"
    ids = _step("sessions", str(sessions_file))  # in the loaded database: every round's copy holds them
    given = json.loads(sessions_file.read_text())
    sessions = {**given["roles"], "importers": given["importers"]}
    port = _free_port()
    preloaded = _preload(port, ids, sessions)
    _step("sheet", str(sheet), IMPORTED)
    before = _load_average()
    cpu_dir = WORK / "route-cpu"  # CPU per route in the web workers (benchmarks/route_cpu.py), all rounds
    for old in [*cpu_dir.glob("cpu.*.json"), *WORK.glob("serve-*.log")]:
        old.unlink()
    from benchmarks.list_million import _admin_url

    # It finds the server's connections in pg_stat_activity from the maintenance database: the round's is remade.
    sampler = cpu_sample.Sampler(_admin_url(database_url())[0]).start()
    try:
        rounds = [_round(n, port, ids, sessions, sessions_file, sheet, sampler, cpu_dir) for n in range(1, ROUNDS + 1)]
    finally:
        sampler.stop()
    after = _load_average()
    section = _section(loaded, preloaded, rounds, before, after)
    windows = _windows([WORK / f"serve-{n}.log" for n in range(1, ROUNDS + 1)])
    cores = sampler.table([(label, f"{start}-{n}", f"{end}-{n}") for n in range(1, ROUNDS + 1) for label, start, end in
                           (("idle", "idle", "idle_end"), ("during", "during", "after"), ("after", "after", "after_end"))])  # fmt: skip
    return "\n".join([section, "", *windows, "", cpu_sample.describe(), "", *cores, "", *route_cpu.table(cpu_dir)])


ACCESS_FORMAT = "%(t)s %(m)s %(U)s %(s)s %(D)s"
MARK = "/bench-mark/"
_ACCESS = re.compile(r"^\[([^\]]+)\] (\w+) (\S+) (\d{3}) (\d+)$")
_BACKGROUND = re.compile(r"/imports/|/workbook\.xlsx$")


def _windows(logs: list[Path]) -> list[str]:
    """Server time per route (the access log: from the request read to the answer written, not the time a request
    waited to be accepted) in three windows, every round's together: idle, while the import and the workbooks run, and
    after them (the district then holds the import's cases too)."""
    times: dict[str, dict[str, list[float]]] = {}
    walls = dict.fromkeys(("idle", "during", "after"), 0.0)
    for log in logs:
        requests: list[tuple[float, re.Match[str]]] = []
        moments: dict[str, float] = {}
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            m = _ACCESS.match(line.strip())
            if not m:
                continue
            at = dt.datetime.strptime(m.group(1), "%d/%b/%Y:%H:%M:%S %z").timestamp()
            if m.group(3).startswith(MARK):
                moments[m.group(3).removeprefix(MARK)] = at
            elif not _BACKGROUND.search(m.group(3)):
                requests.append((at, m))
        spans = {"idle": (moments["idle"], moments["idle_end"]), "during": (moments["during"], moments["after"]),
                 "after": (moments["after"], moments["after_end"])}  # fmt: skip
        for name, (start, end) in spans.items():
            walls[name] += end - start
        for at, m in requests:
            route = f"{m.group(2)} {re.sub(r'[0-9]+', 'N', m.group(3))}"
            for name, (start, end) in spans.items():
                if start <= at < end:
                    for key in (route, "all"):
                        times.setdefault(key, {}).setdefault(name, []).append(int(m.group(5)) / 1000)

    def p95(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[int(0.95 * (len(ordered) - 1))] if ordered else 0.0

    lines = [
        f"Server time by window (access log, {len(logs)} round{'s' if len(logs) > 1 else ''} together): idle "
        f"{walls['idle']:.0f} s, during the background work {walls['during']:.0f} s, after it {walls['after']:.0f} s.",
        "",
        "| route | idle requests | idle p95 ms | during requests | during p95 ms | during / idle | after requests | "
        "after p95 ms | after / idle |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]  # fmt: skip
    for route in sorted(times, key=lambda r: (r == "all", -len(times[r].get("idle", [])))):
        got = times[route]
        idle, during, later = (got.get(name, []) for name in ("idle", "during", "after"))
        base = p95(idle)
        lines.append(f"| {route} | {len(idle)} | {base:.0f} | {len(during)} | {p95(during):.0f} | "
                     f"{p95(during) / base if base and during else 0:.2f} | {len(later)} | {p95(later):.0f} | "
                     f"{p95(later) / base if base and later else 0:.2f} |")  # fmt: skip
    return lines


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _own_lines(rounds: list[dict[str, Any]]) -> list[str]:
    """遥观镇's clerk's own report after the town's import, per round: alone on the server and among the users."""
    lines = []
    for n, r in enumerate(rounds, 1):
        parts = []
        for when, label in (("alone", "alone on the server"), ("users", f"among the {USERS} users (a correction)")):
            got = r.get("own", {}).get(when)
            if got is None:
                continue
            parts.append(f"{label}: {got['error']}" if "error" in got else
                         f"{label}: report page {got['page_s']:.2f} s, submission {got['submit_s']:.2f} s")  # fmt: skip
        if parts:
            lines.append(f"- 遥观镇's own half-month report after its {IMPORT_ROWS:,}-row import, round {n}: "
                         + "; ".join(parts) + ".")  # fmt: skip
    return lines


def _section(loaded: float | None, preloaded: dict[str, Any] | None, rounds: list[dict[str, Any]], before: str,
             after: str) -> str:  # fmt: skip
    lines = [
        "## Users of every role around a reporting deadline (locust, issue 11)",
        "",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores shared with other work (load average 1/5/15 min: "
        f"{before} before, {after} after); locust, bin/serve (gunicorn {os.environ.get('WEB_WORKERS', os.cpu_count())} × {os.environ.get('WEB_THREADS', '8')} threads, job worker, scheduler) and "
        "PostgreSQL all on it.",
        "- Data: the demo (`load_demo`"
        + (f", {loaded:.0f} s with VACUUM ANALYZE)" if loaded is not None else ", kept from an earlier run)")
        + f" and a {IMPORT_ROWS:,}-row 附件2 of 遥观镇 imported through the API ("
        + (f"{preloaded.get('import')}, {preloaded.get('import_s', 0):.0f} s" if preloaded else "kept")
        + f"), so the district holds the demo's cases and {IMPORT_ROWS:,} more in the idle run, {2 * IMPORT_ROWS:,} "
        "more in the busy run; no simulated user is of 遥观镇 or 嘉泽镇, whose import is the busy run's. Each round on a "
        "fresh copy of it and a fresh server.",
        f"- {USERS} simulated users (benchmarks/locustfile.py: town managers 6, inspectors 3, office 3, departments 3, "
        f"utilities 2, leader 1 by weight; 1-4 s between actions; the task completions and report submissions due one "
        f"by one over each run, not all in its first seconds) for {SECONDS} s, twice per round: idle, then with "
        f"the background work: a {IMPORT_ROWS:,}-row 附件2 of 嘉泽镇 uploaded, previewed and confirmed through the API, "
        f"and {EXPORTS} district workbooks (汇总表) downloaded at the same time. {len(rounds)} "
        f"round{'s' if len(rounds) > 1 else ''}; p95 below is the median of the rounds' p95s, busy / idle the median of "
        "the rounds' own ratios (each round's listed beside it).",
    ]  # fmt: skip
    for n, r in enumerate(rounds, 1):
        background = r["background"]
        lines.append(f"- Background, round {n}: import {background.get('import', 'not finished')}, preview after "
                     f"{background.get('preview_s', 0):.0f} s, applied after {background.get('import_s', 0):.0f} s; "
                     f"exports {', '.join(f'{s:.1f}' for s in background['exports'])} s.")  # fmt: skip
    lines += _own_lines(rounds)
    lines += [
        "",
        "| request | idle requests | idle failures | idle p95 ms | busy requests | busy failures | busy p95 ms | "
        "busy / idle, each round | busy / idle |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]  # fmt: skip
    names = {name for r in rounds for name in r["idle"]}
    for name in sorted(names, key=lambda n: (n.strip() == "Aggregated", n)):
        idle = [r["idle"].get(name, {}) for r in rounds]
        busy = [r["busy"].get(name, {}) for r in rounds]
        ratios = [b.get("p95", 0) / i["p95"] for i, b in zip(idle, busy, strict=True) if i.get("p95")]

        def total(runs: list[dict[str, float]], key: str) -> float:
            return sum(run.get(key, 0) for run in runs)

        lines.append(f"| {name or 'all'} | {total(idle, 'requests'):.0f} | {total(idle, 'failures'):.0f} | "
                     f"{_median([i.get('p95', 0) for i in idle]):.0f} | {total(busy, 'requests'):.0f} | "
                     f"{total(busy, 'failures'):.0f} | {_median([b.get('p95', 0) for b in busy]):.0f} | "
                     f"{' · '.join(f'{x:.2f}' for x in ratios)} | {_median(ratios) if ratios else 0:.2f} |")  # fmt: skip
    return "\n".join(lines)


def main() -> int:
    if sys.argv[1:2] == ["sessions"]:
        print(json.dumps(_sessions(sys.argv[2])))
        return 0
    if sys.argv[1:2] == ["sheet"]:
        print(json.dumps(_sheet(sys.argv[2], sys.argv[3])))
        return 0
    os.environ.update(_env())
    print(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
