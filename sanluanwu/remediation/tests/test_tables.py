"""The state × action × role matrix of the remediation's own transition tables (type, task, plan): every action is
tried in every state by every party, through the services, and succeeds exactly where the table and the permission
table say — the owner or the lead department, in a state the action starts from."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction

from sanluanwu.core import clock
from sanluanwu.core.errors import DomainError
from sanluanwu.demo.walk import site_photo, walk
from sanluanwu.remediation import queries, services, workflow
from sanluanwu.remediation.choices import ClassificationState, PlanState, TaskState


class _Undo(Exception):
    pass


def attempt(action: Any) -> str:
    """'ok' or the refusal's class name; whatever happened is rolled back, so the next party finds the same state."""
    try:
        with transaction.atomic():
            action()
            raise _Undo
    except _Undo:
        return "ok"
    except DomainError as exc:
        return exc.__class__.__name__


PERSONAS = ["alice", "ada", "gina", "dora", "walt", "uma", "leo", "bob"]
IN = dt.timedelta(days=20)


def _people(request: Any) -> dict[str, Any]:
    return {name: request.getfixturevalue(name) for name in PERSONAS}


# ---- the type ----------------------------------------------------------------------------------------------------

CLASSIFICATION_STATES = [workflow.NONE, ClassificationState.PROPOSED, ClassificationState.RETURNED,
                         ClassificationState.CONFIRMED]  # fmt: skip


def _classified(case: Any, parties: Any, state: str, gina: Any, alice: Any) -> Any:
    walk(case, "stopped", parties)
    if state == workflow.NONE:
        return None
    c = services.propose_type(actor=alice, case=case, remediation_type="shutdown", reason="无证无照",
                              planned_completion=clock.today() + IN)  # fmt: skip
    if state == ClassificationState.RETURNED:
        services.decide_type(actor=gina, classification=c, confirm=False, note="请补充理由")
    elif state == ClassificationState.CONFIRMED:
        services.decide_type(actor=gina, classification=c, confirm=True)
    c.refresh_from_db()
    return c


@pytest.mark.parametrize("state", CLASSIFICATION_STATES)
def test_the_type_table_in_every_state_for_every_party(request, parties, case, state, gina, alice):
    people = _people(request)
    c = _classified(case, parties, state, gina, alice)
    for action, step in workflow.CLASSIFICATION.items():
        for name, user in people.items():
            if action == "propose":
                result = attempt(
                    lambda u=user: services.propose_type(
                        actor=u,
                        case=case,
                        remediation_type="shutdown",
                        reason="无证",
                        planned_completion=clock.today() + IN,
                    )
                )
                # A confirmed shutdown cannot be proposed again (only a rectification turns into a shutdown).
                may = name == "alice" and state in (workflow.NONE, ClassificationState.RETURNED)
            else:
                if c is None:
                    continue  # nothing to decide on
                result = attempt(
                    lambda u=user, a=action: services.decide_type(
                        actor=u, classification=c, confirm=a == "confirm", note="意见"
                    )
                )
                may = name == "gina" and state in step.sources
            assert (result == "ok") == may, f"{action} in {state or '未提出'} by {name}: {result}"


# ---- a task ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [TaskState.OPEN, TaskState.DONE, TaskState.BLOCKED, TaskState.WAIVED])
def test_the_task_table_in_every_state_for_every_party(request, parties, case, state, walt):
    people = _people(request)
    walk(case, "confirmed", parties)
    task = case.tasks.get(kind__code="water_cut")  # the water company's
    if state == TaskState.DONE:
        services.complete_task(actor=walt, task=task, acted_on=clock.today(), account_no="1", final_reading="1",
                               photos=[services.Upload(site_photo(case, seed=1), "w.jpg")])  # fmt: skip
    elif state in (TaskState.BLOCKED, TaskState.WAIVED):
        services.block_task(actor=walt, task=task, reason="该地址无供水户号")
        if state == TaskState.WAIVED:
            services.waive_task(actor=request.getfixturevalue("gina"), task=task, reason="经核实无供水")
    task.refresh_from_db()
    for action in ("complete", "block", "waive"):
        step = workflow.TASK[action]
        for name, user in people.items():
            if action == "complete":
                result = attempt(
                    lambda u=user: services.complete_task(
                        actor=u,
                        task=task,
                        acted_on=clock.today(),
                        account_no="1",
                        final_reading="1",
                        photos=[services.Upload(site_photo(case, seed=2), "w.jpg")],
                    )
                )
            elif action == "block":
                result = attempt(lambda u=user: services.block_task(actor=u, task=task, reason="无法办理"))
            else:
                result = attempt(lambda u=user: services.waive_task(actor=u, task=task, reason="经核实无需办理"))
            owner = "gina" if action == "waive" else "walt"  # the lead department settles; the owner does the work
            may = name == owner and state in step.sources
            assert (result == "ok") == may, f"{action} in {state} by {name}: {result}"


# ---- a plan ------------------------------------------------------------------------------------------------------

PLAN_STATES = [workflow.NONE, PlanState.DRAFT, PlanState.SUBMITTED, PlanState.APPROVED, PlanState.RETURNED]


def _planned(case: Any, parties: Any, state: str, alice: Any, dora: Any) -> Any:
    walk(case, "proposed", parties, rtype="rectification")
    services.decide_type(actor=dora, classification=queries.current_classification(case), confirm=True)
    if state == workflow.NONE:
        return None
    plan = services.save_plan(actor=alice, case=case, responsible="李四", goal="达标", measures="加装设施",
                              deadline=clock.today() + IN,
                              items=[{"category": "pollution", "text": "加装废气处理", "deadline": clock.today() + IN}])  # fmt: skip
    if state != PlanState.DRAFT:
        services.submit_plan(actor=alice, plan=plan)
    if state in (PlanState.APPROVED, PlanState.RETURNED):
        services.decide_plan(actor=dora, plan=plan, approve=state == PlanState.APPROVED, note="补充废水措施")
    plan.refresh_from_db()
    return plan


@pytest.mark.parametrize("state", PLAN_STATES)
def test_the_plan_table_in_every_state_for_every_party(request, parties, case, state, alice, dora):
    people = _people(request)
    plan = _planned(case, parties, state, alice, dora)
    for action, step in workflow.PLAN.items():
        for name, user in people.items():
            if action == "save":
                result = attempt(
                    lambda u=user: services.save_plan(
                        actor=u,
                        case=case,
                        responsible="李四",
                        goal="达标",
                        measures="措施",
                        deadline=clock.today() + IN,
                        items=[{"category": "safety", "text": "消防", "deadline": clock.today() + IN}],
                    )
                )
                may = name == "alice" and state in step.sources
            elif plan is None:
                continue
            elif action == "submit":
                result = attempt(lambda u=user: services.submit_plan(actor=u, plan=plan))
                may = name == "alice" and state in step.sources
            else:
                result = attempt(
                    lambda u=user, a=action: services.decide_plan(
                        actor=u, plan=plan, approve=a == "approve", note="意见"
                    )
                )
                may = name == "dora" and state in step.sources
            assert (result == "ok") == may, f"{action} in {state or '未编制'} by {name}: {result}"
