"""Look-back pages, made for a phone in the field first. Thin: services and queries do the work."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sanluanwu.accounts.queries import towns_visible_to, towns_writable_by
from sanluanwu.accounts.scope import scope_for
from sanluanwu.campaigns.queries import current_campaign
from sanluanwu.core.errors import DomainError
from sanluanwu.core.forms import add_domain_errors
from sanluanwu.lookback import photos, queries, services
from sanluanwu.lookback.choices import InspectionStatus
from sanluanwu.lookback.forms import InspectionForm, PlaceForm
from sanluanwu.registry.queries import enterprises_visible_to, similar_enterprises
from sanluanwu.registry.similarity import Find, Match


def _float(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _campaign() -> Any:
    campaign = current_campaign()
    if campaign is None:
        raise Http404("系统中没有进行中的专项行动")
    return campaign


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    campaign = _campaign()
    town_id = request.GET.get("town")
    if not scope.sees_district and len(scope.town_ids) == 1:
        town_id = str(next(iter(scope.town_ids)))
    if town_id and town_id.isdigit():
        town = towns_visible_to(scope).filter(pk=int(town_id)).first()
        if town is None:
            raise Http404("未找到该镇（街道）")
        rows = queries.progress(scope, campaign, by="village", town_id=town.pk)
    else:
        town, rows = None, queries.progress(scope, campaign, by="town")
    totals = {k: sum(r[k] for r in rows) for k in ("total", "done", "to_do", "problems")}
    totals["percent"] = round(100 * totals["done"] / totals["total"]) if totals["total"] else 0
    return render(request, "lookback/overview.html", {
        "campaign": campaign, "town": town, "rows": rows, "totals": totals,
        "writable_towns": towns_writable_by(scope), "place_form": PlaceForm(),
    })  # fmt: skip


@login_required
@require_POST
def generate(request: HttpRequest) -> HttpResponse:
    town = towns_writable_by(scope_for(request.user)).filter(pk=request.POST.get("town") or 0).first()
    if town is None:
        raise Http404("未找到该镇（街道）")
    n = services.generate_targets(actor=request.user, campaign=_campaign(), town=town)
    messages.success(request, f"已为{town.name}逐企生成 {n} 个排查对象" if n else f"{town.name}的排查对象已是最新")
    return redirect(f"/lookback/?town={town.pk}")


@login_required
def add_place(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    form = PlaceForm(request.POST or None)
    town = towns_writable_by(scope).filter(pk=request.POST.get("town") or request.GET.get("town") or 0).first()
    if request.method == "POST" and form.is_valid():
        if town is None:
            form.add_error(None, "请选择镇（街道）")
        else:
            try:
                target = services.add_place(actor=request.user, campaign=_campaign(), town=town, **form.cleaned_data)
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, f"已添加排查场所“{target.name}”")
                return redirect("lookback:target_detail", pk=target.pk)
    return render(request, "lookback/place_form.html", {"form": form, "towns": towns_writable_by(scope), "town": town},
                  status=400 if form.errors else 200)  # fmt: skip


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    lon, lat = _float(request.GET.get("lon")), _float(request.GET.get("lat"))
    items = queries.worklist(request.user, lon=lon, lat=lat)
    return render(request, "lookback/worklist.html", {"items": items, "located": lon is not None and lat is not None,
                                                      "accuracy": _float(request.GET.get("acc"))})  # fmt: skip


@login_required
def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = queries.access_target(request.user, pk)
    inspections = queries.inspections_visible_to(request.user).filter(target=target).select_related("case")
    can_write = scope_for(request.user).can_write_town(target.town_id)
    return render(request, "lookback/target_detail.html", {
        "target": target, "inspections": inspections, "can_write": can_write,
        "inspectors": queries.inspectors_of(target.town_id) if can_write else [],
    })  # fmt: skip


@login_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    """A town manager (or the office) gives the place to one of the town's inspectors."""
    target = queries.access_target(request.user, pk)
    inspector = queries.inspectors_of(target.town_id).filter(pk=request.POST.get("inspector") or 0).first()
    if inspector is None:
        messages.error(request, "请选择本镇（街道）的排查员")
    else:
        try:
            services.assign_targets(actor=request.user, targets=[target], inspector=inspector)
        except DomainError as exc:
            messages.error(request, exc.text)
        else:
            messages.success(request, f"已分配给{inspector.display_name}")
    return redirect("lookback:target_detail", pk=target.pk)


@login_required
@require_POST
def start(request: HttpRequest, pk: int) -> HttpResponse:
    target = queries.access_target(request.user, pk)
    try:
        inspection = services.start_inspection(actor=request.user, target=target)
    except DomainError as exc:
        raise DjangoPermissionDenied(str(exc)) from None
    return redirect("lookback:inspection", pk=inspection.pk)


def _match(request: HttpRequest, form: InspectionForm, inspection: Any) -> Match | None:
    """Is the new find already known? None until a name is given."""
    name = form.data.get("new_name") or inspection.new_name
    if not name:
        return None
    data = form.data  # what was just typed, else what the draft holds
    lon, lat = inspection.longitude, inspection.latitude
    find = Find(name=name, town_id=inspection.town_id,
                legal_person=data.get("new_legal_person", inspection.new_legal_person),
                phone=data.get("new_phone", inspection.new_phone),
                credit_code=data.get("new_credit_code", inspection.new_credit_code),
                lon=float(lon) if lon is not None else None, lat=float(lat) if lat is not None else None,
                village=inspection.target.village)  # fmt: skip
    return similar_enterprises(scope_for(request.user), find)


@login_required
def inspection(request: HttpRequest, pk: int) -> HttpResponse:
    insp = queries.access_inspection(request.user, pk)
    scope = scope_for(request.user)
    items = services.applicable_items(insp.target)
    answers = {a.item: a for a in insp.answers.all()}
    if insp.status != InspectionStatus.DRAFT:
        return render(request, "lookback/inspection_detail.html", {
            "inspection": insp, "rows": [(i, answers.get(i.code)) for i in items], "photos": insp.photos.all(),
            "amendments": insp.amendments.all(), "can_write": scope.can_write_town(insp.town_id),
        })  # fmt: skip
    if not scope.can_write_town(insp.town_id):
        raise Http404("未找到该检查记录")
    initial: dict[str, Any] = {
        "inspected_at": insp.inspected_at, "inspectors": insp.inspectors, "longitude": insp.longitude,
        "latitude": insp.latitude, "accuracy_m": insp.accuracy_m, "distance_reason": insp.distance_reason,
        "env_problems": insp.env_problems, "safety_problems": insp.safety_problems, "other_problems": insp.other_problems,
        "category_reason": insp.category_reason, "new_name": insp.new_name, "new_legal_person": insp.new_legal_person,
        "new_phone": insp.new_phone, "new_industry": insp.new_industry, "new_credit_code": insp.new_credit_code,
    }  # fmt: skip
    for code, a in answers.items():
        initial[f"answer_{code}"], initial[f"note_{code}"] = a.answer, a.note
    form = InspectionForm(request.POST or None, initial=initial, items=items)
    warnings: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        data = form.to_input()
        link = None
        if form.cleaned_data.get("link_enterprise"):
            link = enterprises_visible_to(scope).filter(pk=form.cleaned_data["link_enterprise"]).first()
        try:
            if request.POST.get("submit"):
                insp = services.submit_inspection(actor=request.user, inspection=insp, data=data, link_enterprise=link,
                                                  acknowledge_new=form.cleaned_data["acknowledge_new"])  # fmt: skip
                messages.success(request, "检查已提交" + (f"，已列入动态管理整治名单（第{insp.category}类）"
                                                           if insp.case_id else "，未发现问题"))  # fmt: skip
                return redirect("lookback:inspection", pk=insp.pk)
            insp = services.save_draft(actor=request.user, inspection=insp, data=data)
            messages.success(request, "草稿已保存")
            return redirect("lookback:inspection", pk=insp.pk)
        except DomainError as exc:
            add_domain_errors(form, exc)
            warnings = exc.warnings
    return render(request, "lookback/inspection_form.html", {
        "inspection": insp, "target": insp.target, "form": form, "photos": insp.photos.all(), "warnings": warnings,
        "match": _match(request, form, insp),
    }, status=400 if form.errors else 200)  # fmt: skip


@login_required
@require_POST
def upload_photo(request: HttpRequest, pk: int) -> HttpResponse:
    insp = queries.access_inspection(request.user, pk)
    uploads = request.FILES.getlist("photo")
    if not uploads:
        messages.error(request, "请选择照片")
    for upload in uploads:
        try:
            services.add_photo(actor=request.user, inspection=insp, data=upload.read(), filename=upload.name or "photo",
                               item=request.POST.get("item", ""))  # fmt: skip
        except DomainError as exc:
            messages.error(request, exc.text)
        else:
            messages.success(request, f"照片“{upload.name}”已上传")
    return redirect("lookback:inspection", pk=insp.pk)


@login_required
@require_POST
def amend(request: HttpRequest, pk: int) -> HttpResponse:
    insp = queries.access_inspection(request.user, pk)
    changes = {f: request.POST[f] for f in services.AMENDABLE if f in request.POST and f != "inspected_at"}
    try:
        services.amend_inspection(actor=request.user, inspection=insp, reason=request.POST.get("reason", ""),
                                  changes=changes)  # fmt: skip
    except DomainError as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, "更正已记录")
    return redirect("lookback:inspection", pk=insp.pk)


@login_required
def photo(request: HttpRequest, pk: int, original: bool = False) -> FileResponse:
    """Every photo access is authorised here: the file store is not served by any URL."""
    p = queries.access_photo(request.user, pk)
    if original:
        path = photos.original_path(p.stored_name, photos.extension_for(p.content_type))
        response = FileResponse(path.open("rb"), content_type=p.content_type, as_attachment=True,
                                filename=p.original_name)  # fmt: skip
    else:
        response = FileResponse(photos.preview_path(p.stored_name).open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
