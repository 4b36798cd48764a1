from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from sanluanwu.accounts import permissions
from sanluanwu.accounts.scope import scope_for
from sanluanwu.core import clock
from sanluanwu.remediation.queries import case_work


def pending_banner(request: HttpRequest) -> SafeString | None:
    """待办 at the top of the list: what waits for this user in the remediation work, each a link to its list."""
    from sanluanwu.remediation.queries import pending_for

    pending = pending_for(request.user)
    if not pending:
        return None
    return mark_safe(render_to_string("remediation/pending.html", {"pending": pending}, request=request))


def remediation_panel(request: HttpRequest, case: Any) -> SafeString | None:
    """整治工作 on the case page: the five 两断三清 items, every task, the plan, reviews, enforcement, what to do next."""
    scope = scope_for(request.user)
    if not permissions.allows(scope, "remediation.view"):
        return None
    work = case_work(case, scope, remember=True)
    return mark_safe(render_to_string("remediation/case_panel.html",
                                      {"work": work, "case": case, "today": clock.today()}, request=request))  # fmt: skip
