"""API views: the same services and scoped queries as the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from sanluanwu.accounts.scope import scope_for
from sanluanwu.core import params
from sanluanwu.core.exporting import XLSX_CONTENT_TYPE
from sanluanwu.registry import queries, services
from sanluanwu.registry.api.serializers import (
    CaseSerializer,
    CaseWriteSerializer,
    EnterpriseSerializer,
    EnterpriseWriteSerializer,
    TransitionSerializer,
)
from sanluanwu.registry.exports import attachment2_response, parse_as_of
from sanluanwu.registry.models import Case, Enterprise

_CASE_FILTERS = [
    OpenApiParameter("town", int, description="镇（街道）编号"),
    OpenApiParameter("category", int, description="回头看排查类型 1-4"),
    OpenApiParameter("remediation_type", str, enum=["shutdown", "rectification"]),
    OpenApiParameter("status", str, description="状态，或 open 表示未销号"),
    OpenApiParameter("overdue", bool),
    OpenApiParameter("q", str, description="企业名称、地址或负责人"),
    OpenApiParameter("after", int, description="下一页游标"),
    OpenApiParameter("before", int, description="上一页游标"),
]


def _int_param(request: Request, name: str) -> int | None:
    return params.pk(request.query_params.get(name))  # "²".isdigit() is true, int("²") fails


class CaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Case],
):
    """整治对象: the dynamic list. Scoped to the user's towns; out-of-scope ids answer 404."""

    serializer_class = CaseSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Case]:
        cases = queries.cases_visible_to(self.request.user)
        if self.action in ("list", "export"):
            p = self.request.query_params
            cases = queries.filter_cases(
                cases,
                town=_int_param(self.request, "town"),
                category=_int_param(self.request, "category"),
                remediation_type=p.get("remediation_type") or None,
                status=p.get("status") or None,
                overdue=p.get("overdue") in ("1", "true", "True"),
                q=p.get("q") or None,
            )
        return cases.select_related("enterprise", "enterprise__town", "town", "campaign")

    def get_object(self) -> Case:
        return queries.access_case(self.request.user, self.kwargs["pk"])

    @extend_schema(parameters=_CASE_FILTERS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

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
        data = CaseWriteSerializer(data=_merged(request, services.case_values(case)))
        data.is_valid(raise_exception=True)
        case = services.update_case(
            actor=request.user,
            case=case,
            enterprise_data=data.enterprise_input(),
            case_data=data.case_input(),
            expected_version=data.validated_data.get("version"),
            acknowledge_warnings=data.validated_data["acknowledge_warnings"],
        )
        return Response(CaseSerializer(case, context={"request": request}).data)

    @extend_schema(request=CaseWriteSerializer, responses={200: CaseSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)

    @extend_schema(
        parameters=[*_CASE_FILTERS[:6], OpenApiParameter("as_of", str, description="截至日期 YYYY-MM-DD，默认今天")],
        responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"])
    def export(self, request: Request) -> FileResponse:
        """附件2 (.xlsx) of the cases this list would show, with the same filters and scope."""
        as_of = parse_as_of(request.query_params.get("as_of"))
        cases = self.get_queryset()
        label = queries.unit_label(scope_for(request.user), _int_param(request, "town"))
        return attachment2_response(cases, unit_label=label, as_of=as_of)

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


def _merged(request: Request, current: dict[str, Any]) -> dict[str, Any]:
    """PATCH semantics: fields not sent keep the stored value."""
    return {**current, **dict(request.data.items())}


class EnterpriseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Enterprise],
):
    """企业（作坊）: scoped like cases."""

    serializer_class = EnterpriseSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Enterprise]:
        enterprises = queries.enterprises_visible_to(self.request.user)
        if self.action == "list":
            enterprises = queries.filter_enterprises(
                enterprises, town=_int_param(self.request, "town"), q=self.request.query_params.get("q") or None
            )
        return enterprises.select_related("town")

    def get_object(self) -> Enterprise:
        return queries.access_enterprise(self.request.user, self.kwargs["pk"])

    @extend_schema(
        parameters=[
            OpenApiParameter("town", int),
            OpenApiParameter("q", str),
            OpenApiParameter("after", int),
            OpenApiParameter("before", int),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

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
        data = EnterpriseWriteSerializer(data=_merged(request, services.enterprise_values(e)))
        data.is_valid(raise_exception=True)
        e = services.update_enterprise(
            actor=request.user,
            enterprise=e,
            data=data.enterprise_input(),
            expected_version=data.validated_data.get("version"),
            acknowledge_warnings=data.validated_data["acknowledge_warnings"],
        )
        return Response(EnterpriseSerializer(e).data)

    @extend_schema(request=EnterpriseWriteSerializer, responses={200: EnterpriseSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)
