"""Import pages: upload → preview (map unknown columns) → confirm → result. Thin: services do the work."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sanluanwu.accounts import permissions
from sanluanwu.accounts.decorators import require_for, requires
from sanluanwu.accounts.queries import towns_allowing
from sanluanwu.accounts.scope import scope_for
from sanluanwu.core import params
from sanluanwu.core.errors import DomainError, ValidationFailed
from sanluanwu.core.exporting import XLSX_CONTENT_TYPE, attachment_header
from sanluanwu.core.forms import add_domain_errors
from sanluanwu.core.pagination import keyset_only, keyset_page
from sanluanwu.imports import jobs, queries, readers, services
from sanluanwu.imports.choices import BUSY, BatchStatus
from sanluanwu.imports.forms import UploadForm
from sanluanwu.imports.layout import FIELD_LABELS, fields_for


@requires(GET="import.view", POST="import.upload")
def batch_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    form = UploadForm(scope=scope)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, scope=scope)
        if form.is_valid():
            d = form.cleaned_data
            try:
                # The form refused a file over the limit by its size; only now is it read into memory.
                batch = services.upload_import(
                    actor=request.user, data=d["file"].read(), filename=d["file"].name, kind=d["kind"],
                    unit=d["unit"], coord_datum=d["coord_datum"], all_or_nothing=d["all_or_nothing"],
                )  # fmt: skip
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                jobs.run_step(batch=batch, actor=request.user, step="preview")
                return redirect("imports:batch_detail", pk=batch.pk)
    return _render_list(request, form)


def _render_list(request: HttpRequest, form: UploadForm, request_error: str = "") -> HttpResponse:
    batches = queries.batches_visible_to(request.user).select_related("unit", "created_by")
    bad_paging = False
    try:
        keyset_only(request.GET.get("page"))
        page = keyset_page(batches, after=request.GET.get("after"), before=request.GET.get("before"))
    except ValidationFailed as exc:  # a page position that is none: said, the list shows nothing until corrected
        messages.error(request, f"翻页参数有误：{exc.text}")
        page, bad_paging = keyset_page(batches.none()), True
    scope = scope_for(request.user)
    upload_denial = permissions.denial(scope, "import.upload")  # the form, or why there is none
    mappings = queries.column_mappings_visible_to(scope) if upload_denial is None else []
    return render(request, "imports/batch_list.html", {"form": form, "page": page, "base_query": "",
                                                       "mappings": mappings, "request_error": request_error,
                                                       "upload_denial": upload_denial},
                  status=400 if form.errors or request_error or bad_paging else 200)  # fmt: skip


def _request_refused(request: HttpRequest, message: str) -> HttpResponse:
    """A request past Django's limits never reaches batch_list (core.views.bad_request): its form says why."""
    return _render_list(request, UploadForm(scope=scope_for(request.user)), request_error=message)


batch_list.render_request_error = _request_refused  # type: ignore[attr-defined]


@requires(GET="import.view")
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = jobs.settle(queries.access_batch(request.user, pk, rows=False))
    busy = batch.status in BUSY
    # While the batch is worked on, the page refreshes every 2 s and shows its progress only: drawing the preview's
    # 3,000 rows each time (150 ms of CPU and a megabyte of HTML) slowed every other page while an import was written.
    data = {} if busy else batch.result if batch.status == BatchStatus.APPLIED else batch.preview
    field_choices = [(f, FIELD_LABELS[f]) for f in fields_for(batch.kind)] + [("ignore", FIELD_LABELS["ignore"])]
    can_confirm = batch.status in (BatchStatus.PREVIEWED, BatchStatus.FAILED) and permissions.allows(
        scope_for(request.user), "import.confirm", town_id=batch.unit_id
    )
    return render(request, "imports/batch_detail.html", {
        "batch": batch, "data": data or {}, "busy": busy, "writing": services.is_writing(batch), "field_choices": field_choices,
        "can_confirm": can_confirm, "confirm_blocked": services.why_not_confirmable(batch) if can_confirm else None,
        "can_cancel": services.why_not_cancellable(batch) is None and not services.cancel_denial(request.user, batch),
    })  # fmt: skip


@requires(POST="import.confirm")
def batch_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = queries.access_batch(request.user, pk)
    require_for(request, "import.confirm", town_id=batch.unit_id)
    try:
        # The choice is saved by the step's service once the confirm may start: a confirm refused (the batch already
        # importing, a stale tab) changes nothing and answers at once, never waiting for the import's lock.
        jobs.run_step(batch=batch, actor=request.user, step="confirm",
                      all_or_nothing=request.POST.get("all_or_nothing") == "on")  # fmt: skip
    except DomainError as exc:
        messages.error(request, exc.text)
    return redirect("imports:batch_detail", pk=batch.pk)


@requires(POST="import.upload")
def batch_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Take an interrupted (or failed) preview or confirm up again (a confirm also needs import.confirm)."""
    batch = queries.access_batch(request.user, pk)
    require_for(request, "import.upload", town_id=batch.unit_id)
    try:
        services.retry(actor=request.user, batch=batch)
        jobs.run_step(batch=batch, actor=request.user, step=batch.step)
    except DomainError as exc:
        messages.error(request, exc.text)
    return redirect("imports:batch_detail", pk=batch.pk)


@requires(POST="import.upload")
def batch_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """取消导入: the batch is set aside, nothing of it written (a confirm also needs import.confirm)."""
    batch = queries.access_batch(request.user, pk)
    if denied := services.cancel_denial(request.user, batch):  # the service's own rule, answered as a 403
        raise DjangoPermissionDenied(denied)
    try:
        services.cancel_import(actor=request.user, batch=batch, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, "已取消该批次，没有导入任何数据。")
    return redirect("imports:batch_detail", pk=batch.pk)


@requires(POST="import.upload")
def batch_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    """The user says what unknown headers mean (remembered for the unit); the preview runs again with it."""
    batch = queries.access_batch(request.user, pk)
    require_for(request, "import.upload", town_id=batch.unit_id)
    choices: dict[str, dict[str, str]] = {}
    for key in request.POST:
        value = request.POST.get(key, "")
        if key.startswith("map:") and value:
            parts = key.split(":", 2)
            if len(parts) != 3:
                messages.error(request, "列对应的提交内容有误，请刷新页面后重新指定")
                return redirect("imports:batch_detail", pk=batch.pk)
            choices.setdefault(parts[1], {})[parts[2]] = value
    try:
        services.map_columns(actor=request.user, batch=batch, choices=choices)
    except DomainError as exc:
        messages.error(request, exc.text)
        return redirect("imports:batch_detail", pk=batch.pk)
    try:
        jobs.run_step(batch=batch, actor=request.user, step="preview")
    except DomainError as exc:
        messages.error(request, exc.text)
    return redirect("imports:batch_detail", pk=batch.pk)


@requires(POST="import.upload")
def column_mappings_clear(request: HttpRequest) -> HttpResponse:
    """Forget the column mappings a town's users made in previews (the button on the import page)."""
    unit_id = request.POST.get("unit", "")
    towns = towns_allowing(scope_for(request.user), "import.upload")
    unit = towns.filter(pk=unit_pk).first() if (unit_pk := params.pk(unit_id)) else None
    if unit is None:
        raise Http404("未找到该单位")
    try:
        count = services.clear_column_mappings(actor=request.user, unit=unit)
    except DomainError as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, f"已清除{unit.name}记住的 {count} 条列对应；下次上传时这些表头需要重新指定。")
    return redirect("imports:batch_list")


# The type an original is served as, by what its bytes are (readers.sniff, as when it was read), not by its name.
_ORIGINAL_TYPES = {"xlsx": XLSX_CONTENT_TYPE, "xls": "application/vnd.ms-excel", "csv": "text/csv"}


def _original_type(content: bytes, filename: str) -> str:
    try:
        return _ORIGINAL_TYPES[readers.sniff(content, filename)]
    except readers.UnreadableFile:  # a file refused as unreadable is still given back as it came
        return "application/octet-stream"


@requires(GET="import.download")
def batch_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The uploaded file exactly as it was received (audited: it holds phone numbers in clear)."""
    batch = queries.access_batch(request.user, pk)
    require_for(request, "import.download", town_id=batch.unit_id)
    content = services.download_original(actor=request.user, batch=batch)
    response = HttpResponse(content, content_type=_original_type(content, batch.filename))
    response["Content-Disposition"] = attachment_header(batch.filename)
    return response
