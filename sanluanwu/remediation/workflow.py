"""The transition tables of the remediation work: the type (classification), a task, a plan. The case's own table is
registry/workflow.py; its remediation steps name `via="remediation"` and are taken by this app's services.

Each row: action, label, from-states, to-state, the permission (accounts/permissions.py) and whether a reason is
required. Buttons, `allowed_actions` in the API and the state × action × role test read these tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from sanluanwu.accounts import permissions
from sanluanwu.remediation.choices import ClassificationState as C
from sanluanwu.remediation.choices import PlanState as P
from sanluanwu.remediation.choices import TaskState as T

NONE = ""  # no record yet


@dataclass(frozen=True)
class Step:
    action: str
    label: str
    sources: frozenset[str]
    target: str
    permission: str
    needs_note: bool = False


def _table(*steps: Step) -> dict[str, Step]:
    for s in steps:
        assert s.permission in permissions.PERMISSIONS, f"{s.permission} is missing from accounts/permissions.py"
    return {s.action: s for s in steps}


CLASSIFICATION: dict[str, Step] = _table(
    Step("propose", "提出整治类型", frozenset({NONE, C.RETURNED, C.CONFIRMED}), C.PROPOSED, "remediation.propose_type"),
    Step("confirm", "确认整治类型", frozenset({C.PROPOSED}), C.CONFIRMED, "case.start_remediation"),
    Step("return", "退回整治类型", frozenset({C.PROPOSED}), C.RETURNED, "case.start_remediation", needs_note=True),
)

TASK: dict[str, Step] = _table(
    Step("complete", "登记完成", frozenset({T.OPEN, T.BLOCKED}), T.DONE, "task.complete"),
    Step("block", "无法办理", frozenset({T.OPEN}), T.BLOCKED, "task.complete", needs_note=True),
    # A task that cannot be done (no water account at this address …): the lead department checks the reason and
    # settles it; the on-site review still confirms the item on the spot.
    Step("waive", "核实无需办理", frozenset({T.BLOCKED}), T.WAIVED, "case.start_remediation", needs_note=True),
    # A failed on-site review turns an item it could not confirm back into work (the reviewer's decision).
    Step(
        "rework",
        "退回重新办理",
        frozenset({T.DONE, T.BLOCKED, T.WAIVED}),
        T.OPEN,
        "case.return_for_rework",
        needs_note=True,
    ),
)

PLAN: dict[str, Step] = _table(
    Step("save", "保存整改方案", frozenset({NONE, P.DRAFT, P.RETURNED}), P.DRAFT, "plan.edit"),
    Step("submit", "提交生态环境局审批", frozenset({P.DRAFT}), P.SUBMITTED, "plan.edit"),
    Step("approve", "批准整改方案", frozenset({P.SUBMITTED}), P.APPROVED, "plan.decide"),
    Step("return", "退回修改", frozenset({P.SUBMITTED}), P.RETURNED, "plan.decide", needs_note=True),
)
