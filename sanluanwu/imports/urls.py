from __future__ import annotations

from django.urls import path

from sanluanwu.imports import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.batch_list, name="batch_list"),
    path("imports/column-mappings/clear/", views.column_mappings_clear, name="column_mappings_clear"),
    path("imports/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("imports/<int:pk>/confirm/", views.batch_confirm, name="batch_confirm"),
    path("imports/<int:pk>/mapping/", views.batch_mapping, name="batch_mapping"),
    path("imports/<int:pk>/retry/", views.batch_retry, name="batch_retry"),
    path("imports/<int:pk>/cancel/", views.batch_cancel, name="batch_cancel"),
    path("imports/<int:pk>/file/", views.batch_file, name="batch_file"),
]
