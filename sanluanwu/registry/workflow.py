"""The case lifecycle as a table: action, from-states, to-state, the permission it needs, a guard.

Buttons on the detail page, `allowed_actions` in the API, the import's status steps and the state × action
test all read it. Who holds each permission is the permission table (accounts/permissions.py): the
workflow action `stop_production` needs the permission `case.stop_production`, and so on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sanluanwu.accounts import permissions
from sanluanwu.accounts.scope import Scope
from sanluanwu.registry.choices import CaseStatus as S

if TYPE_CHECKING:
    from sanluanwu.registry.models import Case


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
    guard: Callable[[Case], str | None] | None = None
    needs_note: bool = False
    # 销号 needs the on-site review: never by a sheet import, whoever imports it.
    by_import: bool = True

    @property
    def permission(self) -> str:
        return f"case.{self.action}"


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("stop_production", "确认已停产（先停后治）", frozenset({S.LISTED}), S.STOPPED),
        Transition("start_remediation", "开始整治", frozenset({S.STOPPED}), S.REMEDIATING, _has_plan),
        Transition("submit_for_review", "整治完成，申请现场审核", frozenset({S.REMEDIATING}), S.AWAITING_REVIEW),
        Transition("approve_closure", "现场审核通过，销号", frozenset({S.AWAITING_REVIEW}), S.CLOSED, by_import=False),
        Transition(
            "return_for_rework",
            "现场审核未通过，退回整治",
            frozenset({S.AWAITING_REVIEW}),
            S.REMEDIATING,
            needs_note=True,
            by_import=False,
        ),
        Transition(
            "reopen",
            "重新打开（撤销销号）",
            frozenset({S.CLOSED}),
            S.REMEDIATING,
            needs_note=True,
            by_import=False,
        ),
    ]
}
for _t in TRANSITIONS.values():
    assert _t.permission in permissions.PERMISSIONS, f"{_t.permission} is missing from accounts/permissions.py"

# The forward path a status change in a sheet walks, one workflow step at a time.
FORWARD: dict[str, str] = {S.LISTED: "stop_production", S.STOPPED: "start_remediation", S.REMEDIATING: "submit_for_review",
           S.AWAITING_REVIEW: "approve_closure"}  # fmt: skip
STATUS_ORDER: list[str] = [S.LISTED, S.STOPPED, S.REMEDIATING, S.AWAITING_REVIEW, S.CLOSED]


def allows(transition: Transition, scope: Scope, case: Case) -> bool:
    """The permission table lets the actor take this step in the case's town."""
    return permissions.allows(scope, transition.permission, town_id=case.town_id)


def allowed_actions(scope: Scope, case: Case) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if case.status in t.sources and allows(t, scope, case)]


def forward_steps(current: str, target: str) -> list[Transition] | None:
    """The workflow steps from `current` forward to `target`; None when `target` lies behind."""
    if STATUS_ORDER.index(target) < STATUS_ORDER.index(current):
        return None
    steps = []
    status = current
    while status != target:
        step = TRANSITIONS[FORWARD[status]]
        steps.append(step)
        status = step.target
    return steps
