from django.urls import path

from . import views

app_name = "programs"

urlpatterns = [
    path("", views.program_list, name="program_list"),
    path("<int:pk>/", views.program_detail, name="program_detail"),
    path("plans/<int:pk>/copy/", views.plan_copy, name="plan_copy"),
    path("targets/<int:pk>/", views.target_records, name="target_records"),
    path("supports/", views.support_list, name="support_list"),
    path("supports/new/", views.support_create, name="support_create"),
    path("supports/<int:pk>/", views.support_detail, name="support_detail"),
    path("supports/import/", views.support_import, name="support_import"),
    path("supports/import/template.xlsx", views.support_import_template, name="support_import_template"),
    path("supports/import/<uuid:job_id>/", views.support_import_job, name="support_import_job"),
    path("supports/import/<uuid:job_id>/errors.xlsx", views.support_import_errors, name="support_import_errors"),
    path("supports/import/<uuid:job_id>/commit/", views.support_import_commit, name="support_import_commit"),
    path("supports/import/<uuid:job_id>/discard/", views.support_import_discard, name="support_import_discard"),
    path("policies/", views.policy_list, name="policy_list"),
    path("policies/<int:pk>/", views.policy_detail, name="policy_detail"),
    path("applications/", views.application_list, name="application_list"),
    path("applications/new/", views.application_create, name="application_create"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/transition/", views.application_transition, name="application_transition"),
    path("applications/<int:pk>/documents/", views.application_document, name="application_document"),
    path("loans/", views.loan_list, name="loan_list"),
    path("loans/<int:pk>/", views.loan_detail, name="loan_detail"),
    path("loans/<int:pk>/repay/", views.loan_repay, name="loan_repay"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
]
