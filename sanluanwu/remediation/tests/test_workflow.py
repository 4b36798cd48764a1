"""The remediation work end to end through the services, as each party of 附件1."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.db import connection

from conftest import make_case
from sanluanwu.core import clock
from sanluanwu.core.errors import Conflict, PermissionDenied, TransitionNotAllowed, ValidationFailed
from sanluanwu.demo.walk import site_photo, walk
from sanluanwu.registry import services as registry
from sanluanwu.registry.choices import CaseStatus
from sanluanwu.registry.models import CaseStatusChange
from sanluanwu.registry.queries import cases_visible_to
from sanluanwu.remediation import queries, services
from sanluanwu.remediation.choices import TaskState


def test_a_town_manager_can_no_longer_close_a_case_with_buttons_alone(alice, case):
    for action in ("stop_production", "start_remediation", "submit_for_review", "pass_review", "approve_closure"):
        with pytest.raises((TransitionNotAllowed, PermissionDenied)):  # the lead department's, or not without records
            registry.transition_case(actor=alice, case=case, action=action)
    with pytest.raises(TransitionNotAllowed) as exc:
        registry.transition_case(actor=alice, case=case, action="stop_production")
    assert "不能直接办理" in str(exc.value)
    case.refresh_from_db()
    assert case.status == CaseStatus.LISTED


def test_the_stop_is_a_record_with_evidence_before_anything_else(ada, alice, case):
    with pytest.raises(TransitionNotAllowed):
        services.propose_type(actor=alice, case=case, remediation_type="shutdown", reason="无证",
                              planned_completion=clock.today() + dt.timedelta(days=20))  # fmt: skip
    with pytest.raises(ValidationFailed) as exc:
        services.record_stop(actor=ada, case=case, stopped_on=clock.today())
    assert "停产须有证据" in str(exc.value)
    stop = services.record_stop(actor=ada, case=case, stopped_on=clock.today(), ordered_by=case.town,
                                photos=[services.Upload(site_photo(case, seed=1), "a.jpg")])  # fmt: skip
    case.refresh_from_db()
    assert case.status == CaseStatus.STOPPED and stop.recorded_by == ada
    assert CaseStatusChange.objects.filter(case=case, action="stop_production", actor=ada).exists()


def test_the_stop_form_of_a_case_already_stopped_sends_the_inspector_back_to_the_case_saying_why(client, ada, case):
    services.record_stop(actor=ada, case=case, stopped_on=clock.today(), ordered_by=case.town,
                         photos=[services.Upload(site_photo(case, seed=1), "a.jpg")])  # fmt: skip
    client.force_login(ada)
    page = client.get(f"/remediation/cases/{case.pk}/stop/", follow=True)
    assert page.redirect_chain and page.redirect_chain[-1][0].startswith(f"/cases/{case.pk}/")
    assert "该案件当前为“已停产”，不能登记停产" in page.content.decode()


def test_a_shutdown_walks_from_stop_to_closure_across_every_party(parties, case, gina, walt, uma, sam, alice, ada):
    case = walk(case, "confirmed", parties)
    assert case.status == CaseStatus.REMEDIATING and case.remediation_type == "shutdown"
    kinds = set(case.tasks.values_list("kind__code", "owner_unit__code"))
    assert {("water_cut", "shuiwu"), ("power_cut", "gongdian"), ("clear_materials", "hutang"),
            ("clear_equipment", "hutang"), ("clear_products", "hutang")} <= kinds  # fmt: skip
    assert case.stage == "两断三清进行中（0/5）"
    # The water company sees its task, not the case (no phone, no problems).
    assert queries.tasks_visible_to(walt).filter(case=case).count() == 1
    assert not cases_visible_to(walt).exists()
    water = case.tasks.get(kind__code="water_cut")
    with pytest.raises(ValidationFailed) as exc:
        services.complete_task(actor=walt, task=water, acted_on=clock.today())
    assert "户号或表号" in str(exc.value) and "止码" in str(exc.value)
    with pytest.raises(PermissionDenied):
        services.complete_task(actor=uma, task=water, acted_on=clock.today(), account_no="1", final_reading="1")
    # A date picked years back (a slip of the picker) is refused: the work follows the listing.
    with pytest.raises(ValidationFailed) as exc:
        services.complete_task(actor=walt, task=water, acted_on=case.listed_on - dt.timedelta(days=1),
                               account_no="1", final_reading="1")  # fmt: skip
    assert f"办理日期不能早于该企业列入整治名单的日期（{case.listed_on:%Y-%m-%d}）" in str(exc.value)
    water.refresh_from_db()
    assert water.state == "open"
    with pytest.raises(TransitionNotAllowed) as exc:
        services.request_review(actor=ada, case=case)
    assert "待水务公司断水" in str(exc.value)
    case = walk(case, "work_done", parties)
    assert case.stage == "任务已完成，待申请现场审核"
    case = walk(case, "awaiting_review", parties)
    review = queries.open_review(case)
    # Four eyes: the inspector who asked cannot pass it.
    with pytest.raises(PermissionDenied):
        services.record_review(actor=ada, review=review, reviewed_on=clock.today(), participants="李", checks={},
                               result="passed", reasons="全部达标")  # fmt: skip
    case = walk(case, "awaiting_signoff", parties)
    assert case.status == CaseStatus.AWAITING_SIGNOFF
    with pytest.raises(PermissionDenied):  # only the lead department signs off
        services.sign_off(actor=alice, review=case.reviews.get(), sign=True)
    case = walk(case, "closed", parties)
    assert case.status == CaseStatus.CLOSED and case.closed_on == clock.today()
    actions = list(CaseStatusChange.objects.filter(case=case).values_list("action", flat=True))
    assert actions == ["stop_production", "start_remediation", "submit_for_review", "pass_review", "approve_closure"]


def test_a_pass_needs_each_of_the_five_items_confirmed_with_a_photo(parties, case, alice):
    case = walk(case, "awaiting_review", parties)
    review = queries.open_review(case)
    items = queries.review_items(case)
    with pytest.raises(ValidationFailed) as exc:
        services.record_review(actor=alice, review=review, reviewed_on=clock.today(), participants="陈（湖塘镇）",
                               checks={c: (True, "") for c, _l in items}, result="passed", reasons="核查")  # fmt: skip
    assert "断水”须有至少一张现场照片" in str(exc.value)


def test_a_failed_review_returns_the_unconfirmed_items_as_new_work(parties, case, alice, walt):
    case = walk(case, "awaiting_review", parties)
    review = queries.open_review(case)
    checks = {c: (c != "water_cut", "") for c, _l in queries.review_items(case)}
    services.record_review(actor=alice, review=review, reviewed_on=clock.today(), participants="陈（湖塘镇）",
                           checks=checks, result="failed", reasons="水表未拆除")  # fmt: skip
    case.refresh_from_db()
    assert case.status == CaseStatus.REMEDIATING
    assert case.tasks.get(kind__code="water_cut").state == TaskState.OPEN
    assert case.tasks.get(kind__code="power_cut").state == TaskState.DONE
    assert walt.notices.filter(kind="task_rework").exists()


def test_photos_far_away_on_another_day_or_reused_are_flagged_and_passing_needs_a_reason(parties, case, alice):
    case = walk(case, "awaiting_review", parties)
    review = queries.open_review(case)
    items = queries.review_items(case)
    reused = case.evidence.filter(step="task").first()
    from sanluanwu.core import photos as core_photos

    ext = core_photos.extension_for(reused.content_type)
    old_bytes = core_photos.original_path(reused.stored_name, ext).read_bytes()
    uploads = [services.Upload(site_photo(case, seed=i, offset_m=500 if code == "power_cut" else 0,
                                          day=clock.today() - dt.timedelta(days=3) if code == "clear_products"
                                          else clock.today()), f"{code}.jpg", code) for i, (code, _l) in
               enumerate(items)]  # fmt: skip
    uploads[0] = services.Upload(old_bytes, "same.jpg", "water_cut")
    args = dict(actor=alice, review=review, reviewed_on=clock.today(), participants="陈（湖塘镇）",
                checks={c: (True, "") for c, _l in items}, result="passed", reasons="核查", photos=uploads)  # fmt: skip
    with pytest.raises(ValidationFailed) as exc:
        services.record_review(**args)
    assert "证据提示" in str(exc.value)
    warnings = " ".join(w["text"] for w in exc.value.warnings)
    assert "完全相同" in warnings and "超过 200 米" in warnings and "不是当天" in warnings
    services.record_review(**{**args, "warnings_note": "断水照片为同一水表，位置偏差系GPS漂移"})
    review.refresh_from_db()
    assert review.result == "passed" and review.warnings and "GPS" in review.warnings_note


def test_the_lead_department_confirms_or_returns_the_type_and_only_it(parties, case, alice, ada, dora, gina):
    walk(case, "stopped", parties)
    c = services.propose_type(actor=alice, case=case, remediation_type="shutdown", reason="无证无照",
                              planned_completion=clock.today() + dt.timedelta(days=20))  # fmt: skip
    case.refresh_from_db()
    assert case.stage == "待部门确认类型" and cases_visible_to(gina).filter(pk=case.pk).exists()
    with pytest.raises(PermissionDenied):
        services.decide_type(actor=dora, classification=c, confirm=True)
    with pytest.raises(ValidationFailed):
        services.decide_type(actor=gina, classification=c, confirm=False)
    services.decide_type(actor=gina, classification=c, confirm=False, note="具备整改条件，建议治理改造")
    assert alice.notices.filter(kind="type_returned").exists()
    c2 = services.propose_type(actor=alice, case=case, remediation_type="rectification", reason="有证照",
                               planned_completion=clock.today() + dt.timedelta(days=20))  # fmt: skip
    assert c2.lead_unit.code == "sthjj"
    services.decide_type(actor=dora, classification=c2, confirm=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.REMEDIATING and case.remediation_type == "rectification"
    assert case.stage == "待编制整改方案"


def test_a_rectification_plan_is_approved_or_returned_with_versions_kept(parties, case, alice, dora):
    walk(case, "confirmed", parties, rtype="rectification")
    plan = queries.latest_plan(case)
    services.decide_plan(actor=dora, plan=plan, approve=False, note="缺少废水治理措施")
    deadline = clock.today() + dt.timedelta(days=20)
    v2 = services.save_plan(actor=alice, case=case, responsible="李四", goal="达标", measures="加装废水处理",
                            deadline=deadline, items=[{"category": "pollution", "text": "废水处理", "deadline": deadline}])  # fmt: skip
    assert v2.number == 2 and case.plans.count() == 2
    services.submit_plan(actor=alice, plan=v2)
    services.decide_plan(actor=dora, plan=v2, approve=True)
    case.refresh_from_db()
    assert case.stage == "整改中（0/1项）"


def test_an_overdue_rectification_turns_into_a_shutdown_by_a_recorded_decision(
    parties, case, alice, gina, time_machine
):
    case = walk(case, "half_done", parties, rtype="rectification")
    time_machine.move_to(clock.now() + dt.timedelta(days=60))
    assert queries.overdue_rectifications(cases_visible_to(alice)).filter(pk=case.pk).exists()
    c = services.propose_type(actor=alice, case=case, remediation_type="shutdown", reason="逾期未完成整改",
                              planned_completion=clock.today() + dt.timedelta(days=20))  # fmt: skip
    assert c.is_conversion
    services.decide_type(actor=gina, classification=c, confirm=True)
    case.refresh_from_db()
    assert case.remediation_type == "shutdown" and case.tasks.count() >= 5
    assert case.plans.filter(state="superseded").exists()


def test_a_rectification_with_every_item_done_waits_for_its_review_not_for_a_conversion(
    parties, case, alice, time_machine
):
    """Past its deadline but finished: no "overdue" warning, no "转为关停取缔", not in the office's overdue list."""
    case = walk(case, "work_done", parties, rtype="rectification")
    time_machine.move_to(clock.now() + dt.timedelta(days=60))
    case.refresh_from_db()
    assert case.stage == "整改事项已完成，待申请现场审核" and case.planned_completion < clock.today()
    assert not queries.overdue_rectifications(cases_visible_to(alice)).filter(pk=case.pk).exists()
    work = queries.case_work(case, queries.scope_for(alice))
    assert not work.overdue_rectification
    assert work.actions and "convert" not in {a.key for a in work.actions}


def test_a_rectification_stored_as_n_of_n_items_reads_as_done_after_the_migration(parties, case, alice):
    """The older words 「整改中（3/3项）」 are rewritten once (remediation migration 0004); n of m items stay as they were."""
    import importlib

    from django.apps import apps

    from sanluanwu.registry.models import Case

    migration = importlib.import_module("sanluanwu.remediation.migrations.0004_items_done_stage")
    case = walk(case, "work_done", parties, rtype="rectification")
    Case.objects.filter(pk=case.pk).update(stage="整改中（3/3项）")
    other = Case.objects.exclude(pk=case.pk).first()
    migration._forward(apps, None)
    case.refresh_from_db()
    assert case.stage == migration.ITEMS_DONE == queries.Stage.ITEMS_DONE
    assert queries._ready_for_review(Case.objects.filter(pk=case.pk)).exists()
    Case.objects.filter(pk=case.pk).update(stage="整改中（2/3项）")
    migration._forward(apps, None)
    case.refresh_from_db()
    assert case.stage == "整改中（2/3项）" and not queries._ready_for_review(Case.objects.filter(pk=case.pk)).exists()
    assert other is None or Case.objects.get(pk=other.pk).stage == other.stage


def test_blanket_shutdowns_need_a_justification(alice, campaign, district, parties):
    for n, person in enumerate(["赵一", "钱二", "孙三", "周五", "吴六"]):
        c = make_case(
            alice,
            district["hutang"],
            name=f"{person}塑料造粒作坊",
            legal_person=person,
            coordinates=f"119.96{n}, 31.72{n}",
        )
        walk(c, "stopped", parties)
        kwargs = dict(actor=alice, case=c, remediation_type="shutdown", reason="无证",
                      planned_completion=clock.today() + dt.timedelta(days=20))  # fmt: skip
        if n < 4:
            services.propose_type(**kwargs)
        else:
            with pytest.raises(ValidationFailed) as exc:
                services.propose_type(**kwargs)
            assert "一刀切" in str(exc.value)
            services.propose_type(**kwargs, justification="均位于生态红线内")
    warnings = queries.blanket_warnings(queries.scope_for(alice), campaign.pk)
    assert warnings and warnings[0].justified


def test_a_utility_user_sees_no_phone_and_no_problems(client, parties, case, walt):
    walk(case, "confirmed", parties)
    task = case.tasks.get(kind__code="water_cut")
    client.force_login(walt)
    page = client.get(f"/remediation/tasks/{task.pk}/").content.decode()
    assert case.enterprise.name in page and "13812345678" not in page and "废气直排" not in page
    assert client.get(f"/cases/{case.pk}/").status_code in (403, 404)
    assert client.get("/").url == "/remediation/tasks/"


def test_every_page_of_the_work_opens_for_the_party_it_is_for(client, parties, case, alice, dora, gina):
    case = walk(case, "awaiting_signoff", parties)
    client.force_login(alice)
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    assert client.get(f"/remediation/cases/{case.pk}/ledger/").status_code == 200
    docx = client.get(f"/remediation/cases/{case.pk}/ledger.docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert client.get(f"/remediation/ledger/?town={case.town_id}").status_code == 200
    assert client.get("/remediation/").status_code == 200 and client.get("/notices/").status_code == 200
    client.force_login(gina)
    review = case.reviews.get()
    assert client.get(f"/remediation/cases/{case.pk}/signoff/{review.pk}/").status_code == 200
    assert client.post(f"/remediation/cases/{case.pk}/signoff/{review.pk}/", {"decision": "sign"}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_the_export_shows_the_derived_progress(parties, case, office):
    from sanluanwu.registry.exports import attachment2_rows
    from sanluanwu.registry.models import Case

    walk(case, "half_done", parties)
    rows = list(attachment2_rows(Case.objects.filter(pk=case.pk)))
    assert rows[0].cells[12].startswith("两断三清进行中（")


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_sign_offs_end_with_one(parties, case, gina, purge_audit_after):
    """On PostgreSQL the second waits on the row lock, then finds the review signed and is told so. On SQLite the
    second writer may instead find the database locked (the pages answer that with 503 "系统繁忙"); either way exactly
    one sign-off is recorded."""
    from django.db import OperationalError

    case = walk(case, "awaiting_signoff", parties)
    review = case.reviews.get()
    results: list[str] = []
    barrier = threading.Barrier(2)

    def sign() -> None:
        try:
            barrier.wait()
            services.sign_off(actor=gina, review=review, sign=True)
            results.append("ok")
        except TransitionNotAllowed as exc:
            results.append(str(exc))
        except OperationalError as exc:
            results.append(f"busy: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=sign) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert results.count("ok") == 1 and len(results) == 2, results
    refusal = next(r for r in results if r != "ok")
    assert "已签认" in refusal or (connection.vendor == "sqlite" and "locked" in refusal), refusal
    assert CaseStatusChange.objects.filter(case=case, action="approve_closure").count() == 1


def test_a_look_back_photo_sent_again_as_proof_of_remediation_is_flagged(parties, case, ada):
    from sanluanwu.lookback import services as lookback

    walk(case, "confirmed", parties)
    place = lookback.add_place(actor=ada, campaign=case.campaign, town=case.town, kind="rental", name="出租房",
                               address=case.enterprise.address)  # fmt: skip
    picture = site_photo(case, seed=77)
    lookback.add_photo(actor=ada, inspection=lookback.start_inspection(actor=ada, target=place), data=picture,
                       filename="found.jpg")  # fmt: skip
    task = case.tasks.get(kind__code="clear_materials")
    services.complete_task(actor=ada, task=task, acted_on=clock.today(), photos=[services.Upload(picture, "done.jpg")])
    flagged = case.evidence.get(step="task", subject_id=task.pk)
    assert any("回头看检查照片" in d["text"] for d in flagged.duplicates)


def test_the_confirmed_type_and_date_cannot_be_edited_around_the_lead_department(parties, case, alice, district):
    from conftest import case_input, enterprise_input

    case = walk(case, "confirmed", parties)
    for change in (
        {"remediation_type": "rectification"},
        {"planned_completion": clock.today() + dt.timedelta(days=90)},
    ):
        data = case_input(**{"remediation_type": case.remediation_type, "planned_completion": case.planned_completion,
                             **change})  # fmt: skip
        with pytest.raises(ValidationFailed) as exc:
            registry.update_case(actor=alice, case=case, enterprise_data=enterprise_input(district["hutang"]),
                                 case_data=data)  # fmt: skip
        assert "已由牵头部门确认" in str(exc.value)
    # Other columns stay the town's to correct.
    data = case_input(remediation_type=case.remediation_type, planned_completion=case.planned_completion,
                      responsible_person="王科长")  # fmt: skip
    registry.update_case(actor=alice, case=case, enterprise_data=enterprise_input(district["hutang"]), case_data=data)


def test_a_task_that_cannot_be_done_is_settled_by_the_lead_department_and_the_review_goes_on(parties, case, gina,
                                                                                             uma, alice):  # fmt: skip
    case = walk(case, "confirmed", parties)
    power = case.tasks.get(kind__code="power_cut")
    services.block_task(actor=uma, task=power, reason="该地址无用电户号，未接入电网")
    assert any("无法办理" in r for r in queries.work_remaining(case))
    with pytest.raises(PermissionDenied):
        services.waive_task(actor=alice, task=power, reason="核实")
    services.waive_task(actor=gina, task=power, reason="经现场核实无电表")
    walk(case, "work_done", parties)
    assert queries.work_remaining(case) == []
    assert "待申请现场审核" in type(case).objects.get(pk=case.pk).stage


def test_the_same_enforcement_decision_is_recorded_once(parties, case, office, district):
    walk(case, "confirmed", parties)
    args = dict(actor=office, case=case, unit=district["sthjj"], kind="order_stop", legal_basis="《大气污染防治法》",
                document_no="武环责字〔2020〕9号", decided_on=clock.today())  # fmt: skip
    services.record_enforcement(**args)
    with pytest.raises(Conflict):
        services.record_enforcement(**args)
    for amount in ("0.004", "99999999999.999"):
        with pytest.raises(ValidationFailed):
            services.record_enforcement(**{**args, "kind": "fine", "amount": amount, "document_no": f"罚{amount}"})
    # Digits only, as a decision writes a fine: exponents, hex and words are refused, naming the rule.
    for amount in ("1e5", "1e400", "0x10", "Infinity", "NaN", "-5", "二万"):
        with pytest.raises(ValidationFailed, match="应只填数字"):
            services.record_enforcement(**{**args, "kind": "fine", "amount": amount, "document_no": f"罚{amount}"})
    fine = services.record_enforcement(**{**args, "kind": "fine", "amount": "２０,０００.５", "document_no": "罚1"})
    assert str(fine.amount) == "20000.50"


def test_a_meter_reading_that_rounds_past_the_limit_is_refused_not_a_server_error(parties, case, walt):
    walk(case, "confirmed", parties)
    water = case.tasks.get(kind__code="water_cut")
    with pytest.raises(ValidationFailed):
        services.complete_task(actor=walt, task=water, acted_on=clock.today(), account_no="1",
                               final_reading="999999999999.999", photos=[services.Upload(site_photo(case, seed=3), "w.jpg")])  # fmt: skip


def test_forms_answer_bad_input_with_the_reasons_not_a_server_error(client, parties, case, alice, gina, bob, walt):
    from conftest import make_user

    walk(case, "confirmed", parties, rtype="rectification")
    client.force_login(alice)
    for items in ({}, {"item_category": "safety", "item_text": "消防", "item_deadline": "abc"}):
        response = client.post(f"/remediation/cases/{case.pk}/plan/", {"responsible": "李四", "goal": "达标",
                                "measures": "措施", "deadline": (clock.today() + dt.timedelta(days=9)).isoformat(), **items})  # fmt: skip
        assert response.status_code == 400 and "整改事项" in response.content.decode()
    client.force_login(walt)
    assert client.get("/remediation/tasks/?kind=%00").status_code == 400
    assert client.get("/remediation/tasks/?state=nonsense").status_code == 400
    # A department that does not lead the case is told whose decision it is, before any form.
    fgj = make_user("fred", "department_staff", case.town.parent.children.get(code="fgj"))
    plan = queries.latest_plan(case)
    client.force_login(fgj)
    assert client.get(f"/remediation/cases/{case.pk}/plan/{plan.pk}/decide/").status_code in (403, 404)
    client.force_login(gina)  # 工信局 leads shutdowns, not this rectification
    response = client.get(f"/remediation/cases/{case.pk}/plan/{plan.pk}/decide/")
    assert response.status_code in (403, 404)


def test_a_town_ledger_too_large_for_one_request_is_refused_with_the_reason(client, settings, parties, case, alice,
                                                                           district):  # fmt: skip
    make_case(alice, district["hutang"], name="孙三塑料造粒作坊", legal_person="孙三", coordinates="119.9661, 31.7261")
    settings.LEDGER_MAX_CASES = 1
    client.force_login(alice)
    response = client.get(f"/remediation/ledger/?town={case.town_id}", follow=True)
    assert "超过 1 个" in response.content.decode()
    settings.LEDGER_MAX_CASES = 10
    assert client.get(f"/remediation/ledger/?town={case.town_id}")["Content-Type"].startswith("application/vnd")


def test_a_towns_to_do_cards_count_the_rows_of_the_lists_they_open(client, parties, alice, district, campaign):
    """可申请现场审核 and 待提出整治类型 open lists of exactly those cases (they opened the whole status before: "4" on
    the card, 23 rows behind it)."""
    made = {}
    for n, (person, to, rtype) in enumerate([("赵一", "work_done", "shutdown"), ("钱二", "work_done", "rectification"),
                                             ("孙三", "half_done", "shutdown"), ("周五", "stopped", "shutdown"),
                                             ("吴六", "proposed", "shutdown"), ("郑七", "stopped", "shutdown")]):  # fmt: skip
        c = make_case(alice, district["hutang"], name=f"{person}塑料造粒作坊", legal_person=person,
                      coordinates=f"119.96{n}, 31.72{n}",
                      case={"planned_completion": clock.today() + dt.timedelta(days=30)})  # fmt: skip
        made[person] = walk(c, to, parties, rtype=rtype)
    cards = {p.label: p for p in queries.pending_for(alice)}
    client.force_login(alice)
    expected = {"可申请现场审核": {"赵一", "钱二"}, "待提出整治类型": {"周五", "郑七"}}
    for label, people in expected.items():
        card = cards[label]
        assert card.count == len(people), label
        page = client.get(card.url).content.decode()
        rows = set(re.findall(r'href="/cases/(\d+)/#remediation"', page))
        assert rows == {str(made[p].pk) for p in people}, label
    client.force_login(parties.office)
    assert client.get("/remediation/todo/?what=ready").status_code == 404  # not the office's list


def test_a_to_do_card_is_shown_only_to_a_role_that_may_do_that_work(client, parties, alice, ada, district, campaign):
    """The town's inspector records the look-back, stops production and asks for a review, but proposes no
    remediation type: 待提出整治类型 was on its list, and every case behind it refused the button (helper-36)."""
    stopped = make_case(alice, district["hutang"], name="周五塑料造粒作坊", legal_person="周五")
    walk(stopped, "stopped", parties, rtype="shutdown")
    assert "待提出整治类型" in {p.label for p in queries.pending_for(alice)}
    assert "待提出整治类型" not in {p.label for p in queries.pending_for(ada)}
    # Nor is the list behind it: the card and the page read one rule (queries.TOWN_WORK_PERMISSIONS).
    client.force_login(ada)
    assert client.get("/remediation/todo/?what=to_propose").status_code == 404
    assert client.get("/remediation/todo/?what=ready").status_code == 200


def test_a_task_sent_back_by_a_failed_review_tells_its_owner_why(parties, case, alice, walt):
    from django.test import Client

    case = walk(case, "awaiting_review", parties)
    checks = {c: (c != "water_cut", "水表仍未拆除" if c == "water_cut" else "") for c, _l in queries.review_items(case)}
    services.record_review(actor=alice, review=queries.open_review(case), reviewed_on=clock.today(),
                           participants="陈（湖塘镇）", checks=checks, result="failed",
                           reasons="断水不彻底，联系人 13812345678 现场指认")  # fmt: skip
    water = case.tasks.get(kind__code="water_cut")
    notice = walt.notices.get(kind="task_rework")
    assert "断水不彻底" in notice.text and "13812345678" not in notice.text  # a utility never receives a phone
    client = Client()
    client.force_login(walt)
    page = client.get(f"/remediation/tasks/{water.pk}/").content.decode()
    assert 'id="rework"' in page and "现场审核未通过" in page and "断水不彻底" in page and "水表仍未拆除" in page
    assert "13812345678" not in page and "已退回重新办理" in page  # the old 办理情况 is marked as the returned one
    # Another task of the case that passed the review is not marked.
    power = case.tasks.get(kind__code="power_cut")
    client.force_login(alice)
    assert 'id="rework"' not in client.get(f"/remediation/tasks/{power.pk}/").content.decode()
    services.complete_task(actor=walt, task=water, acted_on=clock.today(), account_no="W-1", final_reading="12",
                           photos=[services.Upload(site_photo(case, seed=9), "w.jpg")])  # fmt: skip
    client.force_login(walt)
    assert 'id="rework"' not in client.get(f"/remediation/tasks/{water.pk}/").content.decode()


def test_a_review_asked_by_the_only_manager_of_a_town_reaches_the_office(parties, case, alice, office):
    case = walk(case, "work_done", parties)
    services.request_review(actor=alice, case=case)  # 湖塘镇 has no other manager to review it (four eyes)
    told = office.notices.get(kind="review_requested")
    assert "没有其他管理人员" in told.text and "湖塘镇" in told.text
    assert not alice.notices.filter(kind="review_requested").exists()


def test_a_review_asked_by_an_inspector_reaches_the_town_managers_not_the_office(parties, case, ada, alice, office):
    case = walk(case, "work_done", parties)
    services.request_review(actor=ada, case=case)
    assert alice.notices.filter(kind="review_requested").exists()
    assert not office.notices.filter(kind="review_requested").exists()


def test_a_utility_sees_its_photos_warnings_on_the_task_not_first_at_the_review(parties, case, walt, uma):
    from django.test import Client

    case = walk(case, "confirmed", parties)
    water = case.tasks.get(kind__code="water_cut")
    far_and_old = site_photo(case, seed=3, offset_m=500, day=clock.today() - dt.timedelta(days=3))
    services.complete_task(actor=walt, task=water, acted_on=clock.today(), account_no="W-1", final_reading="12",
                           photos=[services.Upload(far_and_old, "meter.jpg")])  # fmt: skip
    client = Client()
    client.force_login(walt)
    page = client.get(f"/remediation/tasks/{water.pk}/").content.decode()
    warnings = re.search(r'id="photo-warnings">(.*?)</div>', page, re.S).group(1)
    assert "meter.jpg" in warnings and "超过 200 米" in warnings and "不是当天" in warnings
    power = case.tasks.get(kind__code="power_cut")
    services.complete_task(actor=uma, task=power, acted_on=clock.today(), account_no="P-1", final_reading="3",
                           photos=[services.Upload(site_photo(case, seed=4), "ok.jpg")])  # fmt: skip
    client.force_login(uma)
    assert 'id="photo-warnings"' not in client.get(f"/remediation/tasks/{power.pk}/").content.decode()


def test_a_task_sent_back_by_a_failed_review_needs_a_photo_of_the_redo(parties, case, alice, walt):
    """helper-33: the photo of the attempt the review did not confirm was taken as proof of the redo."""
    case = walk(case, "awaiting_review", parties)
    checks = {c: (c != "water_cut", "") for c, _l in queries.review_items(case)}
    services.record_review(actor=alice, review=queries.open_review(case), reviewed_on=clock.today(),
                           participants="陈（湖塘镇）", checks=checks, result="failed", reasons="水表未拆除")  # fmt: skip
    water = case.tasks.get(kind__code="water_cut")
    with pytest.raises(ValidationFailed) as exc:
        services.complete_task(actor=walt, task=water, acted_on=clock.today(), account_no="W-1", final_reading="12")
    assert "经现场审核退回，须上传重新办理后的现场照片" in str(exc.value)
    water.refresh_from_db()
    assert water.state == TaskState.OPEN
    services.complete_task(actor=walt, task=water, acted_on=clock.today(), account_no="W-1", final_reading="12",
                           photos=[services.Upload(site_photo(case, seed=77), "redo.jpg")])  # fmt: skip
    water.refresh_from_db()
    assert water.state == TaskState.DONE


def test_a_task_form_whose_version_is_no_number_is_refused_as_a_stale_page(parties, case, walt):
    from django.test import Client

    case = walk(case, "confirmed", parties)
    water = case.tasks.get(kind__code="water_cut")
    client = Client()
    client.force_login(walt)
    page = client.post(f"/remediation/tasks/{water.pk}/", {"version": "abc", "acted_on": clock.today().isoformat(),
                                                           "account_no": "W-1", "final_reading": "12"})  # fmt: skip
    assert page.status_code == 409 and "已被他人办理或修改" in page.content.decode()
    water.refresh_from_db()
    assert water.state == TaskState.OPEN


def test_every_form_of_the_work_on_a_case_that_has_moved_on_sends_the_user_back_to_the_case(
    client, parties, case, alice, gina, office
):  # fmt: skip
    from sanluanwu.remediation.models import Classification, Review

    other = make_case(alice, case.town, name="李四木材加工作坊", legal_person="李四", industry="木材加工",
                      address="湖塘镇新华村9号",
                      case={"planned_completion": clock.today() + dt.timedelta(days=30)})  # fmt: skip
    stopped = walk(other, "stopped", parties)
    client.force_login(alice)
    assert client.get(f"/remediation/cases/{stopped.pk}/type/").status_code == 200  # offered: the form opens
    client.force_login(office)  # enforcement is recorded on any open case, as its service takes it
    assert client.get(f"/remediation/cases/{other.pk}/enforcement/").status_code == 200
    case = walk(case, "closed", parties)
    base = f"/remediation/cases/{case.pk}"
    c = Classification.objects.filter(case=case).latest("id")
    r = Review.objects.filter(case=case).latest("id")
    for user, path in [(alice, "/stop/"), (alice, "/type/"), (alice, "/plan/"), (alice, "/review/request/"),
                       (alice, f"/review/{r.pk}/"), (gina, f"/type/{c.pk}/"), (gina, f"/signoff/{r.pk}/"),
                       (gina, "/enforcement/")]:  # fmt: skip
        client.force_login(user)
        page = client.get(base + path, follow=True)
        assert page.redirect_chain and page.redirect_chain[-1][0].startswith(f"/cases/{case.pk}/"), path
        assert "该案件当前为“已销号”，不能" in page.content.decode(), path
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_photos_of_a_review_refused_for_its_warnings_are_kept_for_the_next_try_of_that_user_only(
    client, parties, case, alice
):  # fmt: skip
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from sanluanwu.remediation.models import Evidence

    case = walk(case, "awaiting_review", parties)
    review = queries.open_review(case)
    items = queries.review_items(case)
    form = {"reviewed_on": clock.today().isoformat(), "participants": "陈（湖塘镇）", "result": "passed",
            "reasons": "逐项核查", **{f"ok_{code}": "on" for code, _l in items}}  # fmt: skip
    photos = {f"photos_{code}": SimpleUploadedFile(f"{code}.jpg", site_photo(case, seed=80 + i, day=clock.today() - (
        dt.timedelta(days=3) if code == "clear_products" else dt.timedelta(0))), content_type="image/jpeg")
        for i, (code, _l) in enumerate(items)}  # fmt: skip
    client.force_login(alice)
    url = f"/remediation/cases/{case.pk}/review/{review.pk}/"
    refused = client.post(url, {**form, **photos})
    page = refused.content.decode()
    assert refused.status_code == 400 and "不是当天" in page
    assert page.count("已保留上次提交的 1 张照片") == len(items) and "clear_products.jpg" in page
    assert not Evidence.objects.filter(step="review").exists()  # the refused record kept none of them
    other = Client()  # the same user in another session (another phone): nothing of this try
    other.force_login(alice)
    assert "已保留上次提交的" not in other.get(url).content.decode()
    done = client.post(url, {**form, "warnings_note": "清除产品的照片为三天前清运当天所拍"})  # no file chosen again
    assert done.status_code == 302
    review.refresh_from_db()
    assert review.result == "passed" and "三天前" in review.warnings_note
    kept = Evidence.objects.filter(step="review", subject_id=review.pk)
    assert sorted(kept.values_list("item_code", flat=True)) == sorted(code for code, _l in items)
    assert not any((settings_root() / "staged").glob("*/manifest.json"))  # forgotten once the form succeeded


def settings_root():
    from pathlib import Path

    from django.conf import settings

    return Path(settings.STAGING_ROOT).parent


def test_kept_photos_can_be_dropped_and_are_forgotten_after_a_day(client, ada, case, time_machine):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sanluanwu.core import staging

    client.force_login(ada)
    url = f"/remediation/cases/{case.pk}/stop/"
    photo = SimpleUploadedFile("stop.jpg", site_photo(case, seed=5), content_type="image/jpeg")
    refused = client.post(url, {"stopped_on": "not a date", "photos": photo})
    assert refused.status_code == 400 and "已保留上次提交的 1 张照片：stop.jpg" in refused.content.decode()
    dropped = client.post(url, {"stopped_on": "not a date", "drop_kept": "1"})
    assert "已保留上次提交的" not in dropped.content.decode()
    client.post(url, {"stopped_on": "not a date", "photos": SimpleUploadedFile("again.jpg", site_photo(case, seed=6),
                                                                               content_type="image/jpeg")})  # fmt: skip
    assert "again.jpg" in client.get(url).content.decode()
    time_machine.move_to(clock.now() + dt.timedelta(days=1, minutes=1))
    staging.keep(_Request(), "another", [staging.Kept("photos", "x.jpg", b"x")])  # any keep sweeps what is stale
    assert "again.jpg" not in client.get(url).content.decode()


class _Request:
    def __init__(self):
        self.session = {}
