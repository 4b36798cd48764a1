"""The reporting app at 100,000 cases on PostgreSQL: the district workbook of a period, the campaign summary and a
town's submission, against the plain 附件2 export of the same cases measured in the same run.

Run by benchmarks/run.py (run_reporting): each step is its own process (`python -m benchmarks.reporting STEP [ARG]`),
so its peak memory (ru_maxrss) is its own. Steps print one JSON line.

The data is generated server-side (the services would take hours): 100,000 enterprises and cases over the 18 towns,
listed 6-40 days ago, their statuses spread over the workflow, and the status history (registry_casestatuschange)
each status implies: a case walks listed → stopped → remediating → awaiting_review (→ awaiting_signoff) → closed, a
step every few days after its listing, so the state on a past day (what the reports read) differs from today's.
"""

from __future__ import annotations

import io
import json
import os
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROWS = int(os.environ.get("BENCH_REPORTING_CASES", "100000"))
WORK = Path(os.environ.get("BENCH_WORK", "/tmp/slw-bench")) / "reporting"
WORKBOOK_OUT = WORK / "district.xlsx"
FLOOR_OUT = WORK / "floor_attachment2.xlsx"
# Half the 18 towns send their report (frozen); the other half is generated live from the records.
SUBMITTING = 9

# %(rows)s, %(campaign)s and %(today)s are filled in; %% is a literal percent sign.
GENERATE = """
INSERT INTO registry_enterprise (name, name_key, industry, address, town_id, village, longitude, latitude,
    coord_datum, coord_input, legal_person, phone, credit_code, licence_status, search_text, version,
    created_at, updated_at)
SELECT n.name, n.name, i.ind, t.name || '测试村' || (g %% 97) || '号', t.id, '测试村',
       119.70 + (g %% 5000) * 0.0001, 31.45 + (g %% 3700) * 0.0001, 'wgs84', '',
       p.person, '138' || lpad((g %% 100000000)::text, 8, '0'), '', 'unlicensed',
       lower(n.name || ' ' || t.name || '测试村' || (g %% 97) || '号 ' || p.person), 1, now(), now()
FROM generate_series(1, %(rows)s) AS g
CROSS JOIN LATERAL (SELECT (ARRAY['塑料造粒','金属表面处理','木材加工','废品回收','石材加工','印刷','家具喷漆','铸造'])[1 + g %% 8] AS ind) i
CROSS JOIN LATERAL (SELECT (ARRAY['王','李','张','刘','陈','杨','黄','赵','吴','周'])[1 + g %% 10]
                           || (ARRAY['建国','明','华','伟','强','军','平','东','海','林','勇'])[1 + (g / 10) %% 11]
                           || g AS person) p
CROSS JOIN LATERAL (SELECT p.person || i.ind || '作坊' AS name) n
JOIN (SELECT id, name, row_number() OVER (ORDER BY sort_order, id) - 1 AS k
      FROM accounts_orgunit WHERE kind = 'town') t ON t.k = g %% 18;

-- status by id: listed, stopped, remediating, awaiting_review, closed (1/5 each); steps = how far it walked.
CREATE TEMP TABLE bench_plan AS
SELECT e.id AS enterprise_id, e.town_id, e.search_text,
       (e.id %% 5)::int + CASE WHEN e.id %% 5 = 4 THEN 1 ELSE 0 END AS steps,
       6 + (e.id / 5 %% 35)::int AS days_ago
FROM registry_enterprise e;

INSERT INTO registry_case (enterprise_id, campaign_id, town_id, lookback_category, env_problems, safety_problems,
    other_problems, remediation_type, planned_completion, listed_on, status, progress_note, stage,
    responsible_person, closed_on, search_text, version, created_at, updated_at, created_by_id)
SELECT p.enterprise_id, %(campaign)s, p.town_id, 1 + p.enterprise_id %% 4, '废气直排',
       CASE WHEN p.enterprise_id %% 7 = 0 THEN '电线私拉乱接' ELSE '' END, '',
       CASE WHEN p.steps = 0 AND p.enterprise_id %% 2 = 0 THEN ''
            WHEN p.enterprise_id %% 3 = 0 THEN 'rectification' ELSE 'shutdown' END,
       DATE %(today)s - p.days_ago + 10 + (p.enterprise_id %% 50)::int,
       DATE %(today)s - p.days_ago,
       (ARRAY['listed','stopped','remediating','awaiting_review','awaiting_signoff','closed'])[1 + p.steps],
       '', '', '责任人' || (p.enterprise_id %% 50),
       CASE WHEN p.steps = 5 THEN DATE %(today)s - p.days_ago + 5 * ((p.days_ago - 1) / 5) END,
       p.search_text, 1, now(), now(), NULL
FROM bench_plan p;

-- One row per step, a step every (days_ago - 1) / steps days after the listing, at 10:00 in Shanghai.
INSERT INTO registry_casestatuschange (case_id, from_status, to_status, occurred_at, action, actor_name, note)
SELECT c.id, w.statuses[s], w.statuses[s + 1],
       ((c.listed_on + s * ((p.days_ago - 1) / p.steps))::timestamp + interval '10 hours')
           AT TIME ZONE 'Asia/Shanghai',
       w.actions[s], 'bench', ''
FROM registry_case c
JOIN bench_plan p ON p.enterprise_id = c.enterprise_id
CROSS JOIN (SELECT ARRAY['listed','stopped','remediating','awaiting_review','awaiting_signoff','closed'] AS statuses,
                   ARRAY['stop_production','start_remediation','submit_for_review','pass_review','approve_closure']
                       AS actions) w
CROSS JOIN LATERAL generate_series(1, p.steps) AS s
WHERE p.steps > 0;

DROP TABLE bench_plan;
"""

# The figures of every case as of the end of a day, counted straight from the tables (not through reporting.figures):
# the status is the last change's before the end, else the first later change's from-status, else today's.
STATES_AT = """
WITH c AS (SELECT id, town_id, status, planned_completion FROM registry_case
           WHERE campaign_id = %(campaign)s AND listed_on <= %(as_of)s),
last AS (SELECT DISTINCT ON (case_id) case_id, to_status FROM registry_casestatuschange
         WHERE occurred_at < %(end)s ORDER BY case_id, occurred_at DESC, id DESC),
nxt AS (SELECT DISTINCT ON (case_id) case_id, from_status FROM registry_casestatuschange
        WHERE occurred_at >= %(end)s ORDER BY case_id, occurred_at, id),
s AS (SELECT c.town_id, COALESCE(last.to_status, nxt.from_status, c.status) AS st, c.planned_completion AS planned,
             EXISTS (SELECT 1 FROM registry_casestatuschange r WHERE r.case_id = c.id AND r.occurred_at < %(end)s
                     AND r.from_status = 'closed' AND r.to_status <> 'closed') AS relapsed
      FROM c LEFT JOIN last ON last.case_id = c.id LEFT JOIN nxt ON nxt.case_id = c.id)
SELECT town_id, count(*), count(*) FILTER (WHERE st <> 'listed'), count(*) FILTER (WHERE st = 'remediating'),
       count(*) FILTER (WHERE st IN ('awaiting_review', 'awaiting_signoff')), count(*) FILTER (WHERE st = 'closed'),
       count(*) FILTER (WHERE st <> 'closed' AND planned < %(as_of)s),
       count(*) FILTER (WHERE relapsed)
FROM s GROUP BY town_id
"""
CHECKED = ["listed", "stopped", "remediating", "awaiting_review", "closed", "overdue", "relapsed"]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _campaign() -> Any:
    from sanluanwu.campaigns.models import Campaign

    return Campaign.objects.get()


def _period() -> Any:
    """The most recent period already due."""
    from sanluanwu.core import clock
    from sanluanwu.reporting.models import Period

    return Period.objects.filter(campaign=_campaign(), due_on__lt=clock.today()).order_by("-starts_on").first()


def _towns() -> list[Any]:
    from sanluanwu.accounts.models import OrgUnit

    return list(OrgUnit.objects.filter(kind="town").order_by("sort_order", "id"))


def submitting_towns() -> list[Any]:
    return _towns()[::2][:SUBMITTING]


def step_setup() -> dict[str, Any]:
    """Org units, campaign (with its periods and slots), the generated cases and history, a town manager per town."""
    from django.db import connection

    from sanluanwu.accounts.models import Membership, User
    from sanluanwu.core import clock
    from sanluanwu.demo.builder import build_campaign, build_org_units

    today = clock.today()
    build_org_units()
    campaign = build_campaign(today)
    t0 = time.perf_counter()
    sql = (GENERATE.replace("%(rows)s", str(ROWS)).replace("%(campaign)s", str(campaign.pk))
           .replace("%(today)s", f"'{today.isoformat()}'").replace("%%", "%"))  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql)
    generate_s = time.perf_counter() - t0
    for town in _towns():
        user = User.objects.create_user(f"bench_{town.code}", password="x", full_name=f"{town.short_name}管理员")
        Membership.objects.create(user=user, org_unit=town, role="town_manager")
    t1 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT count(*) FROM registry_case")
        cases = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM registry_casestatuschange")
        changes = cursor.fetchone()[0]
        cursor.execute("SELECT version()")
        pg = cursor.fetchone()[0].split(",")[0]
    period = _period()
    return {"seconds": generate_s, "vacuum_seconds": time.perf_counter() - t1, "cases": cases, "changes": changes,
            "today": today.isoformat(), "period": f"{period.label}（{period.span}，截止 {period.due_on:%m月%d日}）",
            "as_of": min(period.ends_on, today).isoformat(), "slots": period.slots.count(), "postgres": pg}  # fmt: skip


def step_submit(index: str) -> dict[str, Any]:
    """One town's submit_report for the period (its first version, or a correction when it has reported)."""
    from django.urls import reverse

    from sanluanwu.accounts.models import User
    from sanluanwu.reporting.services import submit_report

    town = submitting_towns()[int(index)]
    slot = _period().slots.get(unit=town)
    actor = User.objects.get(username=f"bench_{town.code}")
    reverse("reporting:slot", args=[slot.pk])  # the URLconf loaded, as in a serving process
    t0 = time.perf_counter()
    report = submit_report(actor=actor, slot=slot, filler="王填表", reviewer="李审核", phone="0519-86000000")
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "town": town.name, "rows": len(report.rows), "number": report.number,
            "bytes": report.size}  # fmt: skip


def step_workbook() -> dict[str, Any]:
    """The district workbook of the period, into memory as the page serves it (then kept on disk for the check)."""
    from sanluanwu.reporting.builders import district_workbook

    period = _period()
    buffer = io.BytesIO()
    t0 = time.perf_counter()
    district_workbook(period, buffer)
    seconds = time.perf_counter() - t0
    WORKBOOK_OUT.write_bytes(buffer.getvalue())
    return {"seconds": seconds, "bytes": len(buffer.getvalue())}


def step_summary() -> dict[str, Any]:
    """The campaign summary as of today (as the summary page reads it), its .docx and its .xlsx (as the view builds
    it: reporting/views.py summary_xlsx)."""
    from sanluanwu.core import clock
    from sanluanwu.reporting import documents, exports, queries
    from sanluanwu.reporting import summary as summary_data

    campaign = _campaign()
    as_of = min(campaign.ends_on, clock.today())
    t0 = time.perf_counter()
    data = summary_data.campaign_summary(campaign, as_of)
    t_data = time.perf_counter() - t0
    docx = documents.summary_docx(data)
    t_docx = time.perf_counter() - t0 - t_data
    t1 = time.perf_counter()
    header, rows = summary_data.table(data)
    buffer = io.BytesIO()
    enforcement = [[k, n, float(a)] for k, n, a in data.enforcement_kinds]
    periods = queries.periods_of(data.campaign).filter(due_on__lte=data.as_of)
    rates = queries.period_rates(periods)
    period_rows = [[p.label, p.due_on.isoformat(), r.expected, r.submitted, r.on_time, r.late, r.missing,
                    r.completeness, r.timeliness] for p in periods for r in [rates.get(p.pk, queries.Rates())]]  # fmt: skip
    exports.table_xlsx(buffer, title=f"{data.campaign.name}工作总结（截至{data.as_of:%Y-%m-%d}）", sheets=[
        ("各单位情况", header, rows),
        ("执法情况", ["执法类别", "件数", "罚款（元）"], enforcement),
        ("报送情况", ["报送期", "截止日期", "应报", "已报", "按时", "逾期", "未报", "完整率", "及时率"], period_rows),
    ])  # fmt: skip
    t_xlsx = time.perf_counter() - t1
    return {"seconds": time.perf_counter() - t0, "data_seconds": t_data, "docx_seconds": t_docx,
            "xlsx_seconds": t_xlsx, "found": data.district.values.get("found", 0), "docx_bytes": len(docx),
            "xlsx_bytes": len(buffer.getvalue())}  # fmt: skip


def step_floor() -> dict[str, Any]:
    """The peer: the plain district 附件2 export of every case as of today (query + rows + workbook)."""
    from sanluanwu.core import clock
    from sanluanwu.registry.exports import attachment2_rows, write_attachment2
    from sanluanwu.registry.models import Case

    today = clock.today()
    t0 = time.perf_counter()
    with FLOOR_OUT.open("wb") as out:
        n = write_attachment2(attachment2_rows(Case.objects.all(), as_of=today), out, unit_label="武进区", as_of=today)
    return {"seconds": time.perf_counter() - t0, "rows": n}


def step_parts() -> dict[str, Any]:
    """Where the workbook's time goes beyond the floor's: the live units' figures (this period's and the previous
    one's), their rows as of the period's end (status from the history) against the same rows as of today (no
    history read), and the frozen reports' rows decoded."""
    from sanluanwu.core import clock
    from sanluanwu.registry.exports import attachment2_rows
    from sanluanwu.registry.models import Case
    from sanluanwu.reporting import builders, exports, queries
    from sanluanwu.reporting.models import Report

    period = _period()
    as_of = queries.report_as_of(period)
    frozen = {t.pk for t in submitting_towns()}
    live = [t.pk for t in _towns() if t.pk not in frozen]
    cases = Case.objects.filter(campaign=period.campaign, town_id__in=live)
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    builders._unit_figures(period)
    previous = builders._previous_period(period)
    if previous is not None:
        builders._unit_figures(previous)
    out["figures_seconds"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    out["live_rows"] = sum(1 for _ in attachment2_rows(cases, as_of=as_of))
    out["history_rows_seconds"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    sum(1 for _ in attachment2_rows(cases, as_of=clock.today()))
    out["today_rows_seconds"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    reports = Report.objects.filter(slot__period=period).order_by("slot_id", "-number").distinct("slot_id")
    out["frozen_rows"] = sum(1 for r in reports.only("rows") for _ in exports.decode_rows(r.rows))
    out["frozen_rows_seconds"] = time.perf_counter() - t0
    out["seconds"] = sum(v for k, v in out.items() if k.endswith("_seconds"))
    return out


def step_check() -> dict[str, Any]:
    """The workbook's summary sheet (每单位小计 and 全区合计) against the case counts as of the period's end, counted
    from the tables directly."""
    from django.db import connection
    from openpyxl import load_workbook

    from sanluanwu.reporting import figures as fig
    from sanluanwu.reporting import queries
    from sanluanwu.reporting.choices import FIGURE_KEYS

    period = _period()
    as_of = queries.report_as_of(period)
    expected: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CHECKED, 0))
    names = {t.pk: t.name for t in _towns()}
    with connection.cursor() as cursor:
        cursor.execute(STATES_AT, {"campaign": period.campaign_id, "as_of": as_of, "end": fig.end_of(as_of)})
        for town_id, *counts in cursor.fetchall():
            expected[names[town_id]] = dict(zip(CHECKED, counts, strict=True))
            for key, value in zip(CHECKED, counts, strict=True):
                expected["全区"][key] += value
    wb = load_workbook(WORKBOOK_OUT, read_only=True)
    got: dict[str, dict[str, int]] = {}
    for row in wb["汇总"].iter_rows(min_row=4, values_only=True):
        if row[1] in ("小计", "合计"):
            got[str(row[0])] = {key: int(row[3 + 2 * i]) for i, key in enumerate(FIGURE_KEYS) if key in CHECKED}
    wb.close()
    mismatches = [f"{unit} {key}: workbook {got.get(unit, {}).get(key)} ≠ records {want[key]}"
                  for unit, want in sorted(expected.items()) for key in CHECKED
                  if got.get(unit, {}).get(key) != want[key]]  # fmt: skip
    mismatches += [f"{unit}: in the workbook only" for unit in got if unit not in expected]
    return {"matched": not mismatches, "units": len(got) - 1, "mismatches": mismatches[:20],
            "district": got.get("全区"), "as_of": as_of.isoformat()}  # fmt: skip


def step_profile(what: str, *args: str) -> dict[str, Any]:
    """cProfile of one measured step (not part of `make bench`): the top functions by cumulative time, to stderr."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    result = profiler.runcall(globals()[f"step_{what}"], *args)
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    return dict(result)


def main() -> None:
    import django

    step, *args = sys.argv[1:]
    WORK.mkdir(parents=True, exist_ok=True)
    django.setup()
    result = globals()[f"step_{step}"](*args)
    result["peak_mb"] = _peak_mb()
    print(json.dumps(result, default=str, ensure_ascii=False))


if __name__ == "__main__":
    main()
