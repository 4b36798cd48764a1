"""The project's URLs plus views that fail, to see the error pages through the whole stack."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from config.urls import handler403, handler404, handler500
from config.urls import urlpatterns as project_urls


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret detail: connection string postgres://x")


@api_view(["GET"])
@permission_classes([AllowAny])
def api_boom(request: Request) -> Response:
    raise RuntimeError("secret detail: connection string postgres://x")


@api_view(["GET"])
@permission_classes([AllowAny])
def api_refuse(request: Request) -> Response:
    raise PermissionDenied("您的角色不能登记整治对象")


@api_view(["GET"])
@permission_classes([AllowAny])
def api_missing(request: Request) -> Response:
    raise Http404("No Case matches the given query.")


def refuse(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("您的角色不能登记整治对象")


urlpatterns = [
    path("boom/", boom),
    path("api/v1/boom/", boom),
    path("api/v1/drf-boom/", api_boom),
    path("api/v1/refuse/", api_refuse),
    path("api/v1/plain-refuse/", refuse),
    path("api/v1/missing/", api_missing),
    *project_urls,
]
__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
