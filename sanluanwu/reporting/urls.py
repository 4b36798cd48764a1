from __future__ import annotations

from django.urls import path

from sanluanwu.reporting import views

app_name = "reporting"

urlpatterns = [
    path("reporting/", views.overview, name="overview"),
    path("reporting/periods/<int:pk>/", views.period, name="period"),
    path("reporting/periods/<int:pk>/due/", views.move_due, name="move_due"),
    path("reporting/periods/<int:pk>/workbook.xlsx", views.workbook, name="workbook"),
    path("reporting/slots/<int:pk>/", views.slot, name="slot"),
    path("reporting/slots/<int:pk>/preview.xlsx", views.slot_preview, name="slot_preview"),
    path("reporting/reports/<int:pk>/file/", views.report_file, name="report_file"),
    path("reporting/reports/<int:pk>/reveal/", views.report_reveal, name="report_reveal"),
    path("reporting/workplans/", views.workplans, name="workplans"),
    path("reporting/workplans/<int:pk>/file/", views.workplan_file, name="workplan_file"),
    path("reporting/briefs/", views.briefs, name="briefs"),
    path("reporting/briefs/new/", views.brief_new, name="brief_new"),
    path("reporting/briefs/draft.docx", views.brief_draft, name="brief_draft"),
    path("reporting/briefs/<int:pk>/", views.brief, name="brief"),
    path("reporting/brief-photos/<int:pk>/", views.brief_photo, name="brief_photo"),
    # Withdrawal instead of deletion (core.withdrawal): POST with a reason; the office admin restores.
    path("reporting/workplans/<int:pk>/withdraw/", views.withdraw_workplan, name="workplan_withdraw"),
    path("reporting/workplans/<int:pk>/restore/", views.restore_workplan, name="workplan_restore"),
    path("reporting/briefs/<int:pk>/withdraw/", views.withdraw_brief, name="brief_withdraw"),
    path("reporting/briefs/<int:pk>/restore/", views.restore_brief, name="brief_restore"),
    path("reporting/summary/", views.summary, name="summary"),
    path("reporting/summary.docx", views.summary_docx, name="summary_docx"),
    path("reporting/summary.xlsx", views.summary_xlsx, name="summary_xlsx"),
]
