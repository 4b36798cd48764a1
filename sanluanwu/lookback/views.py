"""Look-back pages, made for a phone in the field first. Thin: services and queries do the work."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from sanluanwu.accounts import permissions
from sanluanwu.accounts.decorators import require_for, requires
from sanluanwu.accounts.queries import towns_allowing, towns_visible_to
from sanluanwu.accounts.scope import scope_for
from sanluanwu.accounts.views import reveal_page
from sanluanwu.campaigns.queries import current_campaign
from sanluanwu.core import params, photos
from sanluanwu.core.errors import DomainError
from sanluanwu.core.forms import add_domain_errors
from sanluanwu.core.masking import is_masked_form, mask_field
from sanluanwu.core.text import clean_text
from sanluanwu.lookback import checklist, queries, services, worklist_rows
from sanluanwu.lookback.choices import InspectionStatus
from sanluanwu.lookback.forms import InspectionForm, PlaceForm
from sanluanwu.registry.choices import category_short
from sanluanwu.registry.queries import enterprises_visible_to
from sanluanwu.registry.similarity import Find, Match


def _campaign() -> Any:
    campaign = current_campaign()
    if campaign is None:
        raise Http404("系统中没有进行中的专项行动")
    return campaign


@requires(GET="lookback.view")
def overview(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    campaign = _campaign()
    town_id = params.pk(request.GET.get("town"))
    if not scope.sees_district and len(scope.town_ids) == 1:
        town_id = next(iter(scope.town_ids))
    if town_id:
        town = towns_visible_to(scope).filter(pk=town_id).first()
        if town is None:
            raise Http404("未找到该镇（街道）")
        rows = queries.progress(scope, campaign, by="village", town_id=town.pk)
    else:
        town, rows = None, queries.progress(scope, campaign, by="town")
    totals = {k: sum(r[k] for r in rows) for k in ("total", "done", "to_do", "problems")}
    totals["percent"] = round(100 * totals["done"] / totals["total"]) if totals["total"] else 0
    return render(request, "lookback/overview.html", {
        "campaign": campaign, "town": town, "rows": rows, "totals": totals,
        "plan_towns": towns_allowing(scope, "lookback.plan"), "place_towns": towns_allowing(scope, "lookback.add_place"),
        "place_form": PlaceForm(),
    })  # fmt: skip


@requires(POST="lookback.plan")
def generate(request: HttpRequest) -> HttpResponse:
    town = (
        towns_allowing(scope_for(request.user), "lookback.plan")
        .filter(pk=params.pk(request.POST.get("town")) or 0)
        .first()
    )
    if town is None:
        raise Http404("未找到该镇（街道）")
    n = services.generate_targets(actor=request.user, campaign=_campaign(), town=town)
    messages.success(request, f"已为{town.name}逐企生成 {n} 个排查对象" if n else f"{town.name}的排查对象已是最新")
    return redirect(f"/lookback/?town={town.pk}")


@requires(GET="lookback.add_place", POST="lookback.add_place")
def add_place(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    form = PlaceForm(request.POST or None)
    towns = towns_allowing(scope, "lookback.add_place")
    town = towns.filter(pk=params.pk(request.POST.get("town") or request.GET.get("town")) or 0).first()
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
    return render(request, "lookback/place_form.html", {"form": form, "towns": towns, "town": town},
                  status=400 if form.errors else 200)  # fmt: skip


@requires(GET="lookback.view")
def worklist(request: HttpRequest) -> HttpResponse:
    lon, lat = params.longitude(request.GET.get("lon")), params.latitude(request.GET.get("lat"))
    items = queries.worklist(request.user, lon=lon, lat=lat)
    accuracy = params.finite_float(request.GET.get("acc"), lo=params.ACCURACY_RANGE[0], hi=params.ACCURACY_RANGE[1])
    return render(request, "lookback/worklist.html", {
        "rows": worklist_rows.render_items(request, items), "located": lon is not None and lat is not None,
        "accuracy": accuracy,
    })  # fmt: skip


@requires(GET="lookback.view")
def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = queries.access_target(request.user, pk)
    # The place's history: withdrawn inspections too, marked with their reason.
    inspections = queries.inspections_visible_to(request.user, withdrawn=None).filter(target=target).select_related(
        "case")  # fmt: skip
    scope = scope_for(request.user)
    active = not target.is_withdrawn
    can_assign = active and permissions.allows(scope, "lookback.assign", town_id=target.town_id)
    return render(request, "lookback/target_detail.html", {
        "target": target, "inspections": inspections, "can_assign": can_assign,
        "can_inspect": active and permissions.allows(scope, "inspection.record", town_id=target.town_id),
        "inspectors": queries.inspectors_of(target.town_id) if can_assign else [],
        **_withdrawal_context(scope, target, "target.withdraw", target.town_id),
    })  # fmt: skip


@requires(POST="lookback.assign")
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    """A town manager (or the office) gives the place to one of the town's inspectors."""
    target = queries.access_target(request.user, pk)
    require_for(request, "lookback.assign", town_id=target.town_id)
    inspector = queries.inspectors_of(target.town_id).filter(pk=params.pk(request.POST.get("inspector")) or 0).first()
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


@requires(POST="inspection.record")
def start(request: HttpRequest, pk: int) -> HttpResponse:
    target = queries.access_target(request.user, pk)
    require_for(request, "inspection.record", town_id=target.town_id)
    try:
        inspection = services.start_inspection(actor=request.user, target=target)
    except DomainError as exc:
        raise DjangoPermissionDenied(str(exc)) from None
    return redirect("lookback:inspection", pk=inspection.pk)


def _unmasked(value: str, stored: str) -> str:
    return stored if is_masked_form(value, stored) else value


def _match(request: HttpRequest, form: InspectionForm, inspection: Any) -> tuple[Match | None, str]:
    """Is the new find already known? None until a name is given (lookback.services.candidates_for_page: audited
    and bounded phone comparisons), and what the page says when the phone was left out."""
    # What was just typed (cleaned as the service cleans it: a NUL is no text to query with), else what the draft holds.
    data = {k: clean_text(str(v))[:300] for k, v in form.data.items() if k.startswith("new_")}
    name = data.get("new_name") or inspection.new_name
    if not name:
        return None, ""
    lon, lat = inspection.longitude, inspection.latitude
    find = Find(name=name, town_id=inspection.town_id,
                legal_person=data.get("new_legal_person", inspection.new_legal_person),
                phone=_unmasked(data.get("new_phone", inspection.new_phone), inspection.new_phone),
                credit_code=data.get("new_credit_code", inspection.new_credit_code),
                lon=float(lon) if lon is not None else None, lat=float(lat) if lat is not None else None,
                village=inspection.target.village)  # fmt: skip
    return services.candidates_for_page(actor=request.user, find=find)


@requires(GET="lookback.view", POST="inspection.record")
def inspection(request: HttpRequest, pk: int) -> HttpResponse:
    insp = queries.access_inspection(request.user, pk)
    scope = scope_for(request.user)
    items = services.applicable_items(insp.target)
    answers = {a.item: a for a in insp.answers.all()}
    if insp.status != InspectionStatus.DRAFT:
        # Items answered under an earlier checklist stay visible with their answers.
        earlier = [checklist.ITEMS_BY_CODE[c] for c in answers if c in checklist.ITEMS_BY_CODE and c not in
                   {i.code for i in items}]  # fmt: skip
        return render(request, "lookback/inspection_detail.html", {
            "inspection": insp, "rows": [(i, answers.get(i.code)) for i in [*items, *earlier]], "photos": insp.photos.all(),
            "amendments": insp.amendments.all(),
            "can_amend": not insp.is_withdrawn and permissions.allows(scope, "inspection.amend", town_id=insp.town_id),
            "can_reveal": permissions.allows(scope, "person.reveal", town_id=insp.town_id),
            "can_withdraw_photos": not insp.is_withdrawn and permissions.allows(scope, "inspection.amend",
                                                                                town_id=insp.town_id),
            "can_restore_photos": not insp.is_withdrawn and permissions.allows(scope, "record.restore",
                                                                               town_id=insp.town_id),
            **_withdrawal_context(scope, insp, "inspection.withdraw", insp.town_id),
        })  # fmt: skip
    if insp.is_withdrawn:  # a withdrawn draft is read, not edited
        return render(request, "lookback/inspection_detail.html", {
            "inspection": insp, "rows": [(i, answers.get(i.code)) for i in items], "photos": insp.photos.all(),
            "amendments": [], **_withdrawal_context(scope, insp, "inspection.withdraw", insp.town_id),
        })  # fmt: skip
    # A draft reaches here only for those who may record it (queries.inspections_visible_to). Its personal fields show
    # masked like every page (a reason or a problem often quotes a mobile); sent back as shown or edited around the
    # numbers they keep them (services._restore_masked), and who needs a number whole reveals it, audited.
    initial: dict[str, Any] = {
        "inspected_at": insp.inspected_at, "inspectors": insp.inspectors, "longitude": insp.longitude,
        "latitude": insp.latitude, "accuracy_m": insp.accuracy_m, "distance_reason": insp.distance_reason,
        "env_problems": insp.env_problems, "safety_problems": insp.safety_problems, "other_problems": insp.other_problems,
        "category_reason": insp.category_reason, "new_name": insp.new_name, "new_legal_person": insp.new_legal_person,
        "new_phone": insp.new_phone, "new_industry": insp.new_industry, "new_credit_code": insp.new_credit_code,
    }  # fmt: skip
    initial = {name: mask_field("lookback.inspection", name, value) for name, value in initial.items()}
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
                messages.success(request, "检查已提交" + (f"，已列入动态管理整治名单（{category_short(insp.category)}）"
                                                           if insp.case_id else "，未发现问题"))  # fmt: skip
                return redirect("lookback:inspection", pk=insp.pk)
            insp = services.save_draft(actor=request.user, inspection=insp, data=data)
            messages.success(request, "草稿已保存")
            return redirect("lookback:inspection", pk=insp.pk)
        except DomainError as exc:
            add_domain_errors(form, exc)
            warnings = exc.warnings
    match, phone_note = _match(request, form, insp)
    return render(request, "lookback/inspection_form.html", {
        "inspection": insp, "target": insp.target, "form": form, "photos": insp.photos.all(), "warnings": warnings,
        "match": match, "phone_note": phone_note,
        "can_reveal": permissions.allows(scope, "person.reveal", town_id=insp.town_id),
        "can_withdraw_photos": permissions.allows(scope, "photo.withdraw", town_id=insp.town_id),
        "can_restore_photos": permissions.allows(scope, "record.restore", town_id=insp.town_id),
        **_withdrawal_context(scope, insp, "inspection.withdraw", insp.town_id),
    }, status=400 if form.errors else 200)  # fmt: skip


@requires(POST="inspection.record")
def upload_photo(request: HttpRequest, pk: int) -> HttpResponse:
    insp = queries.access_inspection(request.user, pk)
    require_for(request, "inspection.record", town_id=insp.town_id)
    uploads = request.FILES.getlist("photo")
    if not uploads:
        messages.error(request, "请选择照片")
    added: list[str] = []
    for upload in uploads:
        if refusal := photos.size_refusal(upload.size or 0):
            messages.error(request, f"“{upload.name}”：{refusal}")
            continue
        try:
            services.add_photo(actor=request.user, inspection=insp, data=upload.read(), filename=upload.name or "photo",
                               item=request.POST.get("item", ""))  # fmt: skip
        except DomainError as exc:
            messages.error(request, exc.text)
        else:
            added.append(upload.name or "photo")
    # One line for what went in (20 photos made 20 lines); each refusal keeps its own line, naming its file.
    if len(added) == 1:
        messages.success(request, f"照片“{added[0]}”已上传")
    elif added:
        messages.success(request, f"已上传 {len(added)} 张照片")
    return redirect("lookback:inspection", pk=insp.pk)


@requires(POST="inspection.amend")
def amend(request: HttpRequest, pk: int) -> HttpResponse:
    insp = queries.access_inspection(request.user, pk)
    require_for(request, "inspection.amend", town_id=insp.town_id)
    changes = {f: request.POST[f] for f in services.AMENDABLE if f in request.POST and f != "inspected_at"}
    try:
        services.amend_inspection(actor=request.user, inspection=insp, reason=request.POST.get("reason", ""),
                                  changes=changes)  # fmt: skip
    except DomainError as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, "更正已记录")
    return redirect("lookback:inspection", pk=insp.pk)


@requires(POST="person.reveal")
def inspection_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """显示完整号码 of a new find's phone (新发现企业电话), after the user says why; audited (accounts' one reveal)."""
    insp = queries.access_inspection(request.user, pk)
    require_for(request, "person.reveal", town_id=insp.town_id)
    return reveal_page(request, record=insp, field="new_phone", town_id=insp.town_id,
                       title=insp.new_name or insp.target.name, person=insp.new_legal_person,
                       back_url=reverse("lookback:inspection", args=[insp.pk]))  # fmt: skip


@requires(GET="lookback.view")
def photo(request: HttpRequest, pk: int, original: bool = False) -> FileResponse:
    """Every photo access is authorised here: the file store is not served by any URL."""
    p = queries.access_photo(request.user, pk)
    if original:
        path = photos.original_path(p.stored_name, photos.extension_for(p.content_type))
        response = FileResponse(path.open("rb"), content_type=p.content_type, as_attachment=True,
                                filename=p.original_name)  # fmt: skip
    else:
        response = FileResponse(photos.preview_path(p.stored_name).open("rb"), content_type="image/jpeg")
    return response


# ---- withdrawal instead of deletion (core.withdrawal) ------------------------------------------------------------


def _withdrawal_context(scope: Any, record: Any, code: str, town_id: int) -> dict[str, Any]:
    """What the record's page needs for its "撤回" form or its "已撤回" mark and the office admin's "恢复" form."""
    return {"can_withdraw": not record.is_withdrawn and permissions.allows(scope, code, town_id=town_id),
            "can_restore": record.is_withdrawn and permissions.allows(scope, "record.restore", town_id=town_id)}  # fmt: skip


def _withdrawal(request: HttpRequest, service: Any, done: str, back: str, **record: Any) -> HttpResponse:
    """Run a withdraw or restore service with the posted reason; back to the record's page with what happened."""
    try:
        service(actor=request.user, reason=request.POST.get("reason", ""), **record)
    except DomainError as exc:
        if exc.status_code == 403:
            raise DjangoPermissionDenied(exc.text) from None
        messages.error(request, exc.text)
    else:
        messages.success(request, done)
    return redirect(back)


@requires(POST="target.withdraw")
def withdraw_target(request: HttpRequest, pk: int) -> HttpResponse:
    target = queries.access_target(request.user, pk)
    require_for(request, "target.withdraw", town_id=target.town_id)
    return _withdrawal(request, services.withdraw_target, f"已撤回排查对象“{target.name}”",
                       f"/lookback/targets/{target.pk}/", target=target)  # fmt: skip


@requires(POST="record.restore")
def restore_target(request: HttpRequest, pk: int) -> HttpResponse:
    target = queries.access_target(request.user, pk)
    require_for(request, "record.restore", town_id=target.town_id)
    return _withdrawal(request, services.restore_target, f"已恢复排查对象“{target.name}”",
                       f"/lookback/targets/{target.pk}/", target=target)  # fmt: skip


@requires(POST="inspection.withdraw")
def withdraw_inspection(request: HttpRequest, pk: int) -> HttpResponse:
    insp = queries.access_inspection(request.user, pk)
    require_for(request, "inspection.withdraw", town_id=insp.town_id)
    done = "已撤回检查记录" + ("；其列入名单的整治对象不受影响，如属误列请在整治对象页面撤销" if insp.case_id else "")
    return _withdrawal(request, services.withdraw_inspection, done, f"/lookback/inspections/{insp.pk}/",
                       inspection=insp)  # fmt: skip


@requires(POST="record.restore")
def restore_inspection(request: HttpRequest, pk: int) -> HttpResponse:
    insp = queries.access_inspection(request.user, pk)
    require_for(request, "record.restore", town_id=insp.town_id)
    return _withdrawal(request, services.restore_inspection, "已恢复检查记录", f"/lookback/inspections/{insp.pk}/",
                       inspection=insp)  # fmt: skip


@requires(POST="photo.withdraw")
def withdraw_photo(request: HttpRequest, pk: int) -> HttpResponse:
    p = queries.access_photo(request.user, pk)
    require_for(request, "photo.withdraw", town_id=p.inspection.town_id)
    return _withdrawal(request, services.withdraw_photo, f"已撤回照片“{p.original_name}”",
                       f"/lookback/inspections/{p.inspection_id}/", photo=p)  # fmt: skip


@requires(POST="record.restore")
def restore_photo(request: HttpRequest, pk: int) -> HttpResponse:
    p = queries.access_photo(request.user, pk)
    require_for(request, "record.restore", town_id=p.inspection.town_id)
    return _withdrawal(request, services.restore_photo, f"已恢复照片“{p.original_name}”",
                       f"/lookback/inspections/{p.inspection_id}/", photo=p)  # fmt: skip
