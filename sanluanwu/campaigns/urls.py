from __future__ import annotations

from django.urls import path

from sanluanwu.campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("campaigns/", views.campaign_list, name="list"),
    path("campaigns/new/", views.campaign_edit, name="new"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="edit"),
]
