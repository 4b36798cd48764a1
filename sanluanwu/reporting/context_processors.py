from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from sanluanwu.audit.memo import remembered
from sanluanwu.campaigns.queries import current_campaign, current_phase
from sanluanwu.core import clock
from sanluanwu.reporting.queries import next_due


def _banner() -> dict[str, Any] | None:
    # The campaign, its phases and its periods change only with campaigns' and reporting's own writes.
    return remembered(("campaign_banner",), _read_banner, topics=("campaigns", "reporting"))


def _read_banner() -> dict[str, Any] | None:
    campaign = current_campaign()
    if campaign is None:
        return None
    today = clock.today()
    due = next_due(campaign, today)
    return {"campaign": campaign, "phase": current_phase(campaign, today), "due": due,
            "days_left": (due.due_on - today).days if due else None}  # fmt: skip


def campaign_banner(request: HttpRequest) -> dict[str, Any]:
    """The slim banner of every page: the current campaign and phase with their dates, days to the next deadline.
    Read only when a page shows it (logged-in pages)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"campaign_banner": SimpleLazyObject(_banner)}
