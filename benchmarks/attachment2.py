"""附件2 export and import at 100,000 rows on PostgreSQL, against their floors and django-import-export.

Run by benchmarks/run.py: each measurement is a separate process (`python -m benchmarks.attachment2 STEP`),
so its peak memory (ru_maxrss) is its own. Steps print one JSON line: {"seconds": …, "peak_mb": …}.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

from sanluanwu.core import clock

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
WORK = Path(os.environ.get("BENCH_WORK", "/tmp/slw-bench"))
SHEET = WORK / "attachment2_100k.xlsx"
EXPORT_OUT = WORK / "export_out.xlsx"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def town_points(boundary: dict[str, Any] | None, n: int = 2000) -> list[tuple[float, float]]:
    """Up to about n points of a grid over a town's boundary that lie inside it (core.geo's rule), for rows of that
    town; none without a boundary."""
    from sanluanwu.core import geo

    if not boundary:
        return []
    if boundary.get("type") == "Polygon":
        ring = boundary["coordinates"][0]
        x0, x1 = min(p[0] for p in ring), max(p[0] for p in ring)
        y0, y1 = min(p[1] for p in ring), max(p[1] for p in ring)
    else:
        x0, y0, x1, y1 = boundary["bbox"]
    side = max(2, int(n**0.5))
    grid = [(x0 + (x1 - x0) * (i + 0.5) / side, y0 + (y1 - y0) * (j + 0.5) / side)
            for i in range(side) for j in range(side)]  # fmt: skip
    return [(x, y) for x, y in grid if geo.boundary_contains(boundary, x, y)]


def synthetic_rows(n: int, town: str = "湖塘镇", points: list[tuple[float, float]] | None = None) -> Any:
    """n valid 附件2 rows of a town (unique names; points inside 湖塘镇 unless `points` inside the town are given,
    town_points), as ExportRow objects."""
    from sanluanwu.registry.exports import ExportRow

    industries = ["塑料造粒", "金属表面处理", "木材加工", "废品回收", "石材加工", "印刷", "家具喷漆", "铸造"]
    surnames = "王李张刘陈杨黄赵吴周"
    planned = clock.today() + dt.timedelta(days=40)
    for i in range(n):
        person = f"{surnames[i % 10]}{i}"
        industry = industries[i % 8]
        if points:
            lon, lat = points[i % len(points)]
        else:
            lon = 119.935 + (i % 600) * 0.0001
            lat = 31.700 + (i // 600 % 500) * 0.0001
        yield ExportRow(i + 1, [
            f"{person}{industry}作坊", industry, f"{town}测试村{i % 97}号", f"{lon:.6f}, {lat:.6f}", person,
            "第一类：关停取缔后复产经营", "未办理", "废气未经处理直排", "" if i % 3 else "电线私拉乱接", "",
            "关停取缔" if i % 3 else "治理改造", planned, "已列入名单", "陈科长",
        ])  # fmt: skip


def step_make_sheet() -> dict[str, Any]:
    from sanluanwu.registry.exports import write_attachment2

    WORK.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    write_attachment2(synthetic_rows(ROWS), str(SHEET), unit_label="湖塘镇", as_of=clock.today(), system_ids=False)
    return {"seconds": time.perf_counter() - t0, "bytes": SHEET.stat().st_size}


def step_export() -> dict[str, Any]:
    """Our export of the 100,000 cases in the database (query + rows + workbook)."""
    from sanluanwu.registry.exports import attachment2_rows, write_attachment2
    from sanluanwu.registry.models import Case

    t0 = time.perf_counter()
    n = write_attachment2(attachment2_rows(Case.objects.all()), str(EXPORT_OUT), unit_label="湖塘镇",
                          as_of=clock.today())  # fmt: skip
    return {"seconds": time.perf_counter() - t0, "rows": n}


def step_floor_export() -> dict[str, Any]:
    """The floor: xlsxwriter in constant-memory mode writing the same cells, values already in memory."""
    import xlsxwriter

    rows = [r.cells for r in synthetic_rows(ROWS)]
    t0 = time.perf_counter()
    wb = xlsxwriter.Workbook(str(WORK / "floor.xlsx"), {"constant_memory": True})
    ws = wb.add_worksheet()
    date_f = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r, cells in enumerate(rows, start=3):
        ws.write_number(r, 0, r - 2)
        for c, v in enumerate(cells, start=1):
            if isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(v, dt.time.min), date_f)
            else:
                ws.write_string(r, c, v)
        ws.write_number(r, 15, r)
    wb.close()
    return {"seconds": time.perf_counter() - t0}


def step_import() -> dict[str, Any]:
    """Our import through the services: upload, preview (every row checked), confirm (plan again + bulk apply)."""
    from sanluanwu.accounts.models import OrgUnit
    from sanluanwu.accounts.scope import OperatorActor
    from sanluanwu.imports.services import confirm_import, preview_import, upload_import

    actor = OperatorActor("bench")
    data = SHEET.read_bytes()
    t0 = time.perf_counter()
    batch = upload_import(
        actor=actor, data=data, filename=SHEET.name, kind="list", unit=OrgUnit.objects.get(code="hutang")
    )
    batch = preview_import(actor=actor, batch=batch)
    t_preview = time.perf_counter() - t0
    batch = confirm_import(actor=actor, batch=batch)
    seconds = time.perf_counter() - t0
    assert batch.status == "applied", (batch.status, batch.message, batch.counts)
    return {"seconds": seconds, "preview_seconds": t_preview, "counts": batch.counts}


def step_floor_import() -> dict[str, Any]:
    """The floor: read the file with python-calamine, then COPY the same rows into the same two tables."""
    from django.db import connection
    from python_calamine import CalamineWorkbook

    from sanluanwu.accounts.models import OrgUnit
    from sanluanwu.campaigns.models import Campaign

    town = OrgUnit.objects.get(code="hutang").pk
    campaign = Campaign.objects.get().pk
    t0 = time.perf_counter()
    rows = CalamineWorkbook.from_path(str(SHEET)).get_sheet_by_index(0).to_python()[3 : 3 + ROWS]
    t_read = time.perf_counter() - t0
    now = clock.now()
    with connection.cursor() as cursor:
        pg = cursor.connection
        with pg.cursor() as cur:
            with cur.copy("COPY registry_enterprise (name, name_key, industry, address, town_id, village, longitude, "
                          "latitude, coord_datum, coord_input, legal_person, phone, credit_code, licence_status, "
                          "search_text, version, created_at, updated_at) FROM STDIN") as copy:  # fmt: skip
                for r in rows:
                    lon, lat = r[4].split(", ")
                    copy.write_row((r[1], r[1], r[2], r[3], town, "", lon, lat, "wgs84", r[4], r[5], "", "",
                                    "unlicensed", r[1], 1, now, now))  # fmt: skip
            cur.execute("SELECT id FROM registry_enterprise ORDER BY id DESC LIMIT %s", [len(rows)])
            ids = sorted(i for (i,) in cur.fetchall())
            with cur.copy("COPY registry_case (enterprise_id, campaign_id, town_id, lookback_category, env_problems, "
                          "safety_problems, other_problems, remediation_type, planned_completion, listed_on, status, "
                          "progress_note, responsible_person, search_text, version, created_at, updated_at) "
                          "FROM STDIN") as copy:  # fmt: skip
                for eid, r in zip(ids, rows, strict=True):
                    copy.write_row((eid, campaign, town, 1, r[8], r[9], r[10], "shutdown", r[12], clock.today(),
                                    "listed", "", r[14], r[1], 1, now, now))  # fmt: skip
    return {"seconds": time.perf_counter() - t0, "read_seconds": t_read}


def step_import_export_lib() -> dict[str, Any]:
    """django-import-export (default, non-bulk) importing the same rows of the same file into Enterprise.

    tablib reads the workbook (DIE's own reader); the two title rows are dropped so DIE sees the header.
    Only the enterprise table is written (our import also writes cases and audit events), so this
    comparison flatters django-import-export.
    """
    import tablib
    from import_export import fields, resources

    from sanluanwu.accounts.models import OrgUnit
    from sanluanwu.registry.models import Enterprise

    town = OrgUnit.objects.get(code="hutang")
    n = int(os.environ.get("BENCH_DIE_ROWS", str(ROWS)))

    class EnterpriseResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="企业名称")
        industry = fields.Field(attribute="industry", column_name="行业类别")
        address = fields.Field(attribute="address", column_name="详细地址")
        legal_person = fields.Field(attribute="legal_person", column_name="企业法人或负责人")
        coordinates = fields.Field(attribute="coord_input", column_name="经纬度")

        class Meta:
            model = Enterprise
            fields = ("name", "industry", "address", "legal_person", "coordinates")
            import_id_fields = ("name",)

        def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
            lon, lat = instance.coord_input.split(", ")
            instance.longitude, instance.latitude = lon, lat
            instance.town = town
            instance.name_key = instance.name
            instance.licence_status = "unlicensed"
            instance.created_at = instance.updated_at = clock.now()

    t0 = time.perf_counter()
    raw = tablib.Dataset().load(SHEET.read_bytes(), format="xlsx", headers=False)
    header = list(raw[2])
    data = tablib.Dataset(headers=header)
    for row in raw[3 : 3 + n]:
        data.append(row)
    result = EnterpriseResource().import_data(data, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "rows": n, "totals": {k: v for k, v in result.totals.items() if v}}


def main() -> None:
    import django

    step = sys.argv[1]
    WORK.mkdir(parents=True, exist_ok=True)
    django.setup()
    result = globals()[f"step_{step}"]()
    result["peak_mb"] = _peak_mb()
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
