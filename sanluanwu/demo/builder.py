"""A deterministic (seeded) demo of Wujin: org units, accounts, the 2020 campaign, 2018-2019 baseline and cases.

Business data goes through the services, like a user's would, so it carries audit events and obeys
every rule. The campaign keeps the 2020 plan's phases and rules but is dated so that today falls in
its remediation phase; the 2018-2019 baseline keeps its years.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from sanluanwu.accounts.choices import OrgUnitKind
from sanluanwu.accounts.models import Membership, OrgUnit, User
from sanluanwu.audit import memo
from sanluanwu.campaigns.choices import PhaseKind
from sanluanwu.campaigns.models import Campaign, Phase
from sanluanwu.core import clock, geo
from sanluanwu.demo import reference as ref
from sanluanwu.demo import walk
from sanluanwu.demo.reporting import build_reporting
from sanluanwu.lookback import services as lookback
from sanluanwu.lookback.models import Target
from sanluanwu.registry import rules, services
from sanluanwu.registry.choices import BaselineMethod, LicenceStatus, LookbackCategory, RemediationType
from sanluanwu.registry.models import Case, Enterprise
from sanluanwu.remediation import services as remediation
from sanluanwu.remediation.choices import BLANKET_SHUTDOWN_MIN, EnforcementKind
from sanluanwu.remediation.queries import blanket_status, current_classification, open_review, review_items
from sanluanwu.remediation.reference import ensure_reference
from sanluanwu.reporting import services as reporting_services

SIZES = {"full": (1500, 300), "small": (60, 30)}
# The checklist item whose problem answer leads to each category (see lookback/checklist.py).
_PROBLEM_ITEM = {1: "producing", 2: "facilities_running", 3: "new_operator", 4: "never_listed"}
CAMPAIGN_NAME = "“散乱污”企业（作坊）整治“回头看”百日专项行动"


@dataclass
class DemoSummary:
    org_units: int
    users: int
    enterprises: int
    cases: int


def build_org_units() -> dict[str, OrgUnit]:
    """The 附件1 units as data (an admin edits them later); idempotent by code."""
    specs: list[tuple[str, dict[str, Any]]] = []
    name, short, code, duty = ref.OFFICE
    specs.append((code, {"name": name, "short_name": short, "kind": OrgUnitKind.OFFICE, "duty": duty}))
    for i, (name, short, code, town_type, lon, lat, half, managed, _w) in enumerate(ref.TOWNS):
        bbox = [round(lon - half, 4), round(lat - half * 0.85, 4), round(lon + half, 4), round(lat + half * 0.85, 4)]
        specs.append((code, {"name": name, "short_name": short, "kind": OrgUnitKind.TOWN, "town_type": town_type,
                             "duty": ref.TOWN_DUTY, "managed_by": managed, "sort_order": i,
                             "boundary": {"bbox": bbox}}))  # fmt: skip
    for i, (name, short, code, duty) in enumerate(ref.DEPARTMENTS):
        specs.append((code, {"name": name, "short_name": short, "kind": OrgUnitKind.DEPARTMENT, "duty": duty,
                             "sort_order": i}))  # fmt: skip
    for i, (name, short, code, duty) in enumerate(ref.UTILITIES):
        specs.append((code, {"name": name, "short_name": short, "kind": OrgUnitKind.UTILITY, "duty": duty,
                             "sort_order": i}))  # fmt: skip
    district_fields = {"name": ref.DISTRICT_NAME, "short_name": "武进", "kind": OrgUnitKind.DISTRICT, "parent": None,
                       "boundary": ref.DISTRICT_BOUNDARY}  # fmt: skip
    units: dict[str, OrgUnit] = {}
    if not OrgUnit.objects.exists():
        # A new district (every test's `district`, a fresh demo): two inserts instead of an upsert per unit.
        district = units["wujin"] = OrgUnit.objects.create(code="wujin", **district_fields)
        made = OrgUnit.objects.bulk_create([OrgUnit(code=code, parent=district, **fields) for code, fields in specs])
        units.update({unit.code: unit for unit in made})
        memo.bump("accounts")  # bulk_create sends no post_save: this process's remembered units are not used again
    else:
        district, _ = OrgUnit.objects.update_or_create(code="wujin", defaults=district_fields)
        units["wujin"] = district
        for code, fields in specs:
            units[code], _ = OrgUnit.objects.update_or_create(code=code, defaults={**fields, "parent": district})
    ensure_reference(units)  # 附件1's duties: lead departments and the tasks of a shutdown
    return units


def build_accounts(units: dict[str, OrgUnit], password: str) -> dict[str, User]:
    """The demo accounts; the admin roles get their group (三员分立, accounts.admin_groups), none is a superuser."""
    from sanluanwu.accounts.admin_groups import STAFF_ROLES, sync_admin_groups

    groups = sync_admin_groups()
    users: dict[str, User] = {}
    hashed = make_password(password)
    for username, full_name, role, code in ref.DEMO_ACCOUNTS:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                "password": hashed,
                "demo_account": True,
                "must_change_password": False,
                "password_changed_at": clock.now(),
                "is_active": True,
                "is_staff": role in STAFF_ROLES,
                "is_superuser": False,
            },
        )
        Membership.objects.get_or_create(user=user, org_unit=units[code], role=role)
        if role in groups:
            user.groups.set([groups[role]])
        users[username] = user
    return users


def build_campaign(today: dt.date) -> Campaign:
    """The 2020 plan's four phases, shifted so today is 20 days into the remediation phase."""
    remediation_start = today - dt.timedelta(days=20)
    survey_start = remediation_start - dt.timedelta(days=30)
    mobilisation_start = survey_start - dt.timedelta(days=10)
    review_start = remediation_start + dt.timedelta(days=40)
    end = review_start + dt.timedelta(days=10)
    campaign, _ = Campaign.objects.update_or_create(
        name=CAMPAIGN_NAME,
        defaults={
            "document_no": "武进区“散乱污”企业（作坊）整治“回头看”百日专项行动实施方案（2020年6月8日印发）",
            "issued_on": mobilisation_start - dt.timedelta(days=1),
            "starts_on": mobilisation_start,
            "ends_on": end,
            "is_active": True,
        },
    )
    phases = [
        (
            PhaseKind.MOBILISATION,
            mobilisation_start,
            survey_start - dt.timedelta(days=1),
            "各镇、开发区动员部署，结合实际制定相应工作方案",
        ),
        (
            PhaseKind.SURVEY,
            survey_start,
            remediation_start - dt.timedelta(days=1),
            "对2018-2019年完成整治的企业（作坊）逐企开展“回头看”，对辖区再次排查，明确整治类型，逐企制定整治方案",
        ),
        (
            PhaseKind.REMEDIATION,
            remediation_start,
            review_start - dt.timedelta(days=1),
            "按照整治类型及整治方案分类整治，对整治结果进行现场审核，建立台账资料",
        ),
        (PhaseKind.REVIEW, review_start, end, "汇总分析，总结经验做法，形成长效机制"),
    ]
    for kind, start, stop, text in phases:
        Phase.objects.update_or_create(
            campaign=campaign, kind=kind, defaults={"starts_on": start, "ends_on": stop, "description": text}
        )
    # Every town and department takes part; the district is the one of the units (附件1).
    units = OrgUnit.objects.filter(kind__in=[OrgUnitKind.TOWN, OrgUnitKind.DEPARTMENT], is_active=True)
    campaign.participants.set(list(units))
    campaign.district = OrgUnit.objects.filter(kind=OrgUnitKind.DISTRICT).first()
    campaign.save(update_fields=["district"])
    reporting_services.sync_periods(campaign=campaign, today=today)
    return campaign


class _Names:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def person(self) -> str:
        return self.rng.choice(ref.SURNAMES) + "".join(self.rng.sample(ref.GIVEN, self.rng.choice([1, 2])))

    def unique(self, make: Any) -> str:
        for _ in range(200):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name  # type: ignore[no-any-return]
        raise RuntimeError("could not find a unique demo name")


def _credit_code(rng: random.Random) -> str:
    body = "91320412" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + rules.uscc_check_char(body)


def _point_in(town: tuple[Any, ...], rng: random.Random) -> tuple[float, float]:
    _n, _s, _c, _t, lon, lat, half, _m, _w = town
    return lon + rng.uniform(-half, half) * 0.85, lat + rng.uniform(-half, half) * 0.7


def _enterprise_input(
    rng: random.Random,
    names: _Names,
    town_row: tuple[Any, ...],
    town: OrgUnit,
    point: tuple[float, float] | None = None,
) -> services.EnterpriseInput:
    industry = rng.choice(ref.INDUSTRIES)
    licensed = rng.random() < 0.45
    person = names.person()
    if licensed:
        suffix = ref.COMPANY_SUFFIX.get(industry, industry)
        name = names.unique(
            lambda: (
                f"常州市武进区{town.short_name}{rng.choice(ref.COMPANY_WORDS)}{suffix}有限公司"
                if rng.random() < 0.6
                else f"常州{rng.choice(ref.COMPANY_WORDS)}{suffix}厂"
            )
        )
        status = LicenceStatus.LICENSED
    else:
        while True:
            person = names.person()
            candidate = rules.compose_workshop_name(person, industry, rng.choice(["作坊", "作坊", "个体户"]))
            if candidate not in names.used:
                names.used.add(candidate)
                name = candidate
                break
        status = rng.choice([LicenceStatus.UNLICENSED, LicenceStatus.UNLICENSED, LicenceStatus.IN_PROGRESS])
    lon, lat = point or _point_in(town_row, rng)
    village = rng.choice(ref.VILLAGES)
    return services.EnterpriseInput(
        name=name,
        industry=industry,
        town=town,
        legal_person=person,
        licence_status=status,
        address=f"{town.name}{village}{rng.choice(ref.ROADS)}{rng.randint(1, 399)}号",
        village=village,
        coordinates=f"{lon:.6f}, {lat:.6f}",
        coord_datum=geo.DATUM_WGS84,
        phone=f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
        credit_code=_credit_code(rng) if licensed else "",
    )


def _moment(rng: random.Random, day: dt.date, hour: int) -> dt.datetime:
    """A working-day moment on `day`, from `hour` o'clock (later steps of one day come later), district time."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(min(hour, 17), rng.randint(0, 59))))


def _step_moment(rng: random.Random, first: dt.date, days: int, last: dt.date) -> dt.datetime:
    """The moment of a case's step `days` after `first`, never past `last`: steps squeezed onto the last day keep
    their order (10:00 plus the step's days in minutes), so the status history reads in the order the work was done."""
    moment = _moment(rng, first + dt.timedelta(days=days), 10)  # drawn either way: the demo stays the same for a seed
    if first + dt.timedelta(days=days) < last:
        return moment
    return timezone.make_aware(dt.datetime.combine(last, dt.time(10, 0))) + dt.timedelta(minutes=min(days, 400))


# Cases every demo account finds work in on its first login, whatever the random draw gave: (town, stage, type,
# licensed, holds a water permit, illegal land, days ago the work began). Begun 25 days ago, a shutdown's tasks
# (due in 10 days) are overdue; begun 4 days ago, they are open and in time; a rectification begun 44 days ago is past
# its deadline.
_SHOWCASE = [
    ("hutang", "listed", "shutdown", False, False, False, 3),
    ("hutang", "stopped", "shutdown", False, False, False, 5),
    ("hutang", "proposed", "shutdown", False, False, False, 6),
    ("niutang", "proposed", "rectification", True, False, False, 6),
    ("hutang", "confirmed", "shutdown", True, True, True, 25),
    ("niutang", "confirmed", "shutdown", False, False, False, 4),
    ("hutang", "confirmed", "rectification", True, False, False, 8),
    ("hutang", "plan_to_draft", "rectification", True, False, False, 7),
    ("hutang", "work_done", "shutdown", False, False, False, 20),
    ("hutang", "awaiting_review", "shutdown", False, False, False, 22),
    ("niutang", "awaiting_signoff", "rectification", True, False, False, 30),
    ("hutang", "awaiting_signoff", "shutdown", False, False, False, 28),
    ("hutang", "closed", "shutdown", True, False, False, 35),
    ("hutang", "half_done", "rectification", True, False, False, 44),
    ("niutang", "review_failed", "shutdown", False, False, False, 26),  # the water cut not confirmed on site
    (
        "niutang",
        "withdrawn",
        "shutdown",
        False,
        False,
        False,
        2,
    ),  # listed twice by mistake (误列): withdrawn, not deleted
]


def _showcase(rng: random.Random, names: _Names, units: dict[str, OrgUnit], users: dict[str, Any], parties: Any,
              campaign: Campaign, earliest: dt.date, today: dt.date) -> None:  # fmt: skip
    rows = {row[2]: row for row in ref.TOWNS}
    made: dict[tuple[str, str, str], Case] = {}
    for n, (code, stage, rtype, licensed, permit, land, days) in enumerate(_SHOWCASE):
        data = _enterprise_input(rng, names, rows[code], units[code])
        for _ in range(50):  # the draw decides licensed or not: draw again until it is what this case needs
            if (data.licence_status == LicenceStatus.LICENSED) == licensed:
                break
            data = _enterprise_input(rng, names, rows[code], units[code])
        listed_on = max(earliest, today - dt.timedelta(days=days))
        with clock.at(_moment(rng, listed_on, 9)):
            case = services.create_case(
                actor=users.get(code, users["office"]), enterprise_data=data, acknowledge_warnings=True,
                case_data=services.CaseInput(lookback_category=LookbackCategory.NEVER_LISTED, listed_on=listed_on,
                                             responsible_person=names.person(), env_problems=rng.choice(ref.ENV_PROBLEMS),
                                             campaign=campaign),
            )  # fmt: skip

        def at(step: int, listed_on: dt.date = listed_on) -> Any:
            return clock.at(_step_moment(rng, listed_on, step, today - dt.timedelta(days=1)))

        if stage == "plan_to_draft":  # confirmed, and the town has its plan to write
            walk.walk(case, "proposed", parties, rtype=rtype, seed=9000 + n, at=at)
            proposed = current_classification(case)
            assert proposed is not None
            with at(3):
                remediation.decide_type(actor=users["sthjj"], classification=proposed,
                                        confirm=True, note="同意治理改造，请尽快编制整改方案")  # fmt: skip
            continue
        if stage == "review_failed":  # back to the water company, with the reviewer's reasons on its task
            walked = walk.walk(case, "awaiting_review", parties, rtype=rtype, seed=9000 + n, at=at)
            checks = {code: (code != "water_cut", "水表未拆除，仍有用水读数" if code == "water_cut" else "")
                      for code, _label in review_items(walked)}  # fmt: skip
            review = open_review(walked)
            assert review is not None
            with at(24):
                remediation.record_review(actor=users["office"], review=review, reviewed_on=clock.today(),
                                          participants="区散乱污办、牛塘镇", checks=checks,
                                          result="failed", reasons="断水未落实：现场水表未拆除，须水务公司重新断水后再申请审核")  # fmt: skip
            continue
        if stage == "withdrawn":
            with at(1):
                services.transition_case(actor=users.get(code, users["office"]), case=case, action="withdraw",
                                         note="与本镇已列入的同一作坊重复登记，撤销误列")  # fmt: skip
            continue
        made[(code, stage, rtype)] = walk.walk(case, stage, parties, rtype=rtype, seed=9000 + n, at=at,
                                               done_share=0.4, water_permit=permit, illegal_land=land)  # fmt: skip
    # 从严执法: a fine by 生态环境局 on a rectification it leads, an order to stop by 工信局 on a shutdown.
    with clock.at(_moment(rng, today - dt.timedelta(days=2), 15)):
        remediation.record_enforcement(actor=users["sthjj"], case=made[("niutang", "awaiting_signoff", "rectification")],
                                       kind=EnforcementKind.FINE, legal_basis="《中华人民共和国大气污染防治法》第九十九条",
                                       document_no=f"武环罚字〔{today.year}〕36号", decided_on=today - dt.timedelta(days=2),
                                       amount="50000", note="未批先建、废气未经处理排放")  # fmt: skip
        remediation.record_enforcement(actor=users["gxj"], case=made[("hutang", "confirmed", "shutdown")],
                                       kind=EnforcementKind.ORDER_STOP, legal_basis="《江苏省大气污染防治条例》第七十八条",
                                       document_no=f"武工信责字〔{today.year}〕12号", decided_on=today - dt.timedelta(days=2))  # fmt: skip
    # 一刀切: a small town that put every case it classified into shutdown (it had to say why, on the record).
    for row in sorted(ref.TOWNS, key=lambda r: r[8]):
        town = units[row[2]]
        n, all_shut, _justified = blanket_status(town.pk, campaign.pk)  # the first town that is still all shutdowns
        if row[2] not in ("hutang", "niutang") and (n == 0 or all_shut):
            break
    for k in range(BLANKET_SHUTDOWN_MIN):
        data = _enterprise_input(rng, names, row, town)
        listed_on = max(earliest, today - dt.timedelta(days=12))
        with clock.at(_moment(rng, listed_on, 9)):
            case = services.create_case(
                actor=users["office"], enterprise_data=data, acknowledge_warnings=True,
                case_data=services.CaseInput(lookback_category=LookbackCategory.NEVER_LISTED, listed_on=listed_on,
                                             responsible_person=names.person(), env_problems=rng.choice(ref.ENV_PROBLEMS),
                                             campaign=campaign),
            )  # fmt: skip

        def later(step: int, listed_on: dt.date = listed_on) -> Any:
            return clock.at(_step_moment(rng, listed_on, step, today - dt.timedelta(days=1)))

        walk.walk(case, "confirmed", parties, rtype="shutdown", seed=9500 + k, at=later)


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max((end - start).days, 0)))


# (status target, share) and the transitions that reach it from "listed".
# How far each demo case has got in the remediation work (demo.walk.STAGES), and how often.
_PATHS = [("listed", 0.08), ("stopped", 0.08), ("proposed", 0.12), ("confirmed", 0.14), ("half_done", 0.18),
          ("work_done", 0.08), ("awaiting_review", 0.08), ("awaiting_signoff", 0.08), ("closed", 0.16)]  # fmt: skip


def _inspect(actor: Any, place: Target, *, problem: str | None, link: Enterprise | None) -> None:
    """A submitted look-back inspection: every item clear except `problem`."""
    items = lookback.applicable_items(place)
    answers = {i.code: ("yes" if i.problem_if == "no" else "no") for i in items}
    if problem and problem in answers:
        answers[problem] = next(i.problem_if for i in items if i.code == problem)
    inspection = lookback.start_inspection(actor=actor, target=place)
    lon = float(place.longitude) if place.longitude is not None else None
    lat = float(place.latitude) if place.latitude is not None else None
    data = lookback.InspectionInput(answers=answers, inspectors=actor.display_name, longitude=lon, latitude=lat,
                                    accuracy_m=10.0)  # fmt: skip
    lookback.submit_inspection(actor=actor, inspection=inspection, data=data, link_enterprise=link)


def build_demo(*, size: str = "full", seed: int = 2020, password: str | None = None) -> DemoSummary:
    """Build the whole demo district in one transaction."""
    n_enterprises, n_cases = SIZES[size]
    rng = random.Random(seed)
    today = clock.today()
    with transaction.atomic():
        units = build_org_units()
        users = build_accounts(units, password or settings.DEMO_PASSWORD)
        campaign = build_campaign(today)
        office = users["office"]
        parties = walk.Parties(users, office, users.get("office2"))
        names = _Names(rng)
        weights = [row[8] for row in ref.TOWNS]
        survey = campaign.phases.get(kind=PhaseKind.SURVEY)

        baseline: list[tuple[Enterprise, str, tuple[Any, ...]]] = []
        for _ in range(n_enterprises):
            row = rng.choices(ref.TOWNS, weights=weights)[0]
            town = units[row[2]]
            enterprise = services.create_enterprise(
                actor=office, data=_enterprise_input(rng, names, row, town), acknowledge_warnings=True
            )
            method = rng.choices(
                [BaselineMethod.SHUTDOWN, BaselineMethod.RECTIFICATION, BaselineMethod.RELOCATION], weights=[55, 35, 10]
            )[0]
            written = {
                BaselineMethod.SHUTDOWN: rng.choice(["关停取缔", "取缔", "关停"]),
                BaselineMethod.RECTIFICATION: rng.choice(["治理改造", "整治提升", "升级改造"]),
                BaselineMethod.RELOCATION: "整合搬迁",
            }[method]
            services.record_baseline(
                actor=office,
                enterprise=enterprise,
                method=method,
                method_text=written,
                completed_on=_date_between(rng, dt.date(2018, 4, 1), dt.date(2019, 12, 20)),
            )
            baseline.append((enterprise, method, row))

        for row in ref.TOWNS:
            lookback.generate_targets(actor=office, campaign=campaign, town=units[row[2]])
        targets = {t.enterprise_id: t for t in Target.objects.filter(campaign=campaign, enterprise__isnull=False)}

        shut = [b for b in baseline if b[1] == BaselineMethod.SHUTDOWN]
        rectified = [b for b in baseline if b[1] == BaselineMethod.RECTIFICATION]
        rng.shuffle(shut)
        rng.shuffle(rectified)
        for _ in range(n_cases - len(_SHOWCASE) - BLANKET_SHUTDOWN_MIN):  # the showcase cases make up the rest
            category = rng.choices([1, 2, 3, 4], weights=[35, 25, 15, 25])[0]
            existing: Enterprise | None = None
            enterprise_data = None
            if category == LookbackCategory.RESUMED and shut:
                existing = shut.pop()[0]
            elif category == LookbackCategory.RELAPSED and rectified:
                existing = rectified.pop()[0]
            elif category == LookbackCategory.NEW_IN_VACANT and shut:
                old, _m, row = shut.pop()
                near = (
                    float(old.longitude or 0) + rng.uniform(-0.0001, 0.0001),
                    float(old.latitude or 0) + rng.uniform(-0.0001, 0.0001),
                )
                enterprise_data = _enterprise_input(rng, names, row, old.town, near)
                enterprise_data.address, enterprise_data.village = old.address, old.village
            else:
                category = LookbackCategory.NEVER_LISTED
                row = rng.choices(ref.TOWNS, weights=weights)[0]
                enterprise_data = _enterprise_input(rng, names, row, units[row[2]])
            path = rng.choices([p for p, _ in _PATHS], weights=[w for _, w in _PATHS])[0]
            listed_on = _date_between(rng, survey.starts_on, today - dt.timedelta(days=3))
            overdue = rng.random() < 0.2 and walk.STAGES.index(path) < 5
            if overdue:
                planned = _date_between(rng, listed_on, today - dt.timedelta(days=1))
            else:
                planned = _date_between(rng, max(listed_on, today) + dt.timedelta(days=5), campaign.ends_on)
            if category == LookbackCategory.RESUMED:
                rtype = RemediationType.SHUTDOWN
            elif category == LookbackCategory.RELAPSED:
                rtype = rng.choice([RemediationType.RECTIFICATION] * 3 + [RemediationType.SHUTDOWN])
            else:
                rtype = rng.choice([RemediationType.SHUTDOWN, RemediationType.RECTIFICATION])
            undecided = path == "listed" and rng.random() < 0.4
            case_data = services.CaseInput(
                lookback_category=category,
                responsible_person=names.person(),
                env_problems=rng.choice(ref.ENV_PROBLEMS) if rng.random() < 0.85 else "",
                safety_problems=rng.choice(ref.SAFETY_PROBLEMS) if rng.random() < 0.5 else "",
                other_problems=rng.choice(ref.OTHER_PROBLEMS) if rng.random() < 0.35 else "",
                remediation_type="" if undecided else rtype,
                planned_completion=None if undecided else planned,
                listed_on=listed_on,
                campaign=campaign,
            )
            town_code = (existing.town if existing else enterprise_data.town).code  # type: ignore[union-attr]
            actor = users.get(town_code, office)
            # Written through the services at the moments they would have happened: listed (and inspected) on its
            # listing day, each later step on a later day, so the history and an as-of export read like a campaign.
            with clock.at(_moment(rng, listed_on, 9)):
                case = services.create_case(
                    actor=actor,
                    enterprise=existing,
                    enterprise_data=enterprise_data,
                    case_data=case_data,
                    acknowledge_warnings=True,
                )
                # The look-back inspection that found it (the case is already open, so the inspection links to it).
                place = targets.get(existing.pk) if existing else (targets.get(old.pk) if category == 3 else None)
                if place is not None and place.status == "to_do":
                    _inspect(actor, place, problem=_PROBLEM_ITEM[category], link=case.enterprise)
            # The remediation work, each step a day or so after the one before, never past yesterday.
            gap = rng.choice([1, 1, 2, 3])
            last_day = today - dt.timedelta(days=1)

            def at(n: int, listed_on: dt.date = listed_on, gap: int = gap, last_day: dt.date = last_day) -> Any:
                return clock.at(_step_moment(rng, listed_on, n * gap, last_day))

            case = walk.walk(case, path, parties, rtype=rtype, seed=rng.randrange(1 << 30), at=at,
                             done_share=rng.choice([0.2, 0.4, 0.6]), water_permit=rng.random() < 0.15,
                             illegal_land=rng.random() < 0.15)  # fmt: skip
        _showcase(rng, names, units, users, parties, campaign, survey.starts_on, today)
        # Clean inspections for a share of the other places, key places, and a work list for hutang_xj.
        # Each on a day from the survey's start to yesterday (not all at the minute the demo was loaded), by the town's
        # own account where the demo has one; its moment drawn apart from `rng`: the rest stays what the seed gives.
        yesterday = today - dt.timedelta(days=1)
        for place in Target.objects.filter(campaign=campaign, status="to_do").order_by("id"):
            if rng.random() < 0.35:
                when = random.Random(place.pk)
                day = survey.starts_on + dt.timedelta(days=when.randint(0, max(0, (yesterday - survey.starts_on).days)))
                with clock.at(_moment(when, min(day, yesterday), when.randint(8, 16))):
                    _inspect(users.get(place.town.code, office), place, problem=None, link=None)
        for row in ref.TOWNS[:6]:
            town = units[row[2]]
            for kind, label in (("abandoned_factory", "原纺织厂废弃厂房"), ("rental", "出租房"), ("farm", "养殖场")):
                lon, lat = _point_in(row, rng)
                village = rng.choice(ref.VILLAGES)
                lookback.add_place(actor=office, campaign=campaign, town=town, kind=kind, name=f"{village}{label}",
                                   address=f"{town.name}{village}{rng.randint(1, 200)}号", village=village,
                                   coordinates=f"{lon:.6f}, {lat:.6f}")  # fmt: skip
        open_hutang = list(Target.objects.filter(campaign=campaign, town=units["hutang"], status="to_do")[:15])
        lookback.assign_targets(actor=users["hutang"], targets=open_hutang, inspector=users["hutang_xj"])
        build_reporting(rng, campaign, users, office, today)
    return DemoSummary(
        org_units=OrgUnit.objects.count(),
        users=User.objects.count(),
        enterprises=Enterprise.objects.count(),
        cases=Case.objects.count(),
    )
