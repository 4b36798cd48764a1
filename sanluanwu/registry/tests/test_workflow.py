"""The whole state × action matrix of the case workflow, driven by the transition table: a step that needs its record
(via the remediation work) is refused when called directly in every state; a plain step follows the table."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import make_case, make_user, walk_case
from sanluanwu.core import clock
from sanluanwu.core.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from sanluanwu.registry import services
from sanluanwu.registry.choices import CaseStatus
from sanluanwu.registry.workflow import STATUS_ORDER, TRANSITIONS

# The remediation stage (demo.walk.STAGES) that puts a case in each status.
STAGE = {CaseStatus.LISTED: "listed", CaseStatus.STOPPED: "stopped", CaseStatus.REMEDIATING: "confirmed",
         CaseStatus.AWAITING_REVIEW: "awaiting_review", CaseStatus.AWAITING_SIGNOFF: "awaiting_signoff",
         CaseStatus.CLOSED: "closed", CaseStatus.WITHDRAWN: "listed"}  # fmt: skip
# The statuses off the forward path, and the step that reaches each from its stage.
OFF_PATH = {CaseStatus.WITHDRAWN: "withdraw"}


def test_every_status_is_reached_and_in_the_forward_order():
    assert set(STAGE) == set(CaseStatus.values) == set(STATUS_ORDER) | set(OFF_PATH)
    assert not set(STATUS_ORDER) & set(OFF_PATH)


@pytest.mark.parametrize("state", list(STAGE))
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_every_action_in_every_state_follows_the_table(office, alice, campaign, district, state, action):
    case = make_case(alice, district["hutang"], case={"planned_completion": clock.today() + dt.timedelta(days=9)})
    case = walk_case(case, STAGE[state])
    if state in OFF_PATH:
        case = services.transition_case(actor=office, case=case, action=OFF_PATH[state], note="误列")
    assert case.status == state
    transition = TRANSITIONS[action]
    if transition.via:  # refused: not the office's step at all, or not without its record
        with pytest.raises((TransitionNotAllowed, PermissionDenied)):
            services.transition_case(actor=office, case=case, action=action, note="现场核查")
    elif state in transition.sources:
        case = services.transition_case(actor=office, case=case, action=action, note="现场核查")
        assert case.status == transition.target
        assert (case.closed_on is not None) == (transition.target == CaseStatus.CLOSED)
    else:
        with pytest.raises(TransitionNotAllowed):
            services.transition_case(actor=office, case=case, action=action, note="现场核查")


def test_a_step_needing_its_record_cannot_be_taken_through_the_service_by_anyone(office, alice, hutang_case):
    for actor in (office, alice):
        with pytest.raises(TransitionNotAllowed) as exc:
            services.transition_case(actor=actor, case=hutang_case, action="stop_production")
        assert "登记停产记录" in str(exc.value)


def test_remediation_cannot_start_without_a_type_and_a_planned_date(alice, campaign, district):
    """The guard of the table holds for the remediation app too: the confirmed type and date must be there."""
    case = walk_case(make_case(alice, district["hutang"], case={"remediation_type": "", "planned_completion": None}),
                     "stopped")  # fmt: skip
    gina = make_user("gina", "department_staff", district["gxj"])
    with pytest.raises(TransitionNotAllowed) as exc:
        services.transition_case(actor=gina, case=case, action="start_remediation", via="remediation", assigned=True)
    assert "请先确定整治类型" in str(exc.value)


def test_reopening_needs_a_reason(office, alice, campaign, district):
    case = walk_case(make_case(alice, district["hutang"]), "closed")
    with pytest.raises(ValidationFailed):
        services.transition_case(actor=office, case=case, action="reopen")


def test_an_inspector_and_a_town_manager_cannot_reopen_but_the_office_admin_can(alice, ada, office, campaign, district):
    case = walk_case(make_case(alice, district["hutang"]), "closed")
    for user in (ada, alice):
        with pytest.raises(PermissionDenied):
            services.transition_case(actor=user, case=case, action="reopen", note="复产")
    assert services.transition_case(actor=office, case=case, action="reopen", note="复产").status == "remediating"


def test_a_leader_and_another_town_cannot_move_a_case(leo, bob, hutang_case):
    for user in (leo, bob):
        with pytest.raises(PermissionDenied):
            services.transition_case(actor=user, case=hutang_case, action="stop_production")
