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
    # A sheet may SAY a case reached this step (the import then notes that the step is done in the system and keeps
    # the status); False: the sheet's row is refused (销号 and its review are never done by a sheet).
    by_import: bool = True
    # The app whose service takes this step together with the record it needs (the stop record, the confirmed type,
    # the review, the sign-off): "remediation". transition_case refuses such a step from anyone else.
    via: str = ""
    # Why it is blocked until then, for a user looking for the button.
    via_hint: str = ""

    @property
    def permission(self) -> str:
        return f"case.{self.action}"


_REMEDIATION = "remediation"
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            "stop_production",
            "登记停产（先停后治）",
            frozenset({S.LISTED}),
            S.STOPPED,
            via=_REMEDIATION,
            via_hint="请在“整治工作”中登记停产记录（停产日期、下令单位、证据）",
        ),
        Transition(
            "start_remediation",
            "牵头部门确认整治类型，开始整治",
            frozenset({S.STOPPED}),
            S.REMEDIATING,
            _has_plan,
            via=_REMEDIATION,
            via_hint="由镇（街道）提出整治类型，牵头部门在“整治工作”中确认",
        ),
        Transition(
            "submit_for_review",
            "整治完成，申请现场审核",
            frozenset({S.REMEDIATING}),
            S.AWAITING_REVIEW,
            via=_REMEDIATION,
            via_hint="全部任务或整改事项完成后，在“整治工作”中申请现场审核",
        ),
        Transition(
            "pass_review",
            "现场审核通过",
            frozenset({S.AWAITING_REVIEW}),
            S.AWAITING_SIGNOFF,
            by_import=False,
            via=_REMEDIATION,
            via_hint="请在“整治工作”中填写现场审核记录",
        ),
        Transition(
            "return_for_rework",
            "现场审核未通过，退回整治",
            frozenset({S.AWAITING_REVIEW}),
            S.REMEDIATING,
            needs_note=True,
            by_import=False,
            via=_REMEDIATION,
            via_hint="请在“整治工作”中填写现场审核记录",
        ),
        Transition(
            "approve_closure",
            "牵头部门签认，销号",
            frozenset({S.AWAITING_SIGNOFF}),
            S.CLOSED,
            by_import=False,
            via=_REMEDIATION,
            via_hint="由牵头部门在“整治工作”中签认",
        ),
        Transition(
            "refuse_signoff",
            "牵头部门不予签认，退回整治",
            frozenset({S.AWAITING_SIGNOFF}),
            S.REMEDIATING,
            needs_note=True,
            by_import=False,
            via=_REMEDIATION,
            via_hint="由牵头部门在“整治工作”中签认",
        ),
        # A case listed by mistake (误列) is withdrawn, never deleted: its history, audit trail and enterprise stay; lists,
        # counts and figures leave it out from that day on; the office restores it (to 已列入名单) with a reason.
        # Only from 已列入名单: once production is stopped, other units' records hang on the case.
        Transition(
            "withdraw",
            "撤销（误列）",
            frozenset({S.LISTED}),
            S.WITHDRAWN,
            needs_note=True,
            by_import=False,
        ),
        Transition(
            "restore",
            "恢复（撤回撤销）",
            frozenset({S.WITHDRAWN}),
            S.LISTED,
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

# Once the lead department has confirmed the type (remediation started), the type and the planned date are its
# decision: an edit, a PATCH or a sheet may not change them (a rectification turns into a shutdown by a proposal the
# lead department confirms, in the remediation work).
CONFIRMED_STATUSES = frozenset({S.REMEDIATING, S.AWAITING_REVIEW, S.AWAITING_SIGNOFF, S.CLOSED})
CONFIRMED_FIELDS = ("remediation_type", "planned_completion")
CONFIRMED_MESSAGE = (
    "整治类型和计划完成时间已由牵头部门确认，不能直接修改；治理改造逾期需转为关停取缔的，请在“整治工作”中提出"
)


# The forward path a status change in a sheet walks, one workflow step at a time.
FORWARD: dict[str, str] = {S.LISTED: "stop_production", S.STOPPED: "start_remediation", S.REMEDIATING: "submit_for_review",
           S.AWAITING_REVIEW: "pass_review", S.AWAITING_SIGNOFF: "approve_closure"}  # fmt: skip
STATUS_ORDER: list[str] = [S.LISTED, S.STOPPED, S.REMEDIATING, S.AWAITING_REVIEW, S.AWAITING_SIGNOFF, S.CLOSED]


def allows(transition: Transition, scope: Scope, case: Case) -> bool:
    """The permission table lets the actor take this step in the case's town."""
    return permissions.allows(scope, transition.permission, town_id=case.town_id)


def allowed_actions(scope: Scope, case: Case) -> list[Transition]:
    """The plain steps (no record needed) the user may take now: the buttons of the case page."""
    return [t for t in TRANSITIONS.values() if not t.via and case.status in t.sources and allows(t, scope, case)]


def forward_steps(current: str, target: str) -> list[Transition] | None:
    """The workflow steps from `current` forward to `target`; None when `target` lies behind (or off the path: a
    withdrawn case moves only by its restoring)."""
    if current not in STATUS_ORDER or target not in STATUS_ORDER:
        return None
    if STATUS_ORDER.index(target) < STATUS_ORDER.index(current):
        return None
    steps = []
    status = current
    while status != target:
        step = TRANSITIONS[FORWARD[status]]
        steps.append(step)
        status = step.target
    return steps
