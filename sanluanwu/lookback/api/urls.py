from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from sanluanwu.lookback.api.views import InspectionViewSet, PhotoViewSet, TargetViewSet, candidates, checklist_items

router = SimpleRouter()
router.register("lookback/targets", TargetViewSet, basename="lookback-target")
router.register("lookback/inspections", InspectionViewSet, basename="lookback-inspection")
router.register("lookback/photos", PhotoViewSet, basename="lookback-photo")
urlpatterns = [
    path("lookback/checklist/", checklist_items, name="lookback-checklist"),
    path("lookback/candidates/", candidates, name="lookback-candidates"),
    *router.urls,
]
