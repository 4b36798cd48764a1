"""The queries of every list page and API list, pinned (NetBox keeps them in utilities/testing/query_counts.json).

Each list is opened with a few records and with many more: the count must not grow with the rows (no query per row,
which is how panels and task lists creep in), and must equal the number pinned in tests/query_counts.json, so a
change in either direction is seen. After a deliberate change, run this test with SLW_UPDATE_QUERY_COUNTS=1 and
commit the file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import make_case
from sanluanwu.core import clock
from sanluanwu.registry.tests.test_scoping import _routes_with, _town_records

PINNED = Path(__file__).with_name("query_counts.json")
# Lists read by GET without a record in the path; the forms are there too (their queries are fixed as well).
SEARCHES = {"lookback-candidates": {"town": None, "name": "张"}}


@pytest.fixture(autouse=True)
def _photo_root(settings: Any, tmp_path: Any) -> None:
    settings.PHOTO_ROOT = tmp_path / "photos"


def _cases(actor: Any, town: Any, first: int, count: int) -> list[Any]:
    planned = clock.today() + dt.timedelta(days=30)
    return [
        make_case(actor, town, name=f"张{i}塑料造粒作坊", legal_person=f"张{i}", phone="",
                  coordinates=f"119.96{i % 10}{i // 10}, 31.72{i % 10}{i // 10}", case={"planned_completion": planned})
        for i in range(first, first + count)
    ]  # fmt: skip


def _more_records(actor: Any, district: Any, cases: list[Any]) -> None:
    """More of every kind the lists show: places (a baseline one too), inspections with photos, import batches."""
    from sanluanwu.imports.services import upload_import
    from sanluanwu.lookback import services as lookback
    from sanluanwu.lookback.tests.test_photos import jpeg_with_exif
    from sanluanwu.registry.services import record_baseline

    for i, case in enumerate(cases[:5]):
        record_baseline(actor=actor, enterprise=case.enterprise, method="shutdown")
        place = lookback.add_place(actor=actor, campaign=case.campaign, town=case.town, kind="rental",
                                   name=f"出租房{i}", address=f"湖塘镇{i}号")  # fmt: skip
        inspection = lookback.start_inspection(actor=actor, target=place)
        lookback.add_photo(actor=actor, inspection=inspection, data=jpeg_with_exif(), filename=f"{i}.jpg")
        upload_import(actor=actor, data=f"企业名称\n{case.enterprise.name}\n".encode(), filename=f"{i}.csv", kind="list",
                      unit=case.town)  # fmt: skip
    lookback.generate_targets(actor=actor, campaign=cases[0].campaign, town=cases[0].town)
    from sanluanwu.reporting import services as reporting

    for i in range(4):  # briefs with photos and work plan versions: the reporting lists
        reporting.save_brief(actor=actor, campaign=cases[0].campaign, unit=cases[0].town, month=clock.today(),
                             title=f"简讯{i}", text="正文", submit=True,
                             photos_in=[reporting.PhotoUpload("a.jpg", jpeg_with_exif())])  # fmt: skip
        reporting.upload_workplan(actor=actor, campaign=cases[0].campaign, unit=cases[0].town, title=f"方案{i}",
                                  filename="方案.pdf", content=b"%PDF-1.4")  # fmt: skip


def _measure(client: Client, district: Any) -> dict[str, int]:
    counts = {}
    for name, _path in _routes_with("list"):
        params = dict(SEARCHES.get(name, {}))
        if "town" in params:
            params["town"] = district["hutang"].pk
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(name), params)
        if response.status_code == 200:
            counts[name] = len(queries)
    return counts


def test_every_list_runs_as_many_queries_for_many_rows_as_for_few_and_as_pinned(
    office, alice, campaign, district, settings
):
    # The queries of reading the lists, not of remembering them (audit.memo: a list read again before the next write
    # runs fewer; sanluanwu/audit/tests/test_memo.py).
    settings.REMEMBER_READS = False
    few = _cases(alice, district["hutang"], 0, 3)
    _town_records(few[0])
    client = Client()
    client.force_login(office)
    client.get("/cases/")  # the session's first request settles its own bookkeeping
    with_few = _measure(client, district)
    _more_records(alice, district, _cases(alice, district["hutang"], 3, 12))
    with_many = _measure(client, district)
    grew = {name: (with_few[name], n) for name, n in with_many.items() if n != with_few.get(name)}
    assert not grew, f"a query per row: {grew}"
    vendor = connection.vendor
    pinned = json.loads(PINNED.read_text()) if PINNED.exists() else {}
    if os.environ.get("SLW_UPDATE_QUERY_COUNTS"):
        pinned[vendor] = dict(sorted(with_many.items()))
        PINNED.write_text(json.dumps(pinned, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    assert with_many == pinned.get(vendor), (
        f"query counts changed on {vendor}: {with_many} (pinned {pinned.get(vendor)}); if deliberate, "
        "run with SLW_UPDATE_QUERY_COUNTS=1"
    )
