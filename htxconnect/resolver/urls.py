"""Resolver URLs. Mounted at the site root (GS1 Digital Link paths start with /01/), last in
htxconnect/urls.py so it shadows nothing."""

from django.urls import path, re_path

from . import views

app_name = "resolver"

urlpatterns = [
    path(".well-known/gs1resolver", views.well_known, name="well_known"),
    re_path(r"^01/(?P<rest>.+)$", views.digital_link, name="digital_link"),
    path("scan/01/<str:gtin>/", views.scan_product, name="scan_product"),
    path("scan/01/<str:gtin>/10/<str:lot>/", views.scan_lot, name="scan_lot"),
    path("scan/01/<str:gtin>/report/", views.report, name="report"),
    path("trace/lots/", views.lot_list, name="lot_list"),
    path("trace/lots/new/", views.lot_create, name="lot_create"),
    path("trace/lots/<int:pk>/", views.lot_detail, name="lot_detail"),
    path("trace/lots/<int:pk>/edit/", views.lot_edit, name="lot_edit"),
    path("trace/lots/<int:pk>/step/", views.lot_step, name="lot_step"),
    path("trace/lots/<int:pk>/recall/", views.lot_recall, name="lot_recall"),
    path("trace/lots/<int:pk>/links/new/", views.link_add, name="link_add"),
    path("trace/lots/<int:pk>/labels/new/", views.print_create, name="print_create"),
    path("trace/lots/<int:pk>/export.json", views.lot_export, name="lot_export"),
    path("trace/links/<int:pk>/delete/", views.link_delete, name="link_delete"),
    path("trace/labels/<int:pk>/", views.print_detail, name="print_detail"),
    path("trace/labels/<int:pk>/pdf", views.print_pdf, name="print_pdf"),
    path("trace/products/<int:product_pk>/gtin/", views.assign_gtin, name="assign_gtin"),
    path("trace/stats/", views.stats, name="stats"),
    # A compressed GS1 Digital Link: one base64url segment (10 characters at least: a bare GTIN).
    re_path(r"^(?P<token>[A-Za-z0-9_-]{10,})/?$", views.compressed_link, name="compressed_link"),
]
