"""The case lifecycle as a table: action, from-states, to-state, who may, and a guard.

Buttons on the detail page, `allowed_actions` in the API and the state × action test all read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sanluanwu.accounts.choices import Role
from sanluanwu.accounts.scope import Scope
from sanluanwu.registry.choices import CaseStatus as S

if TYPE_CHECKING:
    from sanluanwu.registry.models import Case

_TOWN_OR_OFFICE = frozenset({Role.TOWN_MANAGER, Role.TOWN_INSPECTOR, Role.OFFICE_ADMIN, Role.OFFICE_STAFF})
_MANAGER_OR_OFFICE = frozenset({Role.TOWN_MANAGER, Role.OFFICE_ADMIN, Role.OFFICE_STAFF})


def _has_plan(case: Case) -> str | None:
    if not case.remediation_type:
        return "请先确定整治类型（关停取缔或治理改造）"
    if not case.planned_completion:
        return "请先填写计划完成时间"
    return None


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    guard: Callable[[Case], str | None] | None = None
    needs_note: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("stop_production", "确认已停产（先停后治）", frozenset({S.LISTED}), S.STOPPED, _TOWN_OR_OFFICE),
        Transition("start_remediation", "开始整治", frozenset({S.STOPPED}), S.REMEDIATING, _TOWN_OR_OFFICE, _has_plan),
        Transition(
            "submit_for_review",
            "整治完成，申请现场审核",
            frozenset({S.REMEDIATING}),
            S.AWAITING_REVIEW,
            _TOWN_OR_OFFICE,
        ),
        Transition(
            "approve_closure", "现场审核通过，销号", frozenset({S.AWAITING_REVIEW}), S.CLOSED, _MANAGER_OR_OFFICE
        ),
        Transition(
            "return_for_rework",
            "现场审核未通过，退回整治",
            frozenset({S.AWAITING_REVIEW}),
            S.REMEDIATING,
            _MANAGER_OR_OFFICE,
            needs_note=True,
        ),
    ]
}


def role_allows(transition: Transition, scope: Scope, case: Case) -> bool:
    """The actor holds a role of the transition, in the case's town or district-wide."""
    if scope.writes_district and transition.roles & {Role.OFFICE_ADMIN, Role.OFFICE_STAFF} & scope.roles:
        return True
    return bool(transition.roles & scope.roles_in_town(case.town_id))


def allowed_actions(scope: Scope, case: Case) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if case.status in t.sources and role_allows(t, scope, case)]
