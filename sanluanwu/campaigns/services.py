"""Changes to a campaign and its phases (the plan's steps as data); they decide what "today" means for the
dynamic list (current_campaign, current_phase), so each change is audited, old → new.

Called by the Django admin (campaigns/admin.py) instead of saving models itself.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from sanluanwu.accounts.services import require_admin_permission
from sanluanwu.audit.services import diff_fields, record_event, snapshot
from sanluanwu.campaigns.models import Campaign, Phase
from sanluanwu.core.errors import validate_model

CAMPAIGN_AUDITED = ["name", "document_no", "issued_on", "starts_on", "ends_on", "baseline_label", "is_active"]
PHASE_AUDITED = ["campaign", "kind", "starts_on", "ends_on", "description"]


def save_campaign(*, actor: Any, campaign: Campaign) -> Campaign:
    new = campaign.pk is None
    require_admin_permission(actor, "campaigns.add_campaign" if new else "campaigns.change_campaign",
                             "新建专项行动" if new else "修改专项行动")  # fmt: skip
    validate_model(campaign)
    with transaction.atomic():
        stored = Campaign.objects.select_for_update().filter(pk=campaign.pk).first() if not new else None
        before = snapshot(stored, CAMPAIGN_AUDITED) if stored else {}
        campaign.save()
        changes = diff_fields(before, snapshot(campaign, CAMPAIGN_AUDITED))
        if new or changes:
            record_event(actor=actor, action="campaigns.campaign.created" if new else "campaigns.campaign.updated",
                         obj=campaign, changes=changes)  # fmt: skip
    return campaign


def save_phase(*, actor: Any, phase: Phase) -> Phase:
    new = phase.pk is None
    require_admin_permission(actor, "campaigns.add_phase" if new else "campaigns.change_phase",
                             "新增实施阶段" if new else "修改实施阶段")  # fmt: skip
    validate_model(phase)
    with transaction.atomic():
        stored = Phase.objects.select_for_update().filter(pk=phase.pk).first() if not new else None
        before = snapshot(stored, PHASE_AUDITED) if stored else {}
        phase.save()
        changes = diff_fields(before, snapshot(phase, PHASE_AUDITED))
        if new or changes:
            record_event(actor=actor, action="campaigns.phase.created" if new else "campaigns.phase.updated",
                         obj=phase, changes=changes)  # fmt: skip
    return phase


def delete_phase(*, actor: Any, phase: Phase) -> None:
    """The event keeps what the phase was."""
    require_admin_permission(actor, "campaigns.delete_phase", "删除实施阶段")
    with transaction.atomic():
        stored = Phase.objects.select_for_update().filter(pk=phase.pk).first() or phase
        record_event(actor=actor, action="campaigns.phase.deleted", obj=stored,
                     changes={name: [value, None] for name, value in snapshot(stored, PHASE_AUDITED).items()})  # fmt: skip
        stored.delete()
