"""Take a case through the remediation work, step by step, as the parties of 附件1 would, through the real services.
The demo builds its cases with it, and tests build their states with it."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from PIL import Image

from sanluanwu.core import clock
from sanluanwu.registry.models import Case
from sanluanwu.remediation import queries, services
from sanluanwu.remediation.choices import TWO_CUTS_THREE_CLEARS_CODES, TaskState

# How far a case gets, in order.
STAGES = ["listed", "stopped", "proposed", "confirmed", "half_done", "work_done", "awaiting_review",
          "awaiting_signoff", "closed"]  # fmt: skip


def site_photo(case: Case, *, seed: int, day: dt.date | None = None, offset_m: float = 0.0) -> bytes:
    """A distinct JPEG with EXIF time and GPS at the case's place (shifted by `offset_m` metres to the east)."""
    rng = random.Random(seed)
    # The noise drawn as bytes, in one call: three randrange() a pixel took a fifth of the demo's loading.
    img = Image.frombytes("RGB", (96, 72), rng.randbytes(96 * 72 * 3)).resize((480, 360), Image.Resampling.NEAREST)
    lon = float(case.enterprise.longitude or 119.96) + offset_m / 94_800
    lat = float(case.enterprise.latitude or 31.72)
    when = day or clock.today()

    def dms(v: float) -> tuple[float, float, float]:
        d = int(v)
        m = int((v - d) * 60)
        return (float(d), float(m), round(((v - d) * 60 - m) * 60, 4))

    exif = Image.Exif()
    exif[0x8769] = {36867: f"{when:%Y:%m:%d} 10:00:00"}
    exif[0x8825] = {1: "N", 2: dms(lat), 3: "E", 4: dms(lon)}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif, quality=80)
    return out.getvalue()


class Parties:
    """Who does what for a case: the town's manager and inspector (or the office), the lead departments, the owners."""

    def __init__(self, users: dict[str, Any], office: Any, second_office: Any | None = None):
        self.users, self.office, self.second_office = users, office, second_office

    def town(self, case: Case) -> Any:
        return self.users.get(case.town.code) or self.office

    def field(self, case: Case) -> Any:
        return self.users.get(f"{case.town.code}_xj") or self.town(case)

    def reviewer(self, case: Case, requester: Any) -> Any:
        for candidate in (self.town(case), self.office, self.second_office):
            if candidate is not None and candidate.pk != requester.pk:
                return candidate
        raise RuntimeError("no second person to review")

    def unit_user(self, unit_id: int) -> Any:
        from sanluanwu.accounts.models import Membership

        m = Membership.objects.filter(org_unit_id=unit_id).select_related("user").order_by("id").first()
        return m.user if m else None


def _type_reason(case: Case, rtype: str, *, illegal_land: bool) -> str:
    """The town's reason for the type, from the case's own facts (its licence, its problems, its land): one fixed text
    for every case contradicted half of them (helper-36: 关停取缔 "无证无照" for licensed workshops)."""
    licence = case.enterprise.licence_status
    problem = next((p.strip("。；; ") for p in (case.env_problems, case.safety_problems, case.other_problems) if p), "")
    problem = problem[:30] or "存在环境和安全隐患"
    if rtype == "shutdown":
        why = (
            "占用违法用地"
            if illegal_land
            else ("无营业执照" if licence == "unlicensed" else "不符合产业政策和规划布局")
        )
        return f"{why}，{problem}，不具备整改条件，依法关停取缔"
    papers = {"licensed": "已办理营业执照", "in_progress": "营业执照正在办理", "unlicensed": "营业执照限期补办"}[
        licence
    ]
    return f"{papers}，{problem}，可通过治理改造整改到位，具备治理改造条件"


def walk(case: Case, to: str, parties: Parties, *, rtype: str = "shutdown", seed: int = 0,
         at: Callable[[int], Any] | None = None, done_share: float = 0.5,
         water_permit: bool = False, illegal_land: bool = False) -> Case:  # fmt: skip
    """Take `case` from where it stands to stage `to` of STAGES. `at(n)` gives a clock context for step n (the demo
    spreads steps over past days); tests leave it None."""
    case.refresh_from_db()
    target = STAGES.index(to)
    start = {"listed": 0, "stopped": 1, "remediating": 3, "awaiting_review": 6, "awaiting_signoff": 7,
             "closed": 8}[case.status]  # fmt: skip
    if case.status == "stopped" and queries.current_classification(case) is not None:
        start = 2
    rng = random.Random(f"{seed}-{case.pk}-{start}")  # each call its own pictures: no accidental duplicates
    n = 0

    def moment() -> Any:
        nonlocal n
        n += 1
        return at(n) if at else _Null()

    def photo(day: dt.date | None = None) -> services.Upload:
        return services.Upload(
            site_photo(case, seed=rng.randrange(1 << 30), day=day), f"IMG_{rng.randrange(9999):04d}.jpg"
        )

    if start < 1 <= target:
        with moment():
            services.record_stop(actor=parties.field(case), case=case, stopped_on=clock.today(), ordered_by=case.town,
                                 document_no=f"{case.town.short_name}停字〔{clock.today().year}〕{case.pk}号", photos=[photo(clock.today())],
                                 note="现场责令停止生产，已张贴停产通知")  # fmt: skip
    if start < 2 <= target:
        with moment():
            planned = max(clock.today(), case.listed_on) + dt.timedelta(days=30)
            services.propose_type(actor=parties.town(case), case=case, remediation_type=rtype, planned_completion=planned,
                                  reason=_type_reason(case, rtype, illegal_land=illegal_land),
                                  holds_water_permit=water_permit, illegal_land=illegal_land,
                                  justification="各对象均为无证无照且位于禁止区域，经镇政府集体研究全部关停取缔")  # fmt: skip
    if start < 3 <= target:
        with moment():
            c = queries.current_classification(case)
            assert c is not None
            services.decide_type(actor=parties.unit_user(c.lead_unit_id), classification=c, confirm=True,
                                 note="同意")  # fmt: skip
    case.refresh_from_db()
    if start < 3 <= target and rtype != "shutdown":
        with moment():
            deadline = case.planned_completion or clock.today() + dt.timedelta(days=30)
            plan = services.save_plan(actor=parties.town(case), case=case, responsible=case.responsible_person,
                                      goal="废气、废水达标排放，消除安全隐患", measures="安装废气收集处理设施，规范危废贮存，完善消防设施",
                                      deadline=deadline, items=[
                                          {"category": "equipment", "text": "淘汰落后生产设备", "deadline": deadline},
                                          {"category": "pollution", "text": "安装活性炭吸附废气处理设施", "deadline": deadline},
                                          {"category": "safety", "text": "配齐消防器材，规范用电线路", "deadline": deadline}])  # fmt: skip
            services.submit_plan(actor=parties.town(case), plan=plan)
    if start < 6 and target >= 4:
        if case.remediation_type == "shutdown":
            tasks = list(
                case.tasks.filter(state=TaskState.OPEN, withdrawn_at=None).select_related("kind").order_by("id")
            )
            share = 1.0 if target >= 5 else done_share
            for task in tasks[: round(len(tasks) * share)]:
                with moment():
                    kind = task.kind
                    services.complete_task(
                        actor=parties.field(case) if task.owner_unit_id == case.town_id else parties.unit_user(task.owner_unit_id),
                        task=task, acted_on=clock.today(), note=f"已{kind.label}",
                        document_no=f"武{kind.code[:2].upper()}〔{clock.today().year}〕{task.pk}号" if kind.needs_document else "",
                        account_no=f"32041{task.pk:07d}" if kind.needs_meter else "",
                        final_reading=f"{rng.randint(100, 99999)}.{rng.randint(0, 99):02d}" if kind.needs_meter else None,
                        photos=[photo(clock.today())] if kind.needs_photo else [],
                    )  # fmt: skip
        else:
            latest = queries.latest_plan(case)
            assert latest is not None
            if latest.state == "submitted":
                with moment():
                    c = queries.confirmed_classification(case)
                    assert c is not None
                    services.decide_plan(
                        actor=parties.unit_user(c.lead_unit_id), plan=latest, approve=True, note="同意"
                    )
            open_items = list(latest.items.filter(state="open").order_by("id"))
            share = 1.0 if target >= 5 else done_share
            for item in open_items[: round(len(open_items) * share)]:
                with moment():
                    services.complete_plan_item(actor=parties.field(case), item=item, done_on=clock.today(),
                                                note="已按方案完成", photos=[photo(clock.today())])  # fmt: skip
    requester = None
    if start < 6 <= target:
        with moment():
            requester = parties.field(case)
            services.request_review(actor=requester, case=case)
    if start < 7 <= target:
        with moment():
            review = queries.open_review(case)
            assert review is not None
            reviewer = parties.reviewer(case, review.requested_by)
            today = clock.today()
            checked = queries.review_items(case)
            uploads = [services.Upload(site_photo(case, seed=rng.randrange(1 << 30), day=today), f"R_{code}.jpg", code,
                                       "after") for code, _l in checked if code in TWO_CUTS_THREE_CLEARS_CODES]  # fmt: skip
            services.record_review(actor=reviewer, review=review, reviewed_on=today,
                                   participants=f"{reviewer.display_name}（{case.town.name}）\n村干部（{case.enterprise.village or '所在村'}）",
                                   checks={code: (True, "") for code, _l in checked}, result="passed",
                                   reasons="逐项现场核查，达到要求", photos=uploads)  # fmt: skip
    if start < 8 <= target:
        with moment():
            review = case.reviews.order_by("-id").first()
            assert review is not None and review.signoff_unit_id is not None
            services.sign_off(
                actor=parties.unit_user(review.signoff_unit_id), review=review, sign=True, note="同意销号"
            )
    case.refresh_from_db()
    return case


class _Null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def localdate(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()
