"""Changes to a campaign and its phases (the plan's steps as data); they decide what "today" means for the
dynamic list (current_campaign, current_phase) and when reports fall due, so each change is audited, old → new.

The office sets a campaign up in pages (`save_campaign_setup`, permission campaign.manage); the Django admin
(campaigns/admin.py) calls save_campaign / save_phase / delete_phase. Higher apps (the reporting periods) follow a
change through `register_campaign_changed`, called inside the same transaction.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction

from sanluanwu.accounts import permissions
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.scope import OperatorActor, scope_for
from sanluanwu.accounts.services import require_admin_permission
from sanluanwu.audit.services import diff_fields, record_event, snapshot
from sanluanwu.campaigns.choices import PhaseKind
from sanluanwu.campaigns.models import Campaign, Phase
from sanluanwu.core import clock
from sanluanwu.core.errors import ValidationFailed, validate_model
from sanluanwu.core.text import clean_multiline

CAMPAIGN_AUDITED = ["name", "document_no", "issued_on", "starts_on", "ends_on", "baseline_label", "is_active",
                    "district", "first_due_day", "second_due_day", "reminder_days", "briefs_min", "briefs_max"]  # fmt: skip
PHASE_AUDITED = ["campaign", "kind", "starts_on", "ends_on", "description"]

_changed_hooks: list[Callable[..., None]] = []


def register_campaign_changed(hook: Callable[..., None]) -> None:
    """`hook(campaign=…, actor=…)` runs inside the transaction after a campaign, its phases or units changed."""
    if hook not in _changed_hooks:
        _changed_hooks.append(hook)


def campaign_changed(*, campaign: Campaign, actor: Any) -> None:
    for hook in _changed_hooks:
        hook(campaign=campaign, actor=actor)


def _require(actor: Any, admin_permission: str, what: str) -> None:
    """The office manages campaigns in pages (the permission table); the admin keeps its own permissions."""
    if isinstance(actor, OperatorActor) or permissions.allows(scope_for(actor), "campaign.manage"):
        return
    require_admin_permission(actor, admin_permission, what)


def save_campaign(*, actor: Any, campaign: Campaign, follow: bool = True) -> Campaign:
    """`follow=False` when the caller tells the higher apps itself, once, after more parts are saved."""
    new = campaign.pk is None
    _require(actor, "campaigns.add_campaign" if new else "campaigns.change_campaign",
             "新建专项行动" if new else "修改专项行动")  # fmt: skip
    validate_model(campaign)
    with transaction.atomic():
        stored = Campaign.objects.select_for_update(no_key=True).filter(pk=campaign.pk).first() if not new else None
        before = snapshot(stored, CAMPAIGN_AUDITED) if stored else {}
        campaign.updated_at = clock.now()
        campaign.save()
        changes = diff_fields(before, snapshot(campaign, CAMPAIGN_AUDITED))
        if new or changes:
            record_event(actor=actor, action="campaigns.campaign.created" if new else "campaigns.campaign.updated",
                         obj=campaign, changes=changes)  # fmt: skip
            if follow:
                campaign_changed(campaign=campaign, actor=actor)
    return campaign


def save_phase(*, actor: Any, phase: Phase) -> Phase:
    new = phase.pk is None
    _require(actor, "campaigns.add_phase" if new else "campaigns.change_phase",
             "新增实施阶段" if new else "修改实施阶段")  # fmt: skip
    validate_model(phase)
    with transaction.atomic():
        stored = Phase.objects.select_for_update(no_key=True).filter(pk=phase.pk).first() if not new else None
        before = snapshot(stored, PHASE_AUDITED) if stored else {}
        phase.save()
        changes = diff_fields(before, snapshot(phase, PHASE_AUDITED))
        if new or changes:
            record_event(actor=actor, action="campaigns.phase.created" if new else "campaigns.phase.updated",
                         obj=phase, changes=changes)  # fmt: skip
    return phase


def delete_phase(*, actor: Any, phase: Phase) -> None:
    """The event keeps what the phase was."""
    _require(actor, "campaigns.delete_phase", "删除实施阶段")
    with transaction.atomic():
        stored = Phase.objects.select_for_update(no_key=True).filter(pk=phase.pk).first() or phase
        record_event(actor=actor, action="campaigns.phase.deleted", obj=stored,
                     changes={name: [value, None] for name, value in snapshot(stored, PHASE_AUDITED).items()})  # fmt: skip
        stored.delete()


def set_participants(*, actor: Any, campaign: Campaign, units: Iterable[OrgUnit], follow: bool = True) -> bool:
    """The units taking part; audited as names added and removed, the higher apps told (unless the caller tells them
    itself, `follow=False`). Returns whether anything changed."""
    _require(actor, "campaigns.change_campaign", "修改参加单位")
    wanted = {u.pk: u for u in units}
    with transaction.atomic():
        current = {u.pk: u for u in campaign.participants.all()}
        added = [wanted[pk] for pk in wanted if pk not in current]
        removed = [current[pk] for pk in current if pk not in wanted]
        if not added and not removed:
            return False
        campaign.participants.set(list(wanted.values()))
        record_event(actor=actor, action="campaigns.campaign.participants", obj=campaign,
                     changes={"participants": [sorted(u.name for u in current.values()),
                                               sorted(u.name for u in wanted.values())]},
                     note="；".join(filter(None, ["加入：" + "、".join(u.name for u in added) if added else "",
                                                  "退出：" + "、".join(u.name for u in removed) if removed else ""])))  # fmt: skip
        if follow:
            campaign_changed(campaign=campaign, actor=actor)
    return True


def save_campaign_setup(
    *,
    actor: Any,
    campaign: Campaign,
    phases: dict[str, tuple[dt.date | None, dt.date | None, str]],
    participants: Iterable[OrgUnit],
) -> Campaign:
    """A campaign as the office sets it up in one page: its fields, its phases (kind → start, end, description; a
    kind with neither date is left out, an existing one removed) and the units taking part; one transaction,
    each part audited, the reporting periods following once at the end."""
    scope = scope_for(actor)
    if not isinstance(actor, OperatorActor):
        permissions.require(scope, "campaign.manage")
    errors: dict[str, list[str]] = {}
    for kind, (start, end, _text) in phases.items():
        label = PhaseKind(kind).label
        if (start is None) != (end is None):
            errors[f"phase_{kind}"] = [f"{label}：请同时填写开始日期和结束日期（不设该阶段则都不填）"]
        elif start and end and end < start:
            errors[f"phase_{kind}"] = [f"{label}：结束日期不能早于开始日期"]
        elif (
            start
            and end
            and campaign.starts_on
            and campaign.ends_on
            and (start < campaign.starts_on or end > campaign.ends_on)
        ):
            errors[f"phase_{kind}"] = [f"{label}：应在专项行动的起止日期（{campaign.starts_on:%Y-%m-%d} 至 "
                                       f"{campaign.ends_on:%Y-%m-%d}）之内"]  # fmt: skip
    participants = list(participants)
    if not participants:
        errors["participants"] = ["请至少选择一个参加单位（参加的镇（街道）才需要报送附件2）"]
    dated = sorted((s, e, k) for k, (s, e, _t) in phases.items() if s and e)
    for (_s1, e1, k1), (s2, _e2, k2) in itertools.pairwise(dated):
        if s2 <= e1:
            errors.setdefault(f"phase_{k2}", [f"{PhaseKind(k2).label}与{PhaseKind(k1).label}的日期重叠"])
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        save_campaign(actor=actor, campaign=campaign, follow=False)  # the periods follow once, at the end
        existing = {p.kind: p for p in campaign.phases.all()}
        for kind, (start, end, text) in phases.items():
            phase = existing.get(kind)
            if start and end:
                phase = phase or Phase(campaign=campaign, kind=kind)
                # The page's text as typed: controls (a NUL PostgreSQL refuses) go here, as on every other path.
                phase.starts_on, phase.ends_on, phase.description = start, end, clean_multiline(text)
                save_phase(actor=actor, phase=phase)
            elif phase is not None:
                delete_phase(actor=actor, phase=phase)
        set_participants(actor=actor, campaign=campaign, units=participants, follow=False)
        campaign_changed(campaign=campaign, actor=actor)
    return campaign
