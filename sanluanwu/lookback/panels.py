from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from sanluanwu.lookback.queries import inspections_visible_to


def evidence_panel(request: HttpRequest, case: Any) -> SafeString | None:
    """The look-back inspections that put the case on the list, with their photos as evidence."""
    inspections = list(inspections_visible_to(request.user).filter(case=case).prefetch_related("photos")
                       .select_related("target"))  # fmt: skip
    if not inspections:
        return None
    return mark_safe(render_to_string("lookback/case_evidence.html", {"inspections": inspections}, request=request))
