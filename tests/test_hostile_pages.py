"""The hostile corpus through every form of every page that takes a POST.

Each page is opened as the person who works with it, in the state it is used in (a case walked to the step, a draft
inspection, a brief, a lockout, …), and its forms are read from the HTML as a browser reads them
(tests/hostile_forms.py): every text field is tried alone with NUL, control and bidi characters and a text longer than
any limit, and all of a form's text fields at once with each markup, SQL, template and formula text (alone again, field
by field, when the form refuses them together); every number field with non-finite and huge numbers; every date field
with absurd dates; every upload field with the hostile files. Each answer is a refusal the page says (4xx, or the form
again with its error) or a stored record shown escaped; never a 500. Each try runs in a savepoint rolled back after it,
so every try meets the same state. A page that takes a POST and is not walked here fails
test_every_page_that_takes_a_post_is_walked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from conftest import make_case, make_user, walk_case
from sanluanwu.accounts.models import Membership, OrgUnit
from sanluanwu.core import clock
from tests import hostile
from tests.hostile_forms import LONG_TEXT, OTHER_VALUES, TOGETHER_TEXTS, Form, forms_of

CJK = re.compile(r"[\u4e00-\u9fff]")
# An error the page says: a form's field errors, the error block of a hand-written form, a message, the 400 page.
SAID = re.compile(r'role="alert"|class="errors|class="field-errors|class="messages|errorlist|class="error', re.S)
# A Django form's field with its error (templates/includes/field.html).
NAMED = re.compile(r'class="field[^"]*has-error[^"]*"\s+id="field-([\w-]+)"')
# Absurd dates for <input type=date|month|datetime-local> (the browser's picker is no guard: a client sends anything).
ABSURD_DATES = ["0001-01-01", "9999-12-31", "10000-01-01", "2020-02-30", "-2020-01-01", "1e309", "２０２０-０７-２０",
                "2020-07-20\x00", "99999-12", "2020-13"]  # fmt: skip
ABSURD_DATETIMES = ["0001-01-01T00:00", "9999-12-31T23:59", "10000-01-01T00:00", "2020-02-30T10:00", "1e309",
                    "2020-07-20T10:00\x00"]  # fmt: skip


@dataclass
class World:
    """The records a page needs, built through the services on first use (each test builds only its own)."""

    request: Any
    cache: dict[str, Any] = field(default_factory=dict)

    def user(self, name: str) -> Any:
        return self.request.getfixturevalue(name)

    def once(self, key: str, build: Callable[[], Any]) -> Any:
        """A record built on first use and kept (a page's address and the pages showing it name the same one)."""
        if key not in self.cache:
            self.cache[key] = build()
        return self.cache[key]

    def district(self) -> dict[str, OrgUnit]:
        return self.user("district")

    def case(self, stage: str = "listed", rtype: str = "shutdown") -> Any:
        key = f"case-{stage}-{rtype}"
        if key not in self.cache:
            alice = self.user("alice")
            self.user("ada"), self.user("dora"), self.user("uma"), self.user("office"), self.user("campaign")
            n = len(self.cache)
            case = make_case(alice, self.district()["hutang"], name=f"{'张王李赵孙周吴郑'[n % 8]}三塑料造粒作坊",
                             legal_person=f"{'张王李赵孙周吴郑'[n % 8]}三",
                             case={"planned_completion": clock.today() + dt.timedelta(days=30)})  # fmt: skip
            self.cache[key] = walk_case(case, stage, rtype=rtype) if stage != "listed" else case
        return self.cache[key]

    def unit_user(self, unit_id: int) -> Any:
        m = Membership.objects.filter(org_unit_id=unit_id).select_related("user").order_by("id").first()
        assert m is not None
        return m.user

    def target(self) -> Any:
        if "target" not in self.cache:
            from sanluanwu.lookback.tests.conftest import baseline_target

            self.cache["target"] = baseline_target(
                self.user("alice"), self.user("campaign"), self.district()["hutang"], "shutdown",
                name="李四木材加工作坊", legal_person="李四", phone="13900002222", coordinates="119.9660, 31.7260",
            )  # fmt: skip
        return self.cache["target"]

    def inspection(self, submitted: bool = False) -> Any:
        from sanluanwu.lookback import services as lookback

        key = f"inspection-{submitted}"
        if key not in self.cache:
            target = self.target()
            lookback.assign_targets(actor=self.user("alice"), targets=[target], inspector=self.user("ada"))
            insp = lookback.start_inspection(actor=self.user("ada"), target=target)
            if submitted:
                from sanluanwu.lookback.tests.test_api import ALL_CLEAR_SHUT

                data = lookback.draft_input(insp)
                data.answers = dict(ALL_CLEAR_SHUT)
                data.inspectors = "李、王"
                insp = lookback.submit_inspection(actor=self.user("ada"), inspection=insp, data=data)
            self.cache[key] = insp
        return self.cache[key]


@dataclass
class Page:
    """A page with forms: who opens it, its address in the world, pages showing what it stores, and values of
    its baseline a browser would have filled in (a required field the page leaves empty). `walks`: the routes (URL
    names) of other pages whose forms this page shows, checked to be on it and counted as walked by
    test_every_page_that_takes_a_post_is_walked; `only`: walk just those forms (the page's own forms have an entry
    of their own)."""

    persona: Callable[[World], Any]
    url: Callable[[World], str]
    shows: Callable[[World], list[str]] = lambda w: []
    fill: Callable[[World], dict[str, Any]] = lambda w: {}
    anonymous: bool = False
    walks: tuple[str, ...] = ()
    only: bool = False


def _alice(w: World) -> Any:
    return w.user("alice")


def _office(w: World) -> Any:
    return w.user("office")


def _lead(w: World, stage: str, rtype: str) -> Any:
    from sanluanwu.remediation import queries

    c = queries.current_classification(w.case(stage, rtype))
    assert c is not None
    return w.unit_user(c.lead_unit_id)


def _unplanned(w: World) -> Any:
    """A case the lead department has just confirmed for rectification: its plan is to be written."""
    from sanluanwu.remediation import queries, services

    case = w.case("proposed", "rectification")
    c = queries.current_classification(case)
    if c is not None and not c.decided_at:
        services.decide_type(actor=w.user("dora"), classification=c, confirm=True, note="同意")
    return case


def _task(w: World) -> Any:
    case = w.case("confirmed")
    return case.tasks.filter(owner_unit=w.district()["gongdian"]).get()


def _plan(w: World, stage: str) -> Any:
    from sanluanwu.remediation import queries

    plan = queries.latest_plan(w.case(stage, "rectification"))
    assert plan is not None
    return plan


def _review(w: World, stage: str) -> Any:
    return w.case(stage).reviews.order_by("-id").first()


def _period(w: World) -> Any:
    from sanluanwu.reporting.models import Period

    return Period.objects.filter(campaign=w.user("campaign"), due_on__gt=clock.today()).order_by("starts_on").first()


def _slot(w: World) -> Any:
    from sanluanwu.reporting.models import Slot

    return Slot.objects.filter(period=_period(w), unit=w.district()["hutang"]).get()


def _brief(w: World) -> Any:
    from sanluanwu.reporting import services as reporting

    return reporting.save_brief(actor=w.user("alice"), campaign=w.user("campaign"), unit=w.district()["hutang"],
                                month=clock.today().replace(day=1), title="湖塘镇整治简讯", text="本月关停3家")  # fmt: skip


def _clash(w: World) -> Any:
    from sanluanwu.registry.models import CreditCodeClash

    w.user("campaign")
    make_case(w.user("alice"), w.district()["hutang"], credit_code="91320412MA1XYW123Q")
    make_case(w.user("bob"), w.district()["niutang"], name="王五木材加工作坊", legal_person="王五",
              credit_code="91320412MA1XYW123Q")  # fmt: skip
    return CreditCodeClash.objects.get()


def _locked(w: World) -> str:
    from django.test import Client as Browser

    w.user("alice")
    for _ in range(6):
        Browser().post("/login/", {"username": "alice", "password": "wrong"})
    return "/security/lockouts/"


def _mid_login(w: World) -> Any:
    """A user with a TOTP device who has given the right password: the code step is next."""
    from conftest import give_totp_device

    alice = w.user("alice")
    give_totp_device(alice)
    return alice


def _security_admin(w: World) -> Any:
    from conftest import give_totp_device

    user = make_user("sec", "security_admin", w.district()["office"])
    give_totp_device(user)  # an admin role logs in with a second factor
    return user


def _enrolling(w: World) -> Any:
    """A user who has started enrolling a TOTP device: the page asks for the code."""
    from sanluanwu.accounts import twofactor

    alice = w.user("alice")
    twofactor.start_enrolment(actor=alice)
    return alice


def _batch(w: World) -> Any:
    """A previewed import of 湖塘镇 (its page offers 取消导入 with a reason)."""
    from sanluanwu.imports.services import preview_import, upload_import
    from sanluanwu.imports.tests.sheets import messy_xlsx
    from sanluanwu.imports.tests.test_import_list import _row

    def build() -> Any:
        alice = w.user("alice")
        w.user("campaign")
        batch = upload_import(actor=alice, data=messy_xlsx([_row(1, "张三塑料造粒作坊", "张三")]),
                              filename="名单.xlsx", kind="list", unit=w.district()["hutang"])  # fmt: skip
        return preview_import(actor=alice, batch=batch)

    return w.once("batch", build)


def _new_campaign(w: World) -> dict[str, Any]:
    day = clock.today() + dt.timedelta(days=400)
    dates = {"issued_on": day, "starts_on": day, "ends_on": day + dt.timedelta(days=99)}
    for n, phase in enumerate(("mobilisation", "survey", "remediation", "review")):
        dates[f"{phase}_start"] = day + dt.timedelta(days=25 * n)
        dates[f"{phase}_end"] = day + dt.timedelta(days=25 * n + 24)
        dates[f"{phase}_text"] = "动员部署"
    return {"name": "第二轮专项行动", "document_no": "武政办〔2021〕1号", "district": w.district()["wujin"].pk,
            **{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in dates.items()}}  # fmt: skip


# Records withdrawn by mistake (core.withdrawal) and personal fields to reveal: built through the services.


def _withdrawn_target(w: World) -> Any:
    from sanluanwu.lookback import services as lookback

    return w.once("withdrawn-target", lambda: lookback.withdraw_target(actor=w.user("alice"), target=w.target(),
                                                                       reason="重复添加"))  # fmt: skip


def _withdrawn_inspection(w: World) -> Any:
    from sanluanwu.lookback import services as lookback

    return w.once("withdrawn-inspection", lambda: lookback.withdraw_inspection(
        actor=w.user("alice"), inspection=w.inspection(True), reason="录错了场所"))  # fmt: skip


def _lookback_photo(w: World, withdrawn: bool = False) -> Any:
    """A photo of a submitted inspection (withdrawn by the town's manager when asked)."""
    from sanluanwu.lookback import services as lookback
    from sanluanwu.lookback.tests.test_photos import jpeg_with_exif

    def build() -> Any:
        target, ada = w.target(), w.user("ada")
        lookback.assign_targets(actor=w.user("alice"), targets=[target], inspector=ada)
        insp = lookback.start_inspection(actor=ada, target=target)
        photo = lookback.add_photo(actor=ada, inspection=insp, data=jpeg_with_exif(), filename="现场.jpg")
        data = lookback.draft_input(insp)
        data.answers, data.inspectors = dict(_all_clear()), "李、王"
        lookback.submit_inspection(actor=ada, inspection=insp, data=data)
        return photo

    photo = w.once("photo", build)
    if withdrawn:
        return w.once("withdrawn-photo", lambda: lookback.withdraw_photo(actor=w.user("alice"), photo=photo,
                                                                         reason="拍错场所"))  # fmt: skip
    return photo


def _find(w: World) -> Any:
    """A draft inspection that found a new workshop, with its phone (新发现企业电话, masked until revealed)."""
    from sanluanwu.lookback import services as lookback

    def build() -> Any:
        ada = w.user("ada")
        w.user("campaign")
        place = lookback.add_place(actor=ada, campaign=w.user("campaign"), town=w.district()["hutang"], kind="rental",
                                   name="村东出租房", address="湖塘镇村东1号")  # fmt: skip
        insp = lookback.start_inspection(actor=ada, target=place)
        return lookback.save_draft(actor=ada, inspection=insp, data=lookback.InspectionInput(
            new_name="李四五金加工作坊", new_legal_person="李四", new_phone="13912345678"))  # fmt: skip

    return w.once("find", build)


def _withdrawn_task(w: World) -> Any:
    from sanluanwu.remediation import services as remediation

    return w.once("withdrawn-task", lambda: remediation.withdraw_task(actor=w.user("alice"), task=_task(w),
                                                                      reason="派发有误"))  # fmt: skip


def _withdrawn_plan(w: World) -> Any:
    from sanluanwu.remediation import services as remediation

    return w.once("withdrawn-plan", lambda: remediation.withdraw_plan(
        actor=w.user("alice"), plan=_plan(w, "confirmed"), reason="方案录到了别的企业"))  # fmt: skip


def _report(w: World) -> Any:
    """湖塘镇's report of the open period, signed with the filler's phone."""
    from sanluanwu.reporting import services as reporting

    return w.once("report", lambda: reporting.submit_report(actor=w.user("alice"), slot=_slot(w), filler="王填表",
                                                            reviewer="赵审核", phone="13912345678"))  # fmt: skip


def _workplan(w: World, withdrawn: bool = False) -> Any:
    from sanluanwu.reporting import services as reporting

    plan = w.once("workplan", lambda: reporting.upload_workplan(
        actor=w.user("alice"), campaign=w.user("campaign"), unit=w.district()["hutang"], title="湖塘镇工作方案",
        filename="工作方案.docx", content=_docx()))  # fmt: skip
    if withdrawn:
        return w.once("withdrawn-workplan", lambda: reporting.withdraw_workplan(actor=w.user("alice"), workplan=plan,
                                                                                reason="传错文件"))  # fmt: skip
    return plan


def _withdrawn_brief(w: World) -> Any:
    """A brief sent (the office sees only sent ones) twice by mistake, withdrawn by its town."""
    from sanluanwu.reporting import services as reporting

    def build() -> Any:
        brief = reporting.save_brief(actor=w.user("alice"), campaign=w.user("campaign"), unit=w.district()["hutang"],
                                     month=clock.today().replace(day=1), title="湖塘镇整治简讯", text="本月关停3家",
                                     submit=True)  # fmt: skip
        return reporting.withdraw_brief(actor=w.user("alice"), brief=brief, reason="重复报送")

    return w.once("withdrawn-brief", build)


def _two_factor_users(w: World) -> str:
    """A user with a TOTP device (a lost phone) for the security admin to reset."""
    from conftest import give_totp_device

    w.once("alice-device", lambda: give_totp_device(w.user("alice")))
    return "/security/two-factor/"


CASE_FIELDS = {"name": "赵六塑料造粒作坊", "legal_person": "赵六", "industry": "塑料造粒", "address": "湖塘镇新华村8号",
               "coordinates": "119.9690, 31.7290", "licence_status": "unlicensed", "lookback_category": "4",
               "remediation_type": "shutdown", "responsible_person": "李四", "env_problems": "废气直排"}  # fmt: skip

PAGES: dict[str, Page] = {
    # imports
    "import batch (cancel with a reason)": Page(
        _alice,
        lambda w: f"/imports/{_batch(w).pk}/",
        lambda w: [f"/imports/{_batch(w).pk}/"],
        walks=("batch_cancel",),
        only=True,
    ),
    # registry
    "case list (export, unmasked with a reason)": Page(
        _office, lambda w: (w.case(), "/cases/")[1], walks=("case_export",), only=True
    ),
    "case new": Page(
        _alice, lambda w: (w.user("campaign"), "/cases/new/")[1], lambda w: ["/cases/"], lambda w: CASE_FIELDS
    ),
    "case edit (its enterprise too)": Page(
        _alice,
        lambda w: f"/cases/{w.case().pk}/edit/",
        lambda w: [f"/cases/{w.case().pk}/", f"/enterprises/{w.case().enterprise_id}/"],
        lambda w: {"phone": "13812345678"},
    ),
    "case detail (workflow steps, withdrawal, reveal)": Page(
        _alice, lambda w: f"/cases/{w.case().pk}/", lambda w: [f"/cases/{w.case().pk}/"]
    ),
    "enterprise detail (reveal with a reason)": Page(_office, lambda w: f"/enterprises/{w.case().enterprise_id}/"),
    "credit-code clashes": Page(_office, lambda w: (_clash(w), "/clashes/")[1]),
    # look-back
    "look-back overview (generate)": Page(_office, lambda w: (w.user("campaign"), "/lookback/")[1]),
    "look-back place": Page(
        _alice,
        lambda w: (w.user("campaign"), "/lookback/places/new/")[1],
        lambda w: ["/lookback/worklist/"],
        lambda w: {"name": "废弃厂房甲", "address": "湖塘镇2号"},
    ),
    "look-back target (assign, start)": Page(
        _alice, lambda w: f"/lookback/targets/{w.target().pk}/", walks=("target_withdraw",)
    ),
    "look-back target (withdrawn: restore)": Page(
        _office,
        lambda w: f"/lookback/targets/{_withdrawn_target(w).pk}/",
        lambda w: [f"/lookback/targets/{_withdrawn_target(w).pk}/"],
        walks=("target_restore",),
    ),
    "look-back inspection (draft)": Page(
        lambda w: w.user("ada"),
        lambda w: f"/lookback/inspections/{w.inspection().pk}/",
        lambda w: [f"/lookback/inspections/{w.inspection().pk}/"],
        lambda w: {f"answer_{code}": answer for code, answer in _all_clear().items()},
    ),
    "look-back inspection (amend)": Page(
        _alice,
        lambda w: f"/lookback/inspections/{w.inspection(True).pk}/",
        lambda w: [f"/lookback/inspections/{w.inspection(True).pk}/"],
        lambda w: {"reason": "笔误更正"},
        walks=("inspection_withdraw",),
    ),
    "look-back inspection (withdrawn: restore)": Page(
        _office,
        lambda w: f"/lookback/inspections/{_withdrawn_inspection(w).pk}/",
        lambda w: [f"/lookback/inspections/{_withdrawn_inspection(w).pk}/"],
        walks=("inspection_restore",),
    ),
    "look-back inspection (a new find: reveal its phone)": Page(
        _alice, lambda w: f"/lookback/inspections/{_find(w).pk}/", walks=("inspection_reveal",), only=True
    ),
    "look-back photo (withdraw)": Page(
        _alice,
        lambda w: f"/lookback/inspections/{_lookback_photo(w).inspection_id}/",
        lambda w: [f"/lookback/inspections/{_lookback_photo(w).inspection_id}/"],
        walks=("photo_withdraw",),
        only=True,
    ),
    "look-back photo (withdrawn: restore)": Page(
        _office,
        lambda w: f"/lookback/inspections/{_lookback_photo(w, True).inspection_id}/",
        lambda w: [f"/lookback/inspections/{_lookback_photo(w, True).inspection_id}/"],
        walks=("photo_restore",),
        only=True,
    ),
    # remediation
    "stop production": Page(
        _alice,
        lambda w: f"/remediation/cases/{w.case().pk}/stop/",
        lambda w: [f"/cases/{w.case().pk}/"],
        lambda w: {"document_no": "湖停字〔2020〕1号"},
    ),
    "propose the type": Page(
        _alice,
        lambda w: f"/remediation/cases/{w.case('stopped').pk}/type/",
        lambda w: [f"/cases/{w.case('stopped').pk}/"],
        lambda w: {"remediation_type": "rectification", "reason": "具备治理改造条件"},
    ),
    "decide the type": Page(
        lambda w: _lead(w, "proposed", "shutdown"),
        lambda w: (
            f"/remediation/cases/{w.case('proposed').pk}/type/"
            f"{w.case('proposed').classifications.order_by('-id').first().pk}/"
        ),
        lambda w: [f"/cases/{w.case('proposed').pk}/"],
    ),
    "plan": Page(
        _alice,
        lambda w: f"/remediation/cases/{_unplanned(w).pk}/plan/",
        lambda w: [f"/cases/{_unplanned(w).pk}/"],
        lambda w: {
            "goal": "达标排放",
            "measures": "安装废气处理设施",
            "item_text": "淘汰落后设备",
            "item_category": "equipment",
            "item_deadline": (clock.today() + dt.timedelta(days=20)).isoformat(),
        },
    ),
    "decide the plan": Page(
        lambda w: w.user("dora"),
        lambda w: f"/remediation/cases/{_plan(w, 'confirmed').case_id}/plan/{_plan(w, 'confirmed').pk}/decide/",
        lambda w: [f"/cases/{_plan(w, 'confirmed').case_id}/"],
    ),
    "plan item done": Page(
        _alice,
        lambda w: (
            f"/remediation/cases/{w.case('half_done', 'rectification').pk}/items/"
            f"{_plan(w, 'half_done').items.filter(state='open').first().pk}/done/"
        ),
        lambda w: [f"/remediation/cases/{w.case('half_done', 'rectification').pk}/ledger/"],
        lambda w: {"note": "已淘汰", "photos": _site_photo(w)},
    ),
    "task (complete, block, waive)": Page(
        lambda w: w.user("uma"),
        lambda w: f"/remediation/tasks/{_task(w).pk}/",
        lambda w: [f"/remediation/tasks/{_task(w).pk}/"],
        lambda w: {
            "account_no": "3204100001",
            "final_reading": "123.45",
            "document_no": "武电〔2020〕1号",
            "photos": _site_photo(w),
        },
    ),
    "task (withdraw)": Page(
        _alice,
        lambda w: f"/remediation/tasks/{_task(w).pk}/",
        lambda w: [f"/remediation/tasks/{_task(w).pk}/"],
        walks=("task_withdraw",),
        only=True,
    ),
    "task (withdrawn: restore)": Page(
        _office,
        lambda w: f"/remediation/tasks/{_withdrawn_task(w).pk}/",
        lambda w: [f"/remediation/tasks/{_withdrawn_task(w).pk}/"],
        walks=("task_restore",),
    ),
    "case detail (plan withdrawal)": Page(
        _alice,
        lambda w: f"/cases/{_plan(w, 'confirmed').case_id}/",
        lambda w: [f"/cases/{_plan(w, 'confirmed').case_id}/"],
        walks=("plan_withdraw",),
        only=True,
    ),
    "case detail (plan withdrawn: restore)": Page(
        _office,
        lambda w: f"/cases/{_withdrawn_plan(w).case_id}/",
        lambda w: [f"/cases/{_withdrawn_plan(w).case_id}/"],
        walks=("plan_restore",),
        only=True,
    ),
    "enforcement": Page(
        lambda w: w.user("dora"),
        lambda w: f"/remediation/cases/{w.case('confirmed', 'rectification').pk}/enforcement/",
        lambda w: [f"/remediation/cases/{w.case('confirmed', 'rectification').pk}/ledger/"],
        lambda w: {
            "kind": "fine",
            "document_no": "武环罚〔2020〕1号",
            "amount": "5000",
            "legal_basis": "大气污染防治法第九十九条",
        },
    ),
    "review": Page(
        _office,
        lambda w: f"/remediation/cases/{w.case('awaiting_review').pk}/review/{_review(w, 'awaiting_review').pk}/",
        lambda w: [f"/remediation/cases/{w.case('awaiting_review').pk}/ledger/"],
        lambda w: {"result": "failed", "participants": "王五（湖塘镇）", "reasons": "设备未清除"},
    ),
    "sign off": Page(
        lambda w: _lead(w, "awaiting_signoff", "shutdown"),
        lambda w: f"/remediation/cases/{w.case('awaiting_signoff').pk}/signoff/{_review(w, 'awaiting_signoff').pk}/",
        lambda w: [f"/cases/{w.case('awaiting_signoff').pk}/"],
    ),
    # reporting
    "period (move the due date)": Page(
        _office,
        lambda w: f"/reporting/periods/{_period(w).pk}/",
        fill=lambda w: {"reason": "节假日顺延", "due_on": (_period(w).due_on + dt.timedelta(days=1)).isoformat()},
    ),
    "slot (submit the report)": Page(
        _alice,
        lambda w: f"/reporting/slots/{_slot(w).pk}/",
        lambda w: [f"/reporting/slots/{_slot(w).pk}/"],
        lambda w: {"reviewer": "李审核", "phone": "0519-86310000"},
    ),
    "slot (a report: reveal its phone)": Page(
        _alice, lambda w: f"/reporting/slots/{_report(w).slot_id}/", walks=("report_reveal",), only=True
    ),
    "work plans": Page(
        _alice,
        lambda w: (w.user("campaign"), "/reporting/workplans/")[1],
        lambda w: ["/reporting/workplans/"],
        lambda w: {"title": "湖塘镇工作方案", "file": (_docx(), "工作方案.docx")},
    ),
    "work plans (withdraw a version)": Page(
        _alice,
        lambda w: (_workplan(w), "/reporting/workplans/")[1],
        lambda w: ["/reporting/workplans/"],
        walks=("workplan_withdraw",),
        only=True,
    ),
    "work plans (withdrawn: restore)": Page(
        _office,
        lambda w: (_workplan(w, True), "/reporting/workplans/")[1],
        lambda w: ["/reporting/workplans/"],
        walks=("workplan_restore",),
        only=True,
    ),
    "new brief": Page(
        _alice,
        lambda w: (w.user("campaign"), "/reporting/briefs/new/")[1],
        lambda w: ["/reporting/briefs/"],
        lambda w: {"title": "湖塘镇整治简讯", "text": "本月关停3家"},
    ),
    "brief draft": Page(
        _alice,
        lambda w: f"/reporting/briefs/{_brief(w).pk}/",
        lambda w: ["/reporting/briefs/"],
        walks=("brief_withdraw",),
    ),
    "brief (withdrawn: restore)": Page(
        _office,
        lambda w: f"/reporting/briefs/{_withdrawn_brief(w).pk}/",
        lambda w: [f"/reporting/briefs/{_withdrawn_brief(w).pk}/", "/reporting/briefs/"],
        walks=("brief_restore",),
    ),
    # campaigns
    "new campaign": Page(
        _office, lambda w: (w.user("campaign"), "/campaigns/new/")[1], lambda w: ["/campaigns/"], _new_campaign
    ),
    "campaign setup": Page(_office, lambda w: f"/campaigns/{w.user('campaign').pk}/edit/", lambda w: ["/campaigns/"]),
    # notices
    "notices": Page(_alice, lambda w: (w.case("confirmed"), "/notices/")[1]),
    # accounts
    "password change": Page(
        _alice,
        lambda w: "/account/password/",
        fill=lambda w: {"current": "Secret#2020", "new": "Wj7#Rq2Hutang", "repeated": "Wj7#Rq2Hutang"},
    ),
    "API tokens": Page(_alice, lambda w: "/account/tokens/", lambda w: ["/account/tokens/"]),
    "two-factor enrolment": Page(_enrolling, lambda w: "/account/2fa/"),
    "lockouts (unlock)": Page(_security_admin, _locked),
    "two-factor resets": Page(
        _security_admin, _two_factor_users, lambda w: ["/security/two-factor/"], walks=("security_2fa",)
    ),
    "login": Page(
        lambda w: w.user("alice"),
        lambda w: "/login/",
        anonymous=True,
        fill=lambda w: {"username": "alice", "password": "Secret#2020"},
    ),
    "admin login": Page(
        lambda w: w.user("sysadmin"),
        lambda w: "/admin/login/",
        anonymous=True,
        fill=lambda w: {"username": "sysadmin", "password": "Secret#2020"},
    ),
}


def _all_clear() -> dict[str, str]:
    from sanluanwu.lookback.tests.test_api import ALL_CLEAR_SHUT

    return ALL_CLEAR_SHUT


def _docx() -> bytes:
    from sanluanwu.reporting.tests.test_workplans_briefs import DOCX

    return DOCX


def _site_photo(w: World) -> tuple[bytes, str]:
    from sanluanwu.demo.walk import site_photo

    return site_photo(w.case("confirmed"), seed=1), "现场.jpg"


# Forms every page carries (the header's log out) and forms that post to a page walked on its own.
ELSEWHERE = {"/logout/", "/account/sessions/"}
# Routes that take a POST without a form of text, numbers, dates or files: what they read is said here.
NO_INPUT = {
    "account_sessions": "log out everywhere: a button, no field",
    "batch_retry": "a button: the batch's own file is read again",
    "column_mappings_clear": "a unit id only (walked by the import page's form)",
    "batch_confirm": "tests/test_hostile_pages.py::test_an_import_of_hostile_cells_is_confirmed_and_shown_escaped",
    "batch_mapping": "the preview's header choices: a header name and a column key, both checked against the lists",
    "request_review": "a button: the case's own evidence is checked",
    "start": "walked from the target page (a button)",
    "assign": "walked from the target page (an inspector chosen from a list)",
    "generate": "walked from the look-back overview",
    "upload_photo": "walked from the inspection page (and tests/test_hostile_corpus.py: every hostile image)",
    "amend": "walked from the submitted inspection's page",
    "clash_resolve": "walked from the clash list",
    "enterprise_reveal": "walked from the enterprise page",
    "case_transition": "walked from the case page",
    "move_due": "walked from the period page",
    "batch_list": "the upload form: tests/test_hostile_corpus.py sends every hostile sheet through it",
    "login_code": "tests/test_hostile_pages.py::test_the_login_code_step_takes_hostile_input",
}


def _route(action: str) -> str | None:
    """The URL name a form posts to (None for an address no route takes)."""
    from django.urls import Resolver404, resolve

    try:
        return resolve(urlsplit(action).path).url_name
    except Resolver404:
        return None


def _client(user: Any, anonymous: bool) -> Client:
    client = Client()
    if not anonymous:
        client.force_login(user)
    return client


def _escaped(html: str, user: Any) -> None:
    assert "<script>alert" not in html, "a script is shown unescaped"
    assert "<img src=x" not in html, "an attribute break is shown unescaped"
    if user is not None and user.password:
        assert user.password not in html, "a template fragment was rendered"


def _content(response: Any) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode("utf-8", "replace")


@dataclass
class Tries:
    client: Client
    user: Any
    shows: list[str]
    count: int = 0
    stored: int = 0
    refused: set[str] = field(default_factory=set)  # the fields the last refusal named (a Django form's field)

    def post(self, form: Form, data: dict[str, Any], what: str, show: bool = False, other: bool = False) -> bool:
        """One try, rolled back after: True when the page stored it (a redirect, or the page answering 200 with no
        error said), False when it refused it (and said so). `other`: a hidden field or a choice sent as no browser
        would; naming a record that is not there may answer 404 (in Chinese)."""
        self.count += 1
        self.refused = set()
        data = {k: SimpleUploadedFile(v[1], v[0]) if isinstance(v, tuple) else v for k, v in data.items()}
        with transaction.atomic():
            response = self.client.post(form.action, data)
            status = response.status_code
            allowed = (200, 302, 400, 409, 404) if other else (200, 302, 400, 409)
            assert status in allowed, (what, form.action, status, _content(response)[:300])
            html = _content(response)
            _escaped(html, self.user)
            if status == 302:
                stored = True
                target = response["Location"]
                if show and not target.startswith("/login/"):
                    for url in [target, *self.shows]:
                        page = self.client.get(url)
                        assert page.status_code in (200, 302, 404), (what, url, page.status_code)
                        _escaped(_content(page), self.user)
            else:
                stored = status == 200 and not SAID.search(html)
                if not stored:
                    assert SAID.search(html) and CJK.search(html), (what, form.action, status, html[:500])
                    self.refused = set(NAMED.findall(html))
                elif show:
                    for url in self.shows:
                        _escaped(_content(self.client.get(url)), self.user)
            transaction.set_rollback(True)
        self.stored += stored
        return stored


def _upload_corpus(name: str) -> dict[str, tuple[bytes, str]]:
    return hostile.hostile_images() if name.startswith("photo") else hostile.hostile_documents()


def _together(tries: Tries, form: Form, base: dict[str, Any], names: list[str], value: str, what: str,
              show: bool) -> None:  # fmt: skip
    """The value in all the named fields at once. Refused: the fields the refusal names are done (refused, naming
    them), the others are tried again; when it names none, each half again, down to the fields refusing it alone.
    So a form refused for one field (a phone number, say) still stores the value in all the others."""
    if not names:
        return
    data = {**base, **{name: value for name in names}}
    if tries.post(form, data, f"{','.join(names)}={what}", show=show) or len(names) == 1:
        return
    named = tries.refused & set(names)
    if named:
        _together(tries, form, base, [n for n in names if n not in named], value, what, show)
        return
    half = len(names) // 2
    _together(tries, form, base, names[:half], value, what, show)
    _together(tries, form, base, names[half:], value, what, show)


SHOWN = {"script", "attribute break", "template"}  # what is looked for in the pages showing the record
# Numbers a parser may turn into something unstorable (a form sends text: NaN and 1e309 are words to it).
NUMBERS = ["1" + "0" * 40, "NaN", "1e309", "-0", "-" + "9" * 40, "Infinity", "1e-400", "-Infinity", "0x10", "١٢"]


def walk_form(tries: Tries, form: Form, fill: dict[str, Any]) -> None:
    variants = [b for b in form.buttons if b[0]] or [("", "")]
    numbers = form.field_names("is_number")
    texts = [n for n in form.field_names("is_text") if n not in numbers]
    dates, files, others = form.field_names("is_date"), form.field_names("is_file"), form.field_names("is_other")
    others = [n for n in others if n not in texts + numbers + dates and n != "csrfmiddlewaretoken"]
    for i, button in enumerate(variants):
        base = {**form.baseline(button), **{k: v for k, v in fill.items() if k in form.names}}
        for label, value in TOGETHER_TEXTS.items():
            if i == 0 or label in ("script", "nul", "long"):  # another button: the same fields, another service
                _together(tries, form, base, texts, value, f"{label} [{button}]", label in SHOWN)
        if i:
            continue
        if texts:  # over the request-body limit: refused before any field is read, so one field is enough
            tries.post(form, {**base, texts[0]: hostile.MEGABYTE_TEXT}, f"{texts[0]}=1 MB")
        for n, name in enumerate(numbers):  # each number field three of the numbers, taken in turn
            for k in range(3):
                value = NUMBERS[(3 * n + k) % len(NUMBERS)]
                tries.post(form, {**base, name: value}, f"{name}={value}")
        for n, name in enumerate(dates):  # each field two of the absurd dates, the dates taken in turn
            kind = next(f.kind for f in form.fields if f.name == name)
            values = ABSURD_DATETIMES if kind == "datetime-local" else ABSURD_DATES
            for value in (values[(2 * n) % len(values)], values[(2 * n + 1) % len(values)]):
                tries.post(form, {**base, name: value}, f"{name}={value!r}")
        for n, name in enumerate(others):  # likewise two of the odd values each
            labels = list(OTHER_VALUES)
            for label in (labels[(2 * n) % len(labels)], labels[(2 * n + 1) % len(labels)]):
                tries.post(form, {**base, name: OTHER_VALUES[label]}, f"{name}={label}", other=True)
        for name in files:
            for label, (data, filename) in _upload_corpus(name).items():
                tries.post(form, {**base, name: SimpleUploadedFile(filename, data)}, f"{name}={label}")


@pytest.fixture(autouse=True)
def _roots(settings: Any, tmp_path: Any) -> None:
    settings.PHOTO_ROOT = tmp_path / "photos"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize("name", list(PAGES))
def test_every_form_on_the_page_takes_hostile_input_without_a_server_error(name, request, district):
    page = PAGES[name]
    world = World(request)
    url = page.url(world)
    user = page.persona(world)
    client = _client(user, page.anonymous)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    forms = [f for f in forms_of(_content(response), url) if f.action not in ELSEWHERE]
    assert forms, f"{url} shows no form"
    shown = {_route(f.action) for f in forms}
    assert set(page.walks) <= shown, f"{url} shows no form of {sorted(set(page.walks) - shown)}"
    if page.only:
        forms = [f for f in forms if _route(f.action) in page.walks]
    tries = Tries(client, None if page.anonymous else user, page.shows(world))
    fill = page.fill(world)
    for form in forms:
        walk_form(tries, form, fill)
    assert tries.count
    assert client.get("/healthz/").status_code == 200


def test_an_import_of_hostile_cells_is_confirmed_and_shown_escaped(alice, campaign, district, in_2020):
    """Each hostile text in each free-text cell of a row (a NUL or a control stripped, an overlong cell refused in its
    row): the preview and the confirm through the pages, then the cases' pages show what was stored escaped."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # a sheet cannot hold a NUL: the import strips the rest

    from sanluanwu.imports.models import ImportBatch
    from sanluanwu.imports.tests.sheets import messy_xlsx
    from sanluanwu.imports.tests.test_import_list import _row

    cells = ("industry", "address", "env", "safety", "other", "progress", "resp")
    rows = [_row(n + 1, f"{'张王李赵孙周吴郑陈褚卫蒋'[n]}三塑料造粒作坊", f"{'张王李赵孙周吴郑陈褚卫蒋'[n]}三",
                 coords=f"119.96{n}, 31.72{n}", **{c: f"{text}{c}" for c in cells})
            for n, text in enumerate(t for t in hostile.HOSTILE_TEXTS.values() if not ILLEGAL_CHARACTERS_RE.search(t))]  # fmt: skip
    rows.append(_row(len(rows) + 1, "蒋三塑料造粒作坊", "蒋三", env=LONG_TEXT[:2001]))
    client = Client()
    client.force_login(alice)
    upload = SimpleUploadedFile("湖塘镇.xlsx", messy_xlsx(rows))
    page = client.post("/imports/", {"file": upload, "kind": "list", "unit": district["hutang"].pk,
                                     "coord_datum": "wgs84"}, follow=True)  # fmt: skip
    assert page.status_code == 200
    _escaped(page.content.decode(), alice)
    batch = ImportBatch.objects.get()
    # Refused in their rows, in Chinese: the overlong cell, and the "=cmd|…" row (openpyxl writes it as a formula,
    # and a formula's cell holds no value to read: its required columns are empty).
    assert batch.counts["new"] == len(rows) - 2 and batch.counts["error"] == 2, batch.counts
    assert all(CJK.search(e["message"]) for e in batch.preview["errors"])
    done = client.post(f"/imports/{batch.pk}/confirm/", follow=True)
    assert done.status_code == 200
    _escaped(done.content.decode(), alice)
    batch.refresh_from_db()
    assert batch.status == "applied", batch.message
    from sanluanwu.registry.models import Case

    cases = list(Case.objects.all())
    assert len(cases) == batch.counts["new"]
    for case in cases:
        assert "\x00" not in case.env_problems and "\u202e" not in case.env_problems
        for url in (f"/cases/{case.pk}/", f"/enterprises/{case.enterprise_id}/"):
            _escaped(client.get(url).content.decode(), alice)
    listing = client.get("/cases/").content.decode()
    _escaped(listing, alice)
    assert "&lt;script&gt;" in client.get(f"/cases/{cases[0].pk}/").content.decode()
    assert client.get("/healthz/").status_code == 200


def test_the_login_code_step_takes_hostile_input(alice, campaign):
    """The second step of a login (a user with a TOTP device, the password given): each hostile code is refused with
    the page's own words, and the right code still works afterwards."""
    from django_otp.oath import totp

    from conftest import give_totp_device

    device = give_totp_device(alice)
    client = Client()
    answer = client.post("/login/", {"username": "alice", "password": "Secret#2020"})
    assert answer.status_code == 302
    assert "/login/code/" in client.get(answer["Location"]).get("Location", "/login/code/")
    from axes.utils import reset
    from django.core.cache import cache

    def again() -> None:
        """Wrong codes count toward the account's lock (five end the session): unlocked, logged in again."""
        reset(username="alice")
        cache.clear()
        assert client.post("/login/", {"username": "alice", "password": "Secret#2020"}).status_code == 302

    for value in [*TOGETHER_TEXTS.values(), *NUMBERS, hostile.MEGABYTE_TEXT]:
        response = client.post("/login/code/", {"code": value})
        if response.status_code == 302:  # this wrong code locked the account and ended the session
            assert response["Location"].startswith("/login/"), response["Location"]
            again()
            continue
        assert response.status_code in (200, 400, 429), response.status_code
        if response.status_code != 429:
            assert SAID.search(response.content.decode()), response.content.decode()[:300]
        _escaped(response.content.decode(), alice)
    again()
    device.refresh_from_db()
    device.throttle_reset()  # the device's own throttle (django-otp) waits after failures
    response = client.post("/login/code/", {"code": f"{totp(device.bin_key):06d}"})
    assert response.status_code in (200, 302) and client.get("/cases/").status_code == 200


def test_every_page_that_takes_a_post_is_walked(district):
    """A route whose view declares POST (tests/test_roles.py reads the same declarations) is in PAGES (reached from a
    page that shows its form) or in NO_INPUT with what it reads."""
    from django.urls import get_resolver

    from tests.test_roles import declared

    walked_from = {name for name in NO_INPUT} | {name for page in PAGES.values() for name in page.walks}
    posted: set[str] = set()

    def walk(patterns: Any) -> None:
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns)
            elif p.name and "POST" in declared(p) and not str(p.pattern).startswith(("^", "api/")):
                posted.add(p.name)

    walk(get_resolver().url_patterns)
    own_pages = {"case_create", "case_edit", "add_place", "inspection", "task_detail", "stop", "propose_type",
                 "decide_type", "plan_edit", "plan_decide", "item_done", "review", "signoff", "enforcement", "slot",
                 "workplans", "brief_new", "brief", "edit", "new", "list", "lockouts", "security_lockouts",
                 "notice_list"}  # fmt: skip
    missing = posted - walked_from - own_pages
    assert not missing, f"pages taking a POST that no walk reaches: {sorted(missing)}"
