"""The office sets up and edits campaigns in pages (not only the admin): fields, phases, reporting rules, units."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sanluanwu.accounts.choices import OrgUnitKind
from sanluanwu.accounts.decorators import requires
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.campaigns import services
from sanluanwu.campaigns.choices import PhaseKind
from sanluanwu.campaigns.models import Campaign
from sanluanwu.core import params
from sanluanwu.core.errors import DomainError, ValidationFailed


class CampaignForm(forms.ModelForm[Campaign]):
    class Meta:
        model = Campaign
        fields = ["name", "district", "document_no", "issued_on", "starts_on", "ends_on", "baseline_label", "is_active",
                  "first_due_day", "second_due_day", "reminder_days", "briefs_min", "briefs_max"]  # fmt: skip
        widgets = {f: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
                   for f in ("issued_on", "starts_on", "ends_on")}  # fmt: skip


def _date(value: str, label: str, field: str) -> dt.date | None:
    text = (value or "").strip()[:20]
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed({field: [f"{label}“{text}”格式不对，应为“年-月-日”"]}) from None


@requires(GET="campaign.manage")
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = Campaign.objects.prefetch_related("phases").order_by("-starts_on")
    return render(request, "campaigns/list.html", {"campaigns": campaigns})


@requires(GET="campaign.manage", POST="campaign.manage")
def campaign_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    campaign = Campaign() if pk is None else Campaign.objects.filter(pk=pk if 0 < pk < 2**62 else 0).first()
    if campaign is None:
        raise Http404("未找到该专项行动")
    units = list(OrgUnit.objects.filter(kind__in=[OrgUnitKind.TOWN, OrgUnitKind.DEPARTMENT], is_active=True)
                 .order_by("kind", "sort_order", "name"))  # fmt: skip
    chosen = {u.pk for u in campaign.participants.all()} if campaign.pk else {u.pk for u in units}
    phases = {p.kind: p for p in campaign.phases.all()} if campaign.pk else {}
    errors: dict[str, list[str]] = {}
    form = CampaignForm(request.POST or None, instance=campaign)
    status = 200
    if request.method == "POST":
        raw = request.POST.getlist("participants")
        chosen = {n for v in raw if (n := params.pk(v))}
        try:
            known = {u.pk for u in units}
            if len(chosen) != len(set(raw)) or not chosen <= known:
                raise ValidationFailed({"participants": ["参加单位中有不存在或已停用的单位，请刷新页面后重新勾选"]})
            planned: dict[str, tuple[dt.date | None, dt.date | None, str]] = {}
            for kind in PhaseKind:
                planned[kind.value] = (
                    _date(request.POST.get(f"{kind.value}_start", ""), f"{kind.label}开始日期", f"phase_{kind.value}"),
                    _date(request.POST.get(f"{kind.value}_end", ""), f"{kind.label}结束日期", f"phase_{kind.value}"),
                    request.POST.get(f"{kind.value}_text", "").strip(),
                )
                if len(planned[kind.value][2]) > 2000:
                    raise ValidationFailed({f"phase_{kind.value}": [
                        f"{kind.label}的工作内容不能超过 2000 个字（现有 {len(planned[kind.value][2])} 个）"]})  # fmt: skip
            if not form.is_valid():
                raise ValidationFailed({k: [str(m) for m in v] for k, v in form.errors.items()})
            saved = services.save_campaign_setup(actor=request.user, campaign=form.instance, phases=planned,
                                                 participants=[u for u in units if u.pk in chosen])  # fmt: skip
            messages.success(request, f"已保存“{saved.name}”；报送期已按新的日期和规则更新")
            return redirect("campaigns:list")
        except DomainError as exc:
            errors = exc.errors
            status = exc.status_code
    rows = []
    for kind in PhaseKind:
        p = phases.get(kind.value)
        rows.append({"kind": kind.value, "label": kind.label,
                     "start": request.POST.get(f"{kind.value}_start") if request.method == "POST" else (p.starts_on.isoformat() if p else ""),
                     "end": request.POST.get(f"{kind.value}_end") if request.method == "POST" else (p.ends_on.isoformat() if p else ""),
                     "text": request.POST.get(f"{kind.value}_text") if request.method == "POST" else (p.description if p else ""),
                     "errors": errors.get(f"phase_{kind.value}", [])})  # fmt: skip
    context: dict[str, Any] = {
        "campaign": campaign, "form": form, "phase_rows": rows, "errors": errors, "chosen": chosen,
        "towns": [u for u in units if u.kind == OrgUnitKind.TOWN],
        "departments": [u for u in units if u.kind == OrgUnitKind.DEPARTMENT],
    }  # fmt: skip
    return render(request, "campaigns/edit.html", context, status=status)
