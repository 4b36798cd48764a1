"""Thin views: shape input, call one query or service, render."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse

from sanluanwu.accounts import permissions
from sanluanwu.accounts.decorators import BY_WORKFLOW_ACTION, require_for, requires
from sanluanwu.accounts.scope import scope_for
from sanluanwu.accounts.views import reveal_page
from sanluanwu.audit.display import timeline_html
from sanluanwu.audit.memo import remembered
from sanluanwu.core import clock, params
from sanluanwu.core.errors import DomainError, PermissionDenied, ValidationFailed
from sanluanwu.core.pagination import is_paging_error, keyset_only, keyset_page, numbered_only, numbered_page
from sanluanwu.core.text import full_address
from sanluanwu.registry import columns, filters, list_rows, queries, services
from sanluanwu.registry.choices import CaseStatus
from sanluanwu.registry.exports import attachment2_response, parse_as_of
from sanluanwu.registry.forms import CaseForm
from sanluanwu.registry.panels import HOME_PAGES, render_case_panels, render_list_banners
from sanluanwu.registry.rules import compose_workshop_name
from sanluanwu.registry.visibility import case_memo
from sanluanwu.registry.workflow import TRANSITIONS, allowed_actions


def _list_params(request: HttpRequest, *drop: str) -> str:
    return _query_of(request.GET, *drop)


def _query_of(data: Any, *drop: str) -> str:
    """The list's parameters in `data` as a query string, without paging and `drop`."""
    params = data.copy()
    for name in ("after", "before", "page", *drop):
        params.pop(name, None)
    return str(params.urlencode())


def _params_list(request: HttpRequest, *drop: str) -> list[tuple[str, str]]:
    skip = {"after", "before", "page", *drop}
    return [(name, value) for name, values in request.GET.lists() if name not in skip for value in values]


def _chosen_columns(request: HttpRequest) -> list[columns.Column]:
    """The columns the user chose to see (remembered in the session); all 15 of 附件2 can be shown."""
    if "cols" in request.GET:
        chosen = [key for key in request.GET.getlist("cols") if key in columns.BY_KEY]
        request.session["case_list_columns"] = chosen or columns.LIST_DEFAULT
    keys = request.session.get("case_list_columns") or columns.LIST_DEFAULT
    return [c for c in columns.LIST_COLUMNS if c.key in keys]


def _list_body(request: HttpRequest, scope: Any, visible: Any, shown: list[columns.Column]) -> dict[str, Any]:
    """The list's filtered page, its rows and its controls (filter bar, column choice, table head): a function of the
    query string, the scope's memberships, the chosen columns, today and the data. Raises ValidationFailed for a bad
    filter."""
    filterset = filters.filter_cases(request.GET, visible, scope=scope)
    cases = filterset.qs.select_related("enterprise")  # towns and campaigns: queries.attach_units below
    sort = filterset.sort_key
    if sort:
        numbered_only(request.GET.get("after"), request.GET.get("before"))
        page: Any = numbered_page(cases, ordering=filters.ordering(sort), page=request.GET.get("page"))
    else:
        keyset_only(request.GET.get("page"))
        page = keyset_page(cases, after=request.GET.get("after"), before=request.GET.get("before"))
    queries.attach_units(page.items)
    # The filter bar, the column choice and the table head read no case: remembered apart, until the next write of
    # units or campaigns (their choices), so a case written (a task done at a deadline) re-renders only the rows.
    controls = remembered(
        ("case_list_controls", scope.memo_key, tuple((k, tuple(v)) for k, v in sorted(request.GET.lists())),
         tuple(c.key for c in shown)),
        lambda: _controls(request, filterset.form, shown, sort),
        topics=("accounts", "campaigns"),
    )  # fmt: skip
    return {
        "page": dataclasses.replace(page, items=[]),  # the pager's links and count; the rows are rendered below
        "rows": list_rows.render_rows(page.items, shown, clock.today()),
        "sort": sort,
        **controls,
    }


def _controls(request: HttpRequest, form: Any, shown: list[columns.Column], sort: str) -> dict[str, Any]:
    context = {
        "form": form,
        "columns": shown,
        "all_columns": columns.LIST_COLUMNS,
        "sorts": filters.SORTS,
        "sort": sort,
        "sort_query": _list_params(request, "sort"),
        "column_params": _params_list(request, "cols"),  # the column choice keeps the current filters
    }
    return {
        "controls": render_to_string("registry/_list_controls.html", context),
        "table_head": render_to_string("registry/_list_head.html", context),
    }


def _list_refusal(exc: ValidationFailed) -> str:
    """A list's bad parameter, said as what it is: a filter to correct, or a page position that is none."""
    if is_paging_error(exc):
        return f"翻页参数有误：{exc.text}"
    return f"筛选条件有误，请修改后再筛选：{exc.text}"


@requires(GET="case.view")
def case_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    visible = queries.cases_visible_to(scope)
    shown = _chosen_columns(request)
    status = 200
    try:
        # Remembered until the next write of cases (audit.memo, registry.visibility.case_memo): users of the same
        # units reading the same list between two such writes share one query, one count and one rendering of its
        # rows and controls. An inspection saved or a report submitted meanwhile changes none of it, nor (for a town
        # user) a write of another town's cases.
        body = remembered(
            ("case_list", scope.memo_key, tuple((k, tuple(v)) for k, v in sorted(request.GET.lists())),
             tuple(c.key for c in shown)),
            lambda: _list_body(request, scope, visible, shown),
            **case_memo(scope),
        )  # fmt: skip
    except ValidationFailed as exc:
        # A bad filter is said, never dropped: the page lists nothing until it is corrected.
        filterset = filters.CaseFilter(request.GET, queryset=visible.none(), scope=scope)
        filterset.is_valid()
        messages.error(request, _list_refusal(exc))
        page = keyset_page(visible.none())
        body = {"page": page, "rows": [], "sort": filterset.sort_key,
                **_controls(request, filterset.form, shown, filterset.sort_key)}  # fmt: skip
        status = 400
    today = clock.today()
    return render(
        request,
        "registry/case_list.html",
        {
            **body,
            "columns": shown,
            "today": today,
            "base_query": _list_params(request),
            # The export form keeps the current filters as hidden fields.
            "export_params": _params_list(request, "sort", "cols", "as_of"),
            # A department or utility user sees only what is assigned to the unit: say so when that is nothing.
            "assigned_only": not scope.sees_district and not scope.town_ids,
            # Only on the first page of the plain list: the work waiting for the user (registered by higher apps).
            "banners": [] if request.GET else render_list_banners(request),
        },
        status=status,
    )


# What the export form posts besides the list's filters: the file's options, never filters.
_EXPORT_OPTIONS = ("csrfmiddlewaretoken", "unmasked", "reason")
UNMASKED_BY_GET = "不脱敏导出须在名单页面勾选“不脱敏导出”、填写原因后提交（原因不写入网址）；本次没有导出"


@requires(GET="case.export", POST="case.export")
def case_export(request: HttpRequest) -> HttpResponse:
    """附件2 for the list's current filters (scoped), as an .xlsx download. The list's export form posts (its hidden
    fields carry the filters), so an unmasked export's reason never stands in a URL (browser history, a proxy's
    log); a GET (a saved link) exports masked only."""
    data = (request.POST if request.method == "POST" else request.GET).copy()
    unmasked, reason = params.flag(data.get("unmasked")), data.get("reason", "")
    for name in _EXPORT_OPTIONS:
        data.pop(name, None)
    query = _query_of(data, "as_of")
    back = f"{reverse('registry:case_list')}?{query}" if query else reverse("registry:case_list")
    if unmasked and request.method != "POST":
        messages.error(request, UNMASKED_BY_GET)
        return redirect(back)
    scope = scope_for(request.user)
    try:
        as_of = parse_as_of(data.get("as_of"))
        filterset = filters.filter_cases(data, queries.cases_visible_to(scope), scope=scope)
    except ValidationFailed as exc:
        messages.error(request, f"无法导出：{exc.text}")
        return redirect(back)
    town = filterset.form.cleaned_data.get("town")
    try:
        return attachment2_response(
            filterset.qs, actor=request.user, unit_label=queries.unit_label(scope, town.pk if town else None),
            as_of=as_of, unmasked=unmasked, reason=reason, town_id=town.pk if town else None,
        )  # fmt: skip
    except PermissionDenied as exc:  # no export.unmasked here: the refusal is audited, the page is the 403
        raise DjangoPermissionDenied(exc.text) from None
    except ValidationFailed as exc:
        messages.error(request, f"无法导出：{exc.text}")
        return redirect(back)


@requires(GET="case.view")
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.access_case(request.user, pk)
    scope = scope_for(request.user)
    return render(
        request,
        "registry/case_detail.html",
        {
            "case": case,
            "enterprise": case.enterprise,
            "address": full_address(case.enterprise.town.name, case.enterprise.village, case.enterprise.address),
            "timeline": timeline_html([case, case.enterprise]),
            "actions": allowed_actions(scope, case),
            "can_edit": case.is_open and permissions.allows(scope, "case.edit", town_id=case.town_id),
            "baseline_records": case.enterprise.baseline_records.all(),
            "other_cases": case.enterprise.cases.exclude(pk=case.pk).select_related("campaign"),
            "panels": render_case_panels(request, case),
            "can_reveal": permissions.allows(scope, "person.reveal", town_id=case.town_id),
            "today": clock.today(),
        },
    )


def _render_form(request: HttpRequest, form: CaseForm, case: object = None) -> HttpResponse:
    suggestion = ""
    if form.is_bound and "name" in form.errors:
        suggestion = compose_workshop_name(form.data.get("legal_person", ""), form.data.get("industry", ""))
    return render(
        request,
        "registry/case_form.html",
        {"form": form, "case": case, "suggested_name": suggestion},
        status=400 if form.is_bound and form.errors else 200,
    )


@requires(GET="case.create", POST="case.create")
def case_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if request.method != "POST":
        initial = {"town": next(iter(scope.town_ids), None), "listed_on": clock.today()}
        return _render_form(request, CaseForm(initial=initial, scope=scope))
    form = CaseForm(request.POST, scope=scope)
    if form.is_valid():
        enterprise_data, case_data = form.to_inputs()
        try:
            case = services.create_case(
                actor=request.user,
                enterprise_data=enterprise_data,
                case_data=case_data,
                acknowledge_warnings=form.cleaned_data["acknowledge_warnings"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"已将“{case.enterprise.name}”列入动态管理整治名单")
            return redirect("registry:case_detail", pk=case.pk)
    return _render_form(request, form)


@requires(GET="case.edit", POST="case.edit")
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.access_case(request.user, pk)
    scope = scope_for(request.user)
    require_for(request, "case.edit", town_id=case.town_id)
    if not case.is_open:
        closed = case.status == CaseStatus.CLOSED
        messages.error(request, services.CLOSED_MESSAGE if closed else services.WITHDRAWN_MESSAGE)
        return redirect("registry:case_detail", pk=case.pk)
    if request.method != "POST":
        return _render_form(
            request, CaseForm(initial=CaseForm.initial_from_case(case), scope=scope, permission="case.edit"), case
        )
    form = CaseForm(request.POST, scope=scope, permission="case.edit")
    if form.is_valid():
        enterprise_data, case_data = form.to_inputs()
        try:
            services.update_case(
                actor=request.user,
                case=case,
                enterprise_data=enterprise_data,
                case_data=case_data,
                expected_version=form.cleaned_data.get("version"),
                acknowledge_warnings=form.cleaned_data["acknowledge_warnings"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "已保存")
            return redirect("registry:case_detail", pk=case.pk)
    return _render_form(request, form, case)


@requires(POST=BY_WORKFLOW_ACTION)
def case_transition(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.access_case(request.user, pk)
    transition = TRANSITIONS.get(request.POST.get("action", ""))
    if transition is not None:
        require_for(request, transition.permission, town_id=case.town_id)
    try:
        services.transition_case(
            actor=request.user, case=case, action=request.POST.get("action", ""), note=request.POST.get("note", "")
        )
    except DomainError as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, "整治进度已更新")
    return HttpResponseRedirect(reverse("registry:case_detail", args=[case.pk]))


@requires(GET="case.view")
def enterprise_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    visible = queries.enterprises_visible_to(scope)
    try:
        filterset = filters.filter_enterprises(request.GET, visible, scope=scope)
        enterprises, status = filterset.qs, 200
        keyset_only(request.GET.get("page"))
        page = keyset_page(
            enterprises.select_related("town"), after=request.GET.get("after"), before=request.GET.get("before")
        )
    except ValidationFailed as exc:
        filterset = filters.EnterpriseFilter(request.GET, queryset=visible.none(), scope=scope)
        filterset.is_valid()
        messages.error(request, _list_refusal(exc))
        status, page = 400, keyset_page(visible.none())
    return render(
        request,
        "registry/enterprise_list.html",
        {"form": filterset.form, "page": page, "base_query": _list_params(request)},
        status=status,
    )


@requires(GET="case.view")
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = queries.access_enterprise(request.user, pk)
    cases = list(queries.cases_visible_to(request.user).filter(enterprise=enterprise).select_related("campaign"))
    baseline = list(enterprise.baseline_records.all())
    return render(
        request,
        "registry/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "cases": cases,
            "baseline_records": baseline,
            "timeline": timeline_html([enterprise, *cases, *baseline]),
            "can_reveal": permissions.allows(scope_for(request.user), "person.reveal", town_id=enterprise.town_id),
        },
    )


@requires(POST="person.reveal")
def enterprise_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """显示完整号码: the enterprise's clear phone, after the user says why; audited (accounts' one reveal page)."""
    enterprise = queries.access_enterprise(request.user, pk)
    require_for(request, "person.reveal", town_id=enterprise.town_id)
    return reveal_page(request, record=enterprise, field="phone", town_id=enterprise.town_id, title=enterprise.name,
                       back_url=reverse("registry:enterprise_detail", args=[enterprise.pk]),
                       person=enterprise.legal_person)  # fmt: skip


@requires(GET="clash.resolve")
def clash_list(request: HttpRequest) -> HttpResponse:
    """统一社会信用代码重复: codes a town registered while another town holds them (the town was not told)."""
    clashes = list(queries.open_credit_code_clashes(request.user)[:500])
    return render(request, "registry/clash_list.html", {"clashes": clashes})


@requires(POST="clash.resolve")
def clash_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    clash = queries.access_credit_code_clash(request.user, pk)
    try:
        services.resolve_credit_code_clash(actor=request.user, clash=clash, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, "已处理")
    return redirect("registry:clash_list")


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    scope = scope_for(request.user)
    if permissions.allows(scope, "case.view"):
        return redirect("registry:case_list")
    for page in HOME_PAGES:
        if url := page(scope):
            return redirect(url)
    if permissions.allows(scope, "audit.view"):
        return redirect("audit_log")  # the audit admin reads the log and nothing else
    if permissions.allows(scope, "reference.manage") or request.user.is_staff:
        return redirect("admin:index")
    if permissions.allows(scope, "security.events"):
        return redirect("security_events")
    raise Http404("您的账号尚未分配单位和角色，请联系系统管理员")
