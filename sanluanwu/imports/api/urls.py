from __future__ import annotations

from rest_framework.routers import SimpleRouter

from sanluanwu.imports.api.views import ImportBatchViewSet

router = SimpleRouter()
router.register("imports", ImportBatchViewSet, basename="import")
urlpatterns = router.urls
