"""/api/v1/: every domain app's API router, the token endpoint, the schema and its docs."""

from __future__ import annotations

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from sanluanwu.accounts.security_views import ObtainTokenView

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api_token"),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # Swagger UI's page carries a small inline <style>; its scripts stay same-origin files. A browser that is not
    # logged in is sent to the login page (the schema itself answers 401 to an anonymous client).
    path(
        "docs/",
        login_required(
            csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api_schema"))
        ),
        name="api_docs",
    ),
    path("", include("sanluanwu.registry.api.urls")),
    path("", include("sanluanwu.imports.api.urls")),
    path("", include("sanluanwu.lookback.api.urls")),
    path("", include("sanluanwu.remediation.api.urls")),
]
