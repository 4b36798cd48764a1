from __future__ import annotations

from django.urls import path

from sanluanwu.notices import views

app_name = "notices"
urlpatterns = [path("notices/", views.notice_list, name="list")]
