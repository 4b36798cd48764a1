"""API views: the same services and scoped queries as the pages."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from sanluanwu.accounts.api import RevealSerializer, TableObjectMixin, reveal_response
from sanluanwu.accounts.decorators import BY_WORKFLOW_ACTION
from sanluanwu.accounts.scope import scope_for
from sanluanwu.audit.memo import remembered
from sanluanwu.core import fast_serializers, params
from sanluanwu.core.api import KnownFields, KnownListParams
from sanluanwu.core.errors import ValidationFailed
from sanluanwu.core.exporting import XLSX_CONTENT_TYPE
from sanluanwu.registry import filters, queries, services
from sanluanwu.registry.api.serializers import (
    CaseSerializer,
    CaseWriteSerializer,
    EnterpriseSerializer,
    EnterpriseWriteSerializer,
    TransitionSerializer,
)
from sanluanwu.registry.exports import attachment2_response, parse_as_of
from sanluanwu.registry.models import Case, Enterprise
from sanluanwu.registry.visibility import case_memo

_PAGING = [
    OpenApiParameter("after", int, description="下一页游标（默认排序时）"),
    OpenApiParameter("before", int, description="上一页游标（默认排序时）"),
    OpenApiParameter("page", int, description="页码（按 sort 排序时，至多 200 页）"),
    OpenApiParameter("page_size", int, description="每页条数，1-200"),
]


def _filter_parameters(filterset: type[Any]) -> list[OpenApiParameter]:
    """The API's query parameters, described from the same FilterSet as the page's filters."""
    out = []
    for name, f in filterset.base_filters.items():
        choices = getattr(f, "extra", {}).get("choices")
        enum = [str(c[0]) for c in choices] if choices else None
        out.append(OpenApiParameter(name, str, description=str(f.label or name), enum=enum))
    return out


_CASE_FILTERS = _filter_parameters(filters.CaseFilter)


UNMASKED_BY_GET = ("不脱敏导出请用 POST 提交：unmasked 和 reason 写在请求体中（原因不写入网址），筛选条件仍在查询参数中；"
                   "本次没有导出")  # fmt: skip


class ExportSerializer(KnownFields, serializers.Serializer[Any]):
    unmasked = serializers.BooleanField(
        default=False, help_text="不脱敏导出：负责人、责任人和问题说明中的电话、证件号（需相应权限）"
    )
    reason = serializers.CharField(max_length=200, allow_blank=True, default="",
                                   help_text="不脱敏导出的原因（必填，留痕）")  # fmt: skip


class CaseViewSet(
    KnownListParams,
    TableObjectMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Case],
):
    """整治对象: the dynamic list. Scoped to the user's towns; out-of-scope ids answer 404."""

    serializer_class = CaseSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    list_params = frozenset(filters.CaseFilter.base_filters)
    table_permissions = {"list": "case.view", "retrieve": "case.view", "create": "case.create", "update": "case.edit",
                         "partial_update": "case.edit", "export": "case.export", "transition": BY_WORKFLOW_ACTION}  # fmt: skip

    def get_queryset(self) -> QuerySet[Case]:
        scope = scope_for(self.request.user)
        cases = queries.cases_visible_to(scope)
        if self.action in ("list", "export"):
            # The page's FilterSet: a bad value is a 400 naming the parameter, a town out of scope a 404.
            filterset = filters.filter_cases(self.request.query_params, cases, scope=scope)
            self.page_ordering = filters.ordering(filterset.sort_key) if filterset.sort_key else None
            self.filtered_town = filterset.form.cleaned_data.get("town") if filterset.is_bound else None
            cases = filterset.qs
        if self.action == "list":
            return cases.select_related("enterprise")  # towns and campaigns: queries.attach_units in list()
        return cases.select_related("enterprise", "enterprise__town", "town", "campaign")

    def fetch_object(self) -> Case:
        return queries.access_case(self.request.user, self.kwargs["pk"])

    @extend_schema(parameters=[*_CASE_FILTERS, *_PAGING])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Remembered until the next write of cases (audit.memo), as the list page is: the rows and the page's count and
        # cursors, for users of the same units and the same query; the links are built for each request.
        scope = scope_for(request.user)
        key = ("api_case_list", scope.memo_key, tuple((k, tuple(v)) for k, v in sorted(request.query_params.lists())))

        def read() -> tuple[Any, list[dict[str, Any]]]:
            page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
            queries.attach_units(page)
            rows = fast_serializers.represent_many(self.get_serializer(page, many=True), page)
            return dataclasses.replace(self.paginator.page, items=[]), rows  # type: ignore[union-attr]

        page, rows = remembered(key, read, **case_memo(scope))
        self.paginator.page, self.paginator.request = page, request  # type: ignore[union-attr]
        return self.get_paginated_response(rows)

    @extend_schema(request=CaseWriteSerializer, responses={201: CaseSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = CaseWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.create_case(
            actor=request.user,
            enterprise_data=data.enterprise_input(),
            case_data=data.case_input(),
            acknowledge_warnings=data.validated_data["acknowledge_warnings"],
        )
        return Response(CaseSerializer(case, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CaseWriteSerializer, responses={200: CaseSerializer})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        sent = _merged(request, services.case_values(case))
        data = CaseWriteSerializer(data=sent)
        data.is_valid(raise_exception=True)
        case = services.update_case(
            actor=request.user,
            case=case,
            enterprise_data=data.enterprise_input(),
            case_data=data.case_input(),
            expected_version=_required_version(sent),
            acknowledge_warnings=data.validated_data["acknowledge_warnings"],
        )
        return Response(CaseSerializer(case, context={"request": request}).data)

    @extend_schema(request=CaseWriteSerializer, responses={200: CaseSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)

    @extend_schema(
        parameters=[
            *_CASE_FILTERS[:6],
            OpenApiParameter("as_of", str, description="截至日期 YYYY-MM-DD，默认今天"),
        ],
        request=ExportSerializer,
        responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get", "post"])
    def export(self, request: Request) -> FileResponse:
        """附件2 (.xlsx) of the cases this list would show, with the same filters and scope. GET exports masked; an
        unmasked export is a POST with {"unmasked": true, "reason": …}, so the reason never stands in a URL."""
        if request.method == "POST":
            body = ExportSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            unmasked, reason = body.validated_data["unmasked"], body.validated_data["reason"]
        elif params.flag(request.query_params.get("unmasked")):
            raise ValidationFailed(UNMASKED_BY_GET)
        else:
            unmasked, reason = False, ""
        as_of = parse_as_of(request.query_params.get("as_of"))
        cases = self.get_queryset()
        town = self.filtered_town
        label = queries.unit_label(scope_for(request.user), town.pk if town else None)
        return attachment2_response(cases, actor=request.user, unit_label=label, as_of=as_of, unmasked=unmasked,
                                    reason=reason, town_id=town.pk if town else None)  # fmt: skip

    @extend_schema(request=TransitionSerializer, responses={200: CaseSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.transition_case(
            actor=request.user, case=case, action=data.validated_data["action"], note=data.validated_data["note"]
        )
        return Response(CaseSerializer(case, context={"request": request}).data)


def _fast_list(view: viewsets.GenericViewSet[Any]) -> Response:
    """ListModelMixin.list with the rows serialised by a compiled plan (core.fast_serializers): the same JSON,
    about a third of the time per row."""
    page = view.paginate_queryset(view.filter_queryset(view.get_queryset()))
    rows = fast_serializers.represent_many(view.get_serializer(page, many=True), page or [])
    return view.get_paginated_response(rows)


def _required_version(sent: dict[str, Any]) -> int:
    """A change to a versioned record names the version it was made from; two concurrent changes cannot both win.
    Read as sent (the serializer's IntegerField would take "+3" or "3.0" for 3): exactly the digits read."""
    version = sent.get("version")
    if version is None:
        raise ValidationFailed({"version": ["修改时必须提供读取到的版本号（version），以免覆盖他人的修改"]})
    return params.non_negative_int(version, field="version", label="版本号")


def _merged(request: Request, current: dict[str, Any]) -> dict[str, Any]:
    """PATCH semantics: fields not sent keep the stored value. The body must be a JSON object (or a form)."""
    if not hasattr(request.data, "items"):
        raise ValidationFailed('请求内容应为 JSON 对象，如 {"version": 3, "responsible_person": "李四"}')
    return {**current, **dict(request.data.items())}


class RevealedSerializer(KnownFields, serializers.Serializer[Any]):
    id = serializers.IntegerField()
    phone = serializers.CharField()


class EnterpriseViewSet(
    KnownListParams,
    TableObjectMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Enterprise],
):
    """企业（作坊）: scoped like cases."""

    serializer_class = EnterpriseSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    list_params = frozenset(filters.EnterpriseFilter.base_filters)
    table_permissions = {"list": "case.view", "retrieve": "case.view", "create": "enterprise.edit",
                         "update": "enterprise.edit", "partial_update": "enterprise.edit",
                         "reveal": "person.reveal"}  # fmt: skip

    def get_queryset(self) -> QuerySet[Enterprise]:
        scope = scope_for(self.request.user)
        enterprises = queries.enterprises_visible_to(scope)
        if self.action == "list":
            enterprises = filters.filter_enterprises(self.request.query_params, enterprises, scope=scope).qs
        return enterprises.select_related("town")

    def fetch_object(self) -> Enterprise:
        return queries.access_enterprise(self.request.user, self.kwargs["pk"])

    @extend_schema(parameters=[*_filter_parameters(filters.EnterpriseFilter), *_PAGING[:2], _PAGING[3]])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return _fast_list(self)

    @extend_schema(request=EnterpriseWriteSerializer, responses={201: EnterpriseSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = EnterpriseWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enterprise = services.create_enterprise(
            actor=request.user,
            data=data.enterprise_input(),
            acknowledge_warnings=data.validated_data["acknowledge_warnings"],
        )
        return Response(EnterpriseSerializer(enterprise).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EnterpriseWriteSerializer, responses={200: EnterpriseSerializer})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        e = self.get_object()
        sent = _merged(request, services.enterprise_values(e))
        data = EnterpriseWriteSerializer(data=sent)
        data.is_valid(raise_exception=True)
        e = services.update_enterprise(
            actor=request.user,
            enterprise=e,
            data=data.enterprise_input(),
            expected_version=_required_version(sent),
            acknowledge_warnings=data.validated_data["acknowledge_warnings"],
        )
        return Response(EnterpriseSerializer(e).data)

    @extend_schema(request=EnterpriseWriteSerializer, responses={200: EnterpriseSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)

    @extend_schema(request=RevealSerializer, responses={200: RevealedSerializer})
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        """显示完整号码: the clear phone number, with the reason why (audited as a security event)."""
        return reveal_response(request, record=self.get_object(), field="phone")
