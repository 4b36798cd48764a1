"""Import API: upload (multipart) → preview in the response → confirm. Same services as the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from sanluanwu.accounts.api import TableObjectMixin
from sanluanwu.accounts.choices import OrgUnitKind
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.core import geo
from sanluanwu.core.api import JSONParser, KnownFields, KnownListParams, refuse_body
from sanluanwu.imports import jobs, queries, services
from sanluanwu.imports.choices import ImportKind
from sanluanwu.imports.limits import MAX_BYTES
from sanluanwu.imports.models import ImportBatch


class BatchSerializer(KnownFields, serializers.ModelSerializer[ImportBatch]):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True, default=None)

    class Meta:
        model = ImportBatch
        fields = ["id", "kind", "unit", "unit_name", "filename", "sha256", "size", "coord_datum", "all_or_nothing",
                  "status", "status_display", "step", "progress", "counts", "sheet_date", "message", "preview", "result",
                  "created_by_label", "created_at", "applied_at"]  # fmt: skip
        read_only_fields = fields


class BatchStatusSerializer(BatchSerializer):
    """A batch without its preview and result (up to 3,000 rows, a megabyte of JSON): the list's rows, and what a
    client polling a batch's status reads (?preview=0)."""

    class Meta(BatchSerializer.Meta):
        fields = [f for f in BatchSerializer.Meta.fields if f not in ("preview", "result")]
        read_only_fields = fields


class UploadSerializer(KnownFields, serializers.Serializer[Any]):
    file = serializers.FileField(help_text=".xlsx、.xls 或 .csv，不超过 20 MB")
    kind = serializers.ChoiceField(choices=ImportKind.choices, default=ImportKind.LIST)
    unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.filter(kind=OrgUnitKind.TOWN), required=False,
                                              allow_null=True, default=None)  # fmt: skip
    coord_datum = serializers.ChoiceField(choices=geo.DATUM_CHOICES, default=geo.DATUM_WGS84)
    all_or_nothing = serializers.BooleanField(default=False)

    def validate_file(self, upload: Any) -> Any:
        """By the size the upload declares, before anything reads it into memory."""
        if upload.size > MAX_BYTES:
            raise serializers.ValidationError(f"文件过大（{upload.size / 1024 / 1024:.1f} MB），单个文件不超过 20 MB")
        return upload


class ConfirmSerializer(KnownFields, serializers.Serializer[Any]):
    all_or_nothing = serializers.BooleanField(required=False, allow_null=True, default=None)


class CancelSerializer(KnownFields, serializers.Serializer[Any]):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200,
                                   help_text="取消原因（可选，记入审计日志）")  # fmt: skip


class ImportBatchViewSet(
    KnownListParams,
    TableObjectMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[ImportBatch],
):
    """导入批次: upload a sheet, read its preview, confirm it."""

    serializer_class = BatchSerializer
    parser_classes = [MultiPartParser, FormParser]
    list_params: frozenset[str] = frozenset()
    table_permissions = {"list": "import.view", "retrieve": "import.view", "create": "import.upload",
                         "confirm": "import.confirm", "retry": "import.upload", "cancel": "import.upload"}  # fmt: skip

    def get_queryset(self) -> QuerySet[ImportBatch]:
        batches = queries.batches_visible_to(self.request.user).select_related("unit")
        return batches.defer("preview", "result") if self.action == "list" else batches

    def get_serializer_class(self) -> Any:
        if self.action == "list" or (self.action == "retrieve" and self.request.query_params.get("preview") == "0"):
            return BatchStatusSerializer
        return BatchSerializer

    @extend_schema(parameters=[OpenApiParameter("preview", str, enum=["0", "1"], required=False,
                                                description="0：不返回预览和结果（轮询处理状态时用）；默认 1")],
                   responses={200: BatchSerializer})  # fmt: skip
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        batch = self.get_object()  # first: another town's batch is a 404 whatever the query says
        if request.query_params.get("preview", "1") not in ("0", "1"):
            raise serializers.ValidationError({"preview": ["preview 只能是 0（不返回预览）或 1"]})
        return Response(self.get_serializer(batch).data)

    def fetch_object(self) -> ImportBatch:
        status_only = self.action == "retrieve" and self.request.query_params.get("preview") == "0"
        return jobs.settle(queries.access_batch(self.request.user, self.kwargs["pk"], rows=not status_only))

    @extend_schema(request=UploadSerializer, responses={201: BatchSerializer})
    def create(self, request: Request) -> Response:
        data = UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        batch = services.upload_import(actor=request.user, data=d["file"].read(), filename=d["file"].name,
                                       kind=d["kind"], unit=d["unit"], coord_datum=d["coord_datum"],
                                       all_or_nothing=d["all_or_nothing"])  # fmt: skip
        jobs.run_step(batch=batch, actor=request.user, step="preview")
        batch.refresh_from_db()
        return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ConfirmSerializer, responses={200: BatchSerializer})
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser, MultiPartParser])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        batch = self.get_object()
        data = ConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        jobs.run_step(batch=batch, actor=request.user, step="confirm",
                      all_or_nothing=data.validated_data["all_or_nothing"])  # fmt: skip
        batch.refresh_from_db()
        return Response(BatchSerializer(batch).data)

    @extend_schema(request=CancelSerializer, responses={200: BatchSerializer})
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser, MultiPartParser])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """取消导入: before its rows are written (a background step on it stops); nothing of it is imported."""
        batch = self.get_object()
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.cancel_import(actor=request.user, batch=batch, reason=data.validated_data["reason"])
        batch.refresh_from_db()
        return Response(BatchSerializer(batch).data)

    @extend_schema(request=None, responses={200: BatchSerializer})
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser, MultiPartParser])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        """Take an interrupted (处理中断) or failed preview or confirm up again."""
        batch = self.get_object()
        refuse_body(request)
        services.retry(actor=request.user, batch=batch)
        jobs.run_step(batch=batch, actor=request.user, step=batch.step)
        batch.refresh_from_db()
        return Response(BatchSerializer(batch).data)
