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


# Where a user without the list lands (a utility's work list): higher apps register f(scope) -> url or None.
HomePage = Callable[[Any], str | None]
HOME_PAGES: list[HomePage] = []


def register_home_page(page: HomePage) -> HomePage:
    if page not in HOME_PAGES:
        HOME_PAGES.append(page)
    return page
