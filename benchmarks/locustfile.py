"""Locust: users of every role around a reporting deadline (issue 11), against bin/serve on the demo data.

Run by benchmarks/deadline.py, which logs the sessions in beforehand and passes them in SLW_LOCUST_SESSIONS (a JSON
file: "roles": role → list of {"cookie": …, "csrf": …}, and the server's "today" and "now"); a login costs a password hash, and 200 at once would measure
PBKDF2, not the pages. Each simulated user takes the next session of its role. Page names group URLs by route
(`/cases/<id>/`), so the p95 of a page is over all its ids.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import re
import time
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task

_GIVEN = json.loads(Path(os.environ["SLW_LOCUST_SESSIONS"]).read_text())
SESSIONS: dict[str, list[dict[str, str]]] = _GIVEN["roles"]
TODAY, NOW = _GIVEN["today"], _GIVEN["now"]  # the server's clock (sanluanwu.core.clock), not this process's
_NEXT = {role: itertools.cycle(sessions) for role, sessions in SESSIONS.items()}
CASE_LINK = re.compile(r'href="/cases/(\d+)/"')
SLOT_LINK = re.compile(r'href="/reporting/slots/(\d+)/"')
WORDS = ["作坊", "塑料", "木材", "废品", "喷漆", "村"]
HALF = int(os.environ.get("SLW_LOCUST_HALF", "0"))  # which half of the run: 0 idle, 1 busy (benchmarks/deadline.py)
RUN_SECONDS = float(os.environ.get("SLW_LOCUST_SECONDS", "120"))  # how long this run lasts (locust -t)
STARTED = time.monotonic()  # this locust process starts with its run


def released(key: int) -> bool:
    """Whether the write keyed `key` (a task to complete, a town's report to submit) is due yet: each is due at its
    own moment, spread evenly over the first 90 % of the run by its id. The users otherwise used up every open task
    and submitted every report within the first 20 s of a run: a burst of writes (each moves the audit chain and
    makes lists be read again) at the start of the idle run and, in the busy run, on top of the background work,
    where the comparison put it beside an idle window without it."""
    return time.monotonic() - STARTED >= RUN_SECONDS * 0.9 * (key * 7919 % 1000) / 1000


def _photo() -> bytes:
    """A small real JPEG (the intake reads EXIF and makes a thumbnail), different each time."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), tuple(random.randrange(256) for _ in range(3))).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


class _Role(HttpUser):
    abstract = True
    role = ""
    wait_time = between(1, 4)

    def on_start(self) -> None:
        session = next(_NEXT[self.role])
        self.client.headers.update({"Cookie": session["cookie"], "X-CSRFToken": session["csrf"],
                                    "Referer": self.host or ""})  # fmt: skip
        self.case_ids: list[int] = []

    def page(self, url: str, name: str) -> str:
        with self.client.get(url, name=name, catch_response=True, allow_redirects=False) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.error or ''}")  # 0: no answer (e.g. a reset)
                return ""
            return str(response.text)

    def api(self, method: str, url: str, name: str, ok: tuple[int, ...] = (200, 201), **kwargs: Any) -> Any:
        with self.client.request(method, url, name=name, catch_response=True, **kwargs) as response:
            if response.status_code not in ok:
                response.failure(f"{response.status_code} {response.error or response.text[:200]}")
                return None
            response.success()  # a 409 listed in `ok` is the service refusing a stale version, as it should
            return response.json() if response.content and response.status_code < 300 else None

    def case_list(self) -> None:
        html = self.page("/cases/", "/cases/")
        self.case_ids = [int(pk) for pk in CASE_LINK.findall(html)] or self.case_ids

    def case_search(self) -> None:
        self.page(f"/cases/?q={random.choice(WORDS)}", "/cases/?q=…")

    def case_detail(self) -> None:
        if not self.case_ids:
            self.case_list()
        if self.case_ids:
            self.page(f"/cases/{random.choice(self.case_ids)}/", "/cases/<id>/")


class TownManager(_Role):
    """镇（街道）管理员 on the deadline day: the list, searches, cases, and the half-month report submitted."""

    role = "town_manager"
    weight = 6

    @task(5)
    def list_page(self) -> None:
        self.case_list()

    @task(2)
    def search(self) -> None:
        self.case_search()

    @task(3)
    def detail(self) -> None:
        self.case_detail()

    @task(1)
    def api_list(self) -> None:
        self.api("GET", "/api/v1/cases/", "/api/v1/cases/")

    @task(2)
    def report(self) -> None:
        html = self.page("/reporting/", "/reporting/")
        slots = SLOT_LINK.findall(html)
        if not slots:
            return
        slot = random.choice(slots)
        html = self.page(f"/reporting/slots/{slot}/", "/reporting/slots/<id>/")
        version = re.search(r'name="version" value="(\d+)"', html)
        if 'value="submit"' in html and version and released(int(slot)):
            # Only the first submission of a period goes through; a second user of the same town then finds it
            # submitted (409 is the answer to a stale version, not an error of the service).
            with self.client.post(f"/reporting/slots/{slot}/", name="/reporting/slots/<id>/ submit",
                                  data={"action": "submit", "version": version.group(1), "filler": "张三",
                                        "reviewer": "李四", "phone": "0519-86000000", "remark": ""},
                                  catch_response=True, allow_redirects=False) as response:  # fmt: skip
                # 302: submitted. 400/409: refused as the service should (the same version again, a stale page,
                # a period not open yet); only other answers are errors.
                if response.status_code not in (302, 400, 409):
                    response.failure(str(response.status_code))
                else:
                    response.success()


class Inspector(_Role):
    """镇（街道）排查员: the look-back lists, and inspections saved with photos."""

    role = "inspector"
    weight = 3

    @task(3)
    def overview(self) -> None:
        self.page("/lookback/", "/lookback/")

    @task(2)
    def worklist(self) -> None:
        self.page("/lookback/worklist/", "/lookback/worklist/")

    @task(2)
    def cases(self) -> None:
        self.case_list()

    @task(2)
    def inspect(self) -> None:
        targets = self.api("GET", "/api/v1/lookback/targets/?page_size=50", "/api/v1/lookback/targets/")
        rows = (targets or {}).get("results") or []
        if not rows:
            return
        target = random.choice(rows)
        inspection = self.api("POST", f"/api/v1/lookback/targets/{target['id']}/start/",
                              "/api/v1/lookback/targets/<id>/start/", ok=(200, 201, 409))  # fmt: skip
        if not inspection or "id" not in inspection:
            return
        url = f"/api/v1/lookback/inspections/{inspection['id']}/"
        saved = self.api("PATCH", url, "/api/v1/lookback/inspections/<id>/ (draft)", ok=(200, 409),
                         json={"version": inspection.get("version", 1), "inspectors": "王五、赵六",
                               "notes": {}, "inspected_at": NOW})  # fmt: skip
        if saved is not None:
            self.api("POST", url + "photos/", "/api/v1/lookback/inspections/<id>/photos/", ok=(201,),
                     files={"photo": ("现场.jpg", _photo(), "image/jpeg")})  # fmt: skip


class Office(_Role):
    """区办公室: the district list, searches, the reporting overview and the remediation overview."""

    role = "office"
    weight = 3

    @task(3)
    def list_page(self) -> None:
        self.case_list()

    @task(1)
    def search(self) -> None:
        self.case_search()

    @task(2)
    def detail(self) -> None:
        self.case_detail()

    @task(2)
    def reporting(self) -> None:
        self.page("/reporting/", "/reporting/")

    @task(1)
    def remediation(self) -> None:
        self.page("/remediation/", "/remediation/")


class Department(_Role):
    """部门: the unit's tasks and decisions, and the cases it leads."""

    role = "department"
    weight = 3

    @task(3)
    def worklist(self) -> None:
        self.page("/remediation/tasks/", "/remediation/tasks/")

    @task(1)
    def todo(self) -> None:
        self.page("/remediation/todo/", "/remediation/todo/")

    @task(2)
    def cases(self) -> None:
        self.case_list()


class Utility(_Role):
    """供电公司、水务: the cut-off tasks, completed one by one."""

    role = "utility"
    weight = 2

    @task(3)
    def worklist(self) -> None:
        self.page("/remediation/tasks/", "/remediation/tasks/")

    @task(1)
    def complete(self) -> None:
        tasks = self.api("GET", "/api/v1/remediation/tasks/?state=open", "/api/v1/remediation/tasks/")
        # The demo holds a few dozen open cut-offs: each half of the run (idle, busy) completes its own half of them
        # (by the id's parity), so both halves measure completions instead of the first using them all up.
        rows = [r for r in (tasks or {}).get("results") or [] if r["id"] % 2 == HALF and released(r["id"])]
        if not rows:
            return
        chosen = random.choice(rows)
        # Two users of one company may pick the same task: the second gets 409 (done or changed meanwhile).
        self.api("POST", f"/api/v1/remediation/tasks/{chosen['id']}/complete/",
                 "/api/v1/remediation/tasks/<id>/complete/", ok=(200, 409),
                 data={"acted_on": TODAY, "version": chosen.get("version", 1), "note": "已断开",
                       "account_no": "3200001234", "final_reading": "12345.60"},
                 files=[("photos", ("现场.jpg", _photo(), "image/jpeg"))])  # fmt: skip


class Leader(_Role):
    """区领导: reads the list and the summary."""

    role = "leader"
    weight = 1

    @task(2)
    def list_page(self) -> None:
        self.case_list()

    @task(1)
    def summary(self) -> None:
        self.page("/reporting/summary/", "/reporting/summary/")
