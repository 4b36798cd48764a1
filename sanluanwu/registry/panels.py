"""Panels that higher apps add to the case detail page (look-back evidence now; tasks, reports later).

Registry must not import them (layers); they register here in their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString

CasePanel = Callable[[HttpRequest, Any], SafeString | None]
CASE_PANELS: list[CasePanel] = []


def register_case_panel(panel: CasePanel) -> CasePanel:
    if panel not in CASE_PANELS:
        CASE_PANELS.append(panel)
    return panel


def render_case_panels(request: HttpRequest, case: Any) -> list[SafeString]:
    return [html for panel in CASE_PANELS if (html := panel(request, case))]


# The steps of the work on a case that higher apps own (the remediation's stop, type, tasks, review, sign-off): each
# hook returns dicts {"action", "label", "url", "reason"} ("" reason: the user may take it now). The API's
# allowed_actions and next_steps read them; the case page shows them in the app's own panel.
CaseSteps = Callable[[Any, Any], list[dict[str, str]]]
CASE_STEPS: list[CaseSteps] = []


def register_case_steps(hook: CaseSteps) -> CaseSteps:
    if hook not in CASE_STEPS:
        CASE_STEPS.append(hook)
    return hook


def case_steps(scope: Any, case: Any) -> list[dict[str, str]]:
    return [step for hook in CASE_STEPS for step in hook(scope, case)]


# What the top of the list page shows a user before the list (the work waiting for them): request -> html or None.
ListBanner = Callable[[HttpRequest], SafeString | None]
LIST_BANNERS: list[ListBanner] = []


def register_list_banner(banner: ListBanner) -> ListBanner:
    if banner not in LIST_BANNERS:
        LIST_BANNERS.append(banner)
    return banner


def render_list_banners(request: HttpRequest) -> list[SafeString]:
    return [html for banner in LIST_BANNERS if (html := banner(request))]


# Where a user without the list lands (a utility's work list): higher apps register f(scope) -> url or None.
HomePage = Callable[[Any], str | None]
HOME_PAGES: list[HomePage] = []


def register_home_page(page: HomePage) -> HomePage:
    if page not in HOME_PAGES:
        HOME_PAGES.append(page)
    return page
