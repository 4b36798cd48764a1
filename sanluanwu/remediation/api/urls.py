from __future__ import annotations

from rest_framework.routers import SimpleRouter

from sanluanwu.remediation.api.views import CaseWorkViewSet, NoticeViewSet, TaskViewSet

router = SimpleRouter()
router.register("remediation/tasks", TaskViewSet, basename="remediation-task")
router.register("remediation/cases", CaseWorkViewSet, basename="remediation-case")
router.register("remediation/notices", NoticeViewSet, basename="remediation-notice")
urlpatterns = router.urls
