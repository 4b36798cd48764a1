"""Remediation tasks and plan versions entered by mistake are withdrawn with a reason by the town or the office and
restored by the office admin (core.withdrawal); never deleted, through the services, the pages and the API."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from sanluanwu.accounts.scope import scope_for
from sanluanwu.audit.models import AuditEvent
from sanluanwu.core.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from sanluanwu.demo.walk import walk
from sanluanwu.remediation import ledger, queries, services
from sanluanwu.remediation.models import Plan


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_withdrawn_task_leaves_the_owners_work_list_and_the_case_progress(parties, case, alice, office, walt):
    case = walk(case, "confirmed", parties)
    water = case.tasks.get(kind__code="water_cut")
    assert water in queries.work_list(walt)
    services.withdraw_task(actor=alice, task=water, reason="该址无自来水户，派发有误")
    assert water not in queries.work_list(walt)
    assert not any("断水" in r for r in queries.work_remaining(case))
    assert walt.notices.filter(kind="task_withdrawn").exists()
    [event] = AuditEvent.objects.filter(action="remediation.task.withdrawn", object_id=str(water.pk))
    assert "该址无自来水户" in event.note
    work = queries.case_work(case, scope_for(office))
    assert water in work.tasks and water not in work.active_tasks  # the case's history keeps it, marked
    assert water.kind.label not in str(ledger.case_ledger(case, scope_for(office)).sections)  # the ledger does not
    with pytest.raises(TransitionNotAllowed):
        services.complete_task(actor=walt, task=water, acted_on=water.due_on.replace(day=1), note="已断")
    services.restore_task(actor=office, task=water, reason="核实有自来水户")
    assert water in queries.work_list(walt)
    assert AuditEvent.objects.filter(action="remediation.task.restored", object_id=str(water.pk)).exists()


def test_finishing_the_other_tasks_after_a_withdrawal_completes_the_two_cuts_three_clears(parties, case, alice):
    case = walk(case, "confirmed", parties)
    power = case.tasks.get(kind__code="power_cut")
    services.withdraw_task(actor=alice, task=power, reason="重复派发")
    walk(case, "work_done", parties)
    assert queries.work_remaining(case) == []
    assert "待申请现场审核" in type(case).objects.get(pk=case.pk).stage


def test_only_the_town_or_the_office_withdraws_a_task_and_only_the_office_admin_restores(
    parties, case, alice, bob, gina, walt, office
):
    case = walk(case, "confirmed", parties)
    water = case.tasks.get(kind__code="water_cut")
    for who in (walt, gina, bob):  # the owner does not withdraw its own work; another town cannot
        with pytest.raises(PermissionDenied):
            services.withdraw_task(actor=who, task=water, reason="误派")
    with pytest.raises(ValidationFailed) as exc:
        services.withdraw_task(actor=alice, task=water, reason=" ")
    assert list(exc.value.errors) == ["reason"]
    services.withdraw_task(actor=office, task=water, reason="误派")
    with pytest.raises(PermissionDenied):
        services.restore_task(actor=alice, task=water, reason="恢复")


def test_a_task_is_not_withdrawn_once_the_review_is_requested(parties, case, alice):
    case = walk(case, "awaiting_review", parties)
    task = case.tasks.first()
    with pytest.raises(TransitionNotAllowed, match="只有整治中才能撤回"):
        services.withdraw_task(actor=alice, task=task, reason="误派")


def test_a_withdrawn_plan_version_is_replaced_by_the_next_number_and_restored_only_when_it_may_stand(
    parties, case, alice, office
):
    walk(case, "confirmed", parties, rtype="rectification")
    v1 = queries.latest_plan(case)
    services.withdraw_plan(actor=alice, plan=v1, reason="方案录到了别的企业")
    assert queries.latest_plan(case) is None
    case.refresh_from_db()
    assert case.stage == "待编制整改方案"
    v2 = services.save_plan(actor=alice, case=case, responsible="李四", goal="达标", measures="加装废气处理",
                            deadline=v1.deadline, items=[{"category": "pollution", "text": "废气处理",
                                                          "deadline": v1.deadline}])  # fmt: skip
    assert v2.number == v1.number + 1 and Plan.objects.filter(case=case).count() == 2
    with pytest.raises(TransitionNotAllowed, match="不能再恢复"):
        services.restore_plan(actor=office, plan=v1, reason="恢复")
    services.withdraw_plan(actor=office, plan=v2, reason="重复")
    with pytest.raises(PermissionDenied):
        services.restore_plan(actor=alice, plan=v1, reason="恢复")
    services.restore_plan(actor=office, plan=v1, reason="核实无误")
    assert queries.latest_plan(case) == v1
    assert [e.action for e in AuditEvent.objects.filter(object_type="remediation.plan").order_by("id")
            if e.action.endswith(("withdrawn", "restored"))] == [
        "remediation.plan.withdrawn", "remediation.plan.withdrawn", "remediation.plan.restored"]  # fmt: skip


def test_the_pages_withdraw_a_task_and_a_plan_and_the_case_page_shows_them_marked(
    client, parties, case, alice, bob, walt, office
):
    case = walk(case, "confirmed", parties)
    water = case.tasks.get(kind__code="water_cut")
    client.force_login(alice)
    assert "撤回任务" in client.get(f"/remediation/tasks/{water.pk}/").content.decode()
    assert client.post(f"/remediation/tasks/{water.pk}/withdraw/", {"reason": "派发有误"}).status_code == 302
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "已撤回" in html and "派发有误" in html
    assert "已撤回" in client.get(f"/remediation/tasks/{water.pk}/").content.decode()
    client.force_login(walt)
    assert client.post(f"/remediation/tasks/{water.pk}/restore/", {"reason": "x"}).status_code == 403
    assert "已撤回" in client.get(f"/remediation/tasks/{water.pk}/").content.decode()  # the owner is told why
    client.force_login(bob)
    assert client.post(f"/remediation/tasks/{water.pk}/withdraw/", {"reason": "x"}).status_code == 404
    client.force_login(office)
    assert client.post(f"/remediation/tasks/{water.pk}/restore/", {"reason": "核实有户"}).status_code == 302
    water.refresh_from_db()
    assert water.withdrawn_at is None


def test_the_pages_withdraw_a_plan_version(client, parties, case, alice, office):
    walk(case, "confirmed", parties, rtype="rectification")
    plan = queries.latest_plan(case)
    client.force_login(alice)
    assert "撤回第 1 版整改方案" in client.get(f"/cases/{case.pk}/").content.decode()
    url = f"/remediation/cases/{case.pk}/plan/{plan.pk}/"
    assert client.post(f"{url}withdraw/", {"reason": ""}).status_code == 302
    plan.refresh_from_db()
    assert plan.withdrawn_at is None
    client.post(f"{url}withdraw/", {"reason": "录错企业"})
    plan.refresh_from_db()
    assert plan.withdrawal_reason == "录错企业"
    client.force_login(office)
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "录错企业" in html and "恢复理由" in html
    client.post(f"{url}restore/", {"reason": "核实无误"})
    plan.refresh_from_db()
    assert plan.withdrawn_at is None


def test_the_api_withdraws_and_restores_tasks_and_plans(parties, case, alice, bob, walt, office):
    case = walk(case, "confirmed", parties)
    water = case.tasks.get(kind__code="water_cut")
    url = f"/api/v1/remediation/tasks/{water.pk}"
    assert _api(walt).post(f"{url}/withdraw/", {"reason": "误派"}, format="json").status_code == 403
    assert _api(bob).post(f"{url}/withdraw/", {"reason": "误派"}, format="json").status_code == 404
    assert _api(alice).post(f"{url}/withdraw/", {}, format="json").json()["reason"] == ["请填写撤回理由"]
    answer = _api(alice).post(f"{url}/withdraw/", {"reason": "误派"}, format="json")
    assert answer.status_code == 200 and answer.json()["withdrawal_reason"] == "误派"
    assert water.pk not in [t["id"] for t in _api(walt).get("/api/v1/remediation/tasks/").json()["results"]]
    assert [t["id"] for t in _api(office).get("/api/v1/remediation/tasks/?withdrawn=1&all=1").json()["results"]] == [
        water.pk]  # fmt: skip
    work = _api(alice).get(f"/api/v1/remediation/cases/{case.pk}/").json()
    assert [t["withdrawal_reason"] for t in work["tasks"] if t["id"] == water.pk] == ["误派"]
    assert _api(alice).post(f"{url}/restore/", {"reason": "恢复"}, format="json").status_code == 403
    assert _api(office).post(f"{url}/restore/", {"reason": "恢复"}, format="json").status_code == 200
    assert _api(office).delete(f"{url}/").status_code == 405


def test_the_api_withdraws_a_plan_version(parties, case, alice, office):
    walk(case, "confirmed", parties, rtype="rectification")
    plan = queries.latest_plan(case)
    url = f"/api/v1/remediation/cases/{case.pk}"
    answer = _api(alice).post(f"{url}/plan-withdrawal/", {"id": plan.pk, "reason": "录错"}, format="json")
    assert answer.status_code == 200 and answer.json()["plans"][0]["withdrawal_reason"] == "录错"
    assert (
        _api(alice).post(f"{url}/plan-restoration/", {"id": plan.pk, "reason": "x"}, format="json").status_code == 403
    )
    assert _api(office).post(f"{url}/plan-restoration/", {"id": plan.pk, "reason": "核实"},
                             format="json").status_code == 200  # fmt: skip


def test_the_case_work_reads_only_the_kinds_of_records_the_case_has(parties, case, office):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    scope = scope_for(office)
    with CaptureQueriesContext(connection) as fresh_case:
        work = queries.case_work(case, scope)
    assert (work.tasks, work.stops, work.reviews, work.enforcements, work.plans) == ([], [], [], [], [])
    probe, *others = [q["sql"] for q in fresh_case.captured_queries if "remediation_" in q["sql"]]
    assert probe.startswith("SELECT EXISTS") and others == []  # one query says there is nothing to read
    case = walk(case, "confirmed", parties)
    with CaptureQueriesContext(connection) as confirmed:
        work = queries.case_work(case, scope)
    assert work.tasks and work.stops and work.classifications  # what exists is read, as before
    assert len(confirmed) > len(fresh_case)
    assert work.tasks == list(case.tasks.order_by("kind__sort_order", "id"))


@pytest.mark.parametrize("said", [".", "。", "\u2800\u2800", "x", "ʔʔ", "ᐧᐧ", "ᐨᐨ", "ꞏꞏ", "ㅡㅡ", "ᆢᆢ"])
def test_a_remediation_reason_the_ledger_keeps_must_say_something(parties, case, uma, said):
    """ "." had blocked a utility's task and "。" returned a plan: the ledger kept no reason."""
    case = walk(case, "confirmed", parties)
    power = case.tasks.get(kind__code="power_cut")
    with pytest.raises(ValidationFailed, match="至少2个字"):
        services.block_task(actor=uma, task=power, reason=said)
    assert services.block_task(actor=uma, task=power, reason="用户拒绝配合").blocked_reason == "用户拒绝配合"


def test_a_blocking_reason_refused_through_the_api_names_the_field_that_was_sent(parties, case, uma):
    """helper-42: the answer named "note", a field the endpoint refuses."""
    case = walk(case, "confirmed", parties)
    power = case.tasks.get(kind__code="power_cut")
    api = APIClient()
    api.force_authenticate(uma)
    response = api.post(f"/api/v1/remediation/tasks/{power.pk}/block/", {"reason": "ᐧᐧ"}, format="json")
    assert response.status_code == 400 and "至少2个字" in response.json()["reason"][0]
