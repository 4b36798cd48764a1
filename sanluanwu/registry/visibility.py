"""Which cases a department or utility user sees: those their unit is assigned (a remediation task, a
supervision request …). Higher apps widen it by registering a condition, the way they add panels to the
case page (registry.panels); the registry never imports them (layers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q

from sanluanwu.accounts.scope import Scope

# A hook returns a condition on Case (e.g. Q(pk__in=<the cases the user's unit holds a task on>)), or None.
CaseVisibility = Callable[[Scope], Q | None]
_HOOKS: list[CaseVisibility] = []


def register_case_visibility(hook: CaseVisibility) -> CaseVisibility:
    if hook not in _HOOKS:
        _HOOKS.append(hook)
    return hook


# The apps whose audited writes change what a case list shows (audit.memo topics): the registry's own events, the
# bulk writes it records as the import's ("imports."), the org units and campaigns a row names; higher apps add
# theirs (register_case_topic) when their events come with a change of cases or of who sees them.
_TOPICS: list[str] = ["registry", "imports", "accounts", "campaigns"]


def register_case_topic(topic: str) -> None:
    if topic not in _TOPICS:
        _TOPICS.append(topic)


def case_topics() -> tuple[str, ...]:
    """What a remembered read of cases (the list page, the API list, the 待办 counts) is remembered under."""
    return tuple(_TOPICS)


def assigned_cases(scope: Scope) -> Q:
    """The cases assigned to the user's units by every registered app; none when no app assigns any."""
    condition = Q(pk__in=[])
    for hook in _HOOKS:
        extra = hook(scope)
        if extra is not None:
            condition |= extra
    return condition


# The apps whose rows a case list is made of: cases and enterprises, org units, campaigns (audit.memo's rows_of).
_LIST_ROWS_OF = ("registry", "accounts", "campaigns")


def case_memo(scope: Scope) -> dict[str, Any]:
    """audit.memo.remembered()'s keywords for a read of the cases `scope` sees (a list page, the API list, counts):
    under every write of cases (case_topics), except for a user who sees only whole towns' cases, whose reads are
    remembered under the writes naming those towns (or no town): a task done on another town's case keeps them."""
    if scope.sees_district or not scope.town_ids or any(hook(scope) is not None for hook in _HOOKS):
        return {"topics": case_topics()}
    return {"topics": case_topics(), "towns": frozenset(scope.town_ids), "rows_of": _LIST_ROWS_OF}
