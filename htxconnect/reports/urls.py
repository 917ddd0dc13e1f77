from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("new/", views.report_create, name="report_create"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<str:chart>.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
    path("<int:pk>/", views.report_detail, name="report_detail"),
    path("<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("<int:pk>/progress/", views.report_progress, name="report_progress"),
    path("<int:pk>/generate/", views.report_generate, name="report_generate"),
    path("<int:pk>/changes/", views.report_changes, name="report_changes"),
    path("<int:pk>/download/<str:fmt>/", views.report_download, name="report_download"),
]
