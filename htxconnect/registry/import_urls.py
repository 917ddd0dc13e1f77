from django.urls import path

from . import import_views as views

app_name = "registry_import"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("template.xlsx", views.template_download, name="template"),
    path("export/organisations.xlsx", views.export_organizations, name="export_organizations"),
    path("export/products.xlsx", views.export_products, name="export_products"),
    path("<uuid:job_id>/", views.job_page, name="job"),
    path("<uuid:job_id>/progress/", views.job_progress, name="progress"),
    path("<uuid:job_id>/errors.xlsx", views.job_errors, name="errors"),
    path("<uuid:job_id>/commit/", views.job_commit, name="commit"),
    path("<uuid:job_id>/discard/", views.job_discard, name="discard"),
]
