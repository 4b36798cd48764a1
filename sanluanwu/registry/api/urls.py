from __future__ import annotations

from rest_framework.routers import SimpleRouter

from sanluanwu.registry.api.views import CaseViewSet, EnterpriseViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
urlpatterns = router.urls
