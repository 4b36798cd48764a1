"""Import pages: upload → preview (map unknown columns) → confirm → result. Thin: services do the work."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sanluanwu.accounts import permissions
from sanluanwu.accounts.decorators import require_for, requires
from sanluanwu.accounts.scope import scope_for
from sanluanwu.core.errors import DomainError
from sanluanwu.core.exporting import attachment_header
from sanluanwu.core.forms import add_domain_errors
from sanluanwu.core.pagination import keyset_page
from sanluanwu.imports import queries, services
from sanluanwu.imports.choices import BatchStatus
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
                batch = services.upload_import(
                    actor=request.user, data=d["file"].read(), filename=d["file"].name, kind=d["kind"],
                    unit=d["unit"], coord_datum=d["coord_datum"], all_or_nothing=d["all_or_nothing"],
                )  # fmt: skip
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                services.run_step(batch=batch, actor=request.user, step="preview")
                return redirect("imports:batch_detail", pk=batch.pk)
    page = keyset_page(queries.batches_visible_to(scope).select_related("unit"), after=request.GET.get("after"),
                       before=request.GET.get("before"))  # fmt: skip
    return render(request, "imports/batch_list.html", {"form": form, "page": page, "base_query": ""},
                  status=400 if form.errors else 200)  # fmt: skip


@requires(GET="import.view")
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = queries.access_batch(request.user, pk)
    data = batch.result if batch.status == BatchStatus.APPLIED else batch.preview
    field_choices = [(f, FIELD_LABELS[f]) for f in fields_for(batch.kind)] + [("ignore", FIELD_LABELS["ignore"])]
    busy = batch.status in (BatchStatus.QUEUED, BatchStatus.PREVIEWING, BatchStatus.APPLYING)
    return render(request, "imports/batch_detail.html", {
        "batch": batch, "data": data or {}, "busy": busy, "field_choices": field_choices,
        "can_confirm": batch.status in (BatchStatus.PREVIEWED, BatchStatus.FAILED)
        and permissions.allows(scope_for(request.user), "import.confirm", town_id=batch.unit_id),
    })  # fmt: skip


@requires(POST="import.confirm")
def batch_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = queries.access_batch(request.user, pk)
    require_for(request, "import.confirm", town_id=batch.unit_id)
    batch.all_or_nothing = request.POST.get("all_or_nothing") == "on"
    batch.save(update_fields=["all_or_nothing"])
    try:
        services.run_step(batch=batch, actor=request.user, step="confirm")
    except DomainError as exc:
        messages.error(request, exc.text)
    return redirect("imports:batch_detail", pk=batch.pk)


@requires(POST="import.upload")
def batch_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    """The user says what an unknown header means; the preview runs again with it."""
    batch = queries.access_batch(request.user, pk)
    require_for(request, "import.upload", town_id=batch.unit_id)
    allowed = set(fields_for(batch.kind)) | {"ignore"}
    mapping: dict[str, dict[str, str]] = dict(batch.column_mapping or {})
    for key in request.POST:
        value = request.POST.get(key, "")
        if key.startswith("map:") and value in allowed:
            _prefix, sheet, column = key.split(":", 2)
            mapping.setdefault(sheet, {})[column] = value
    batch.column_mapping = mapping
    batch.save(update_fields=["column_mapping"])
    services.run_step(batch=batch, actor=request.user, step="preview")
    return redirect("imports:batch_detail", pk=batch.pk)


@requires(GET="import.download")
def batch_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The uploaded file exactly as it was received."""
    batch = queries.access_batch(request.user, pk)
    content = bytes(type(batch).objects.values_list("content", flat=True).get(pk=batch.pk))
    response = HttpResponse(content, content_type="application/octet-stream")
    response["Content-Disposition"] = attachment_header(batch.filename)
    return response
