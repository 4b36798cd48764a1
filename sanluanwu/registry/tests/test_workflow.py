"""The whole state × action matrix of the case workflow, driven by the transition table."""

from __future__ import annotations

import pytest

from conftest import make_case
from sanluanwu.core import clock
from sanluanwu.core.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from sanluanwu.registry import services
from sanluanwu.registry.choices import CaseStatus
from sanluanwu.registry.workflow import TRANSITIONS

# How to reach each state from "listed", through the service.
PATH = {
    CaseStatus.LISTED: [],
    CaseStatus.STOPPED: ["stop_production"],
    CaseStatus.REMEDIATING: ["stop_production", "start_remediation"],
    CaseStatus.AWAITING_REVIEW: ["stop_production", "start_remediation", "submit_for_review"],
    CaseStatus.CLOSED: ["stop_production", "start_remediation", "submit_for_review", "approve_closure"],
}


@pytest.mark.parametrize("state", list(PATH))
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_every_action_in_every_state_follows_the_table(office, campaign, district, state, action):
    import datetime as dt

    case = make_case(office, district["hutang"], case={"planned_completion": clock.today() + dt.timedelta(days=9)})
    for step in PATH[state]:
        case = services.transition_case(actor=office, case=case, action=step)
    assert case.status == state
    transition = TRANSITIONS[action]
    if state in transition.sources:
        case = services.transition_case(actor=office, case=case, action=action, note="现场核查")
        assert case.status == transition.target
        assert (case.closed_on is not None) == (transition.target == CaseStatus.CLOSED)
    else:
        with pytest.raises(TransitionNotAllowed):
            services.transition_case(actor=office, case=case, action=action, note="现场核查")


def test_remediation_cannot_start_without_a_type_and_a_planned_date(alice, campaign, district):
    case = make_case(alice, district["hutang"], case={"remediation_type": "", "planned_completion": None})
    services.transition_case(actor=alice, case=case, action="stop_production")
    with pytest.raises(TransitionNotAllowed) as exc:
        services.transition_case(actor=alice, case=case, action="start_remediation")
    assert "整治类型" in str(exc.value)


def test_returning_for_rework_needs_a_reason(office, campaign, district):
    import datetime as dt

    case = make_case(office, district["hutang"], case={"planned_completion": clock.today() + dt.timedelta(days=9)})
    for step in PATH[CaseStatus.AWAITING_REVIEW]:
        case = services.transition_case(actor=office, case=case, action=step)
    with pytest.raises(ValidationFailed):
        services.transition_case(actor=office, case=case, action="return_for_rework")


def test_an_inspector_cannot_close_a_case_but_the_town_manager_can(alice, ada, campaign, district):
    import datetime as dt

    case = make_case(alice, district["hutang"], case={"planned_completion": clock.today() + dt.timedelta(days=9)})
    case = services.transition_case(actor=ada, case=case, action="stop_production")  # seen on site
    for step in PATH[CaseStatus.AWAITING_REVIEW][1:]:
        with pytest.raises(PermissionDenied):
            services.transition_case(actor=ada, case=case, action=step)
        case = services.transition_case(actor=alice, case=case, action=step)
    with pytest.raises(PermissionDenied):
        services.transition_case(actor=ada, case=case, action="approve_closure")
    assert services.transition_case(actor=alice, case=case, action="approve_closure").status == CaseStatus.CLOSED


def test_a_leader_and_another_town_cannot_move_a_case(leo, bob, hutang_case):
    for user in (leo, bob):
        with pytest.raises(PermissionDenied):
            services.transition_case(actor=user, case=hutang_case, action="stop_production")
