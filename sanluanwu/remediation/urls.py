from __future__ import annotations

from django.urls import path

from sanluanwu.remediation import views

app_name = "remediation"

urlpatterns = [
    path("remediation/", views.overview, name="overview"),
    path("remediation/tasks/", views.worklist, name="worklist"),
    path("remediation/tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("remediation/todo/", views.todo, name="todo"),
    path("remediation/evidence/<int:pk>/", views.evidence, name="evidence"),
    path("remediation/cases/<int:pk>/stop/", views.stop, name="stop"),
    path("remediation/cases/<int:pk>/type/", views.propose_type, name="propose_type"),
    path("remediation/cases/<int:pk>/type/<int:cid>/", views.decide_type, name="decide_type"),
    path("remediation/cases/<int:pk>/plan/", views.plan_edit, name="plan_edit"),
    path("remediation/cases/<int:pk>/plan/<int:plan_pk>/decide/", views.plan_decide, name="plan_decide"),
    path("remediation/cases/<int:pk>/items/<int:item_pk>/done/", views.item_done, name="item_done"),
    path("remediation/cases/<int:pk>/review/request/", views.request_review, name="request_review"),
    path("remediation/cases/<int:pk>/review/<int:review_pk>/", views.review, name="review"),
    path("remediation/cases/<int:pk>/signoff/<int:review_pk>/", views.signoff, name="signoff"),
    path("remediation/cases/<int:pk>/enforcement/", views.enforcement, name="enforcement"),
    path("remediation/cases/<int:pk>/ledger/", views.ledger_page, name="ledger"),
    path("remediation/cases/<int:pk>/ledger.docx", views.ledger_docx, name="ledger_docx"),
    path("remediation/ledger/", views.town_ledger, name="town_ledger"),
    # Withdrawal instead of deletion (core.withdrawal): POST with a reason; the office admin restores.
    path("remediation/tasks/<int:pk>/withdraw/", views.withdraw_task, name="task_withdraw"),
    path("remediation/tasks/<int:pk>/restore/", views.restore_task, name="task_restore"),
    path("remediation/cases/<int:pk>/plan/<int:plan_pk>/withdraw/", views.withdraw_plan, name="plan_withdraw"),
    path("remediation/cases/<int:pk>/plan/<int:plan_pk>/restore/", views.restore_plan, name="plan_restore"),
]
