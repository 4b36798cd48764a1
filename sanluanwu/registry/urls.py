from __future__ import annotations

from django.urls import path

from sanluanwu.registry import views

app_name = "registry"

urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/export/", views.case_export, name="case_export"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:pk>/transition/", views.case_transition, name="case_transition"),
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<int:pk>/reveal/", views.enterprise_reveal, name="enterprise_reveal"),
    path("clashes/", views.clash_list, name="clash_list"),
    path("clashes/<int:pk>/resolve/", views.clash_resolve, name="clash_resolve"),
]
