from __future__ import annotations

from django.urls import path

from sanluanwu.lookback import views

app_name = "lookback"

urlpatterns = [
    path("lookback/", views.overview, name="overview"),
    path("lookback/generate/", views.generate, name="generate"),
    path("lookback/places/new/", views.add_place, name="add_place"),
    path("lookback/worklist/", views.worklist, name="worklist"),
    path("lookback/targets/<int:pk>/", views.target_detail, name="target_detail"),
    path("lookback/targets/<int:pk>/start/", views.start, name="start"),
    path("lookback/targets/<int:pk>/assign/", views.assign, name="assign"),
    path("lookback/inspections/<int:pk>/", views.inspection, name="inspection"),
    path("lookback/inspections/<int:pk>/photos/", views.upload_photo, name="upload_photo"),
    path("lookback/inspections/<int:pk>/amend/", views.amend, name="amend"),
    path("lookback/inspections/<int:pk>/reveal/", views.inspection_reveal, name="inspection_reveal"),
    path("lookback/photos/<int:pk>/", views.photo, name="photo"),
    path("lookback/photos/<int:pk>/original/", views.photo, {"original": True}, name="photo_original"),
    # Withdrawal instead of deletion (core.withdrawal): POST with a reason; the office admin restores.
    path("lookback/targets/<int:pk>/withdraw/", views.withdraw_target, name="target_withdraw"),
    path("lookback/targets/<int:pk>/restore/", views.restore_target, name="target_restore"),
    path("lookback/inspections/<int:pk>/withdraw/", views.withdraw_inspection, name="inspection_withdraw"),
    path("lookback/inspections/<int:pk>/restore/", views.restore_inspection, name="inspection_restore"),
    path("lookback/photos/<int:pk>/withdraw/", views.withdraw_photo, name="photo_withdraw"),
    path("lookback/photos/<int:pk>/restore/", views.restore_photo, name="photo_restore"),
]
