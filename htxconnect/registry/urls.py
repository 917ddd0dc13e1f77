from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("", views.organization_list, name="organization_list"),
    path("new/", views.organization_create, name="organization_create"),
    path("expiring/", views.expiring, name="expiring"),
    path("wards/", views.wards_options, name="wards_options"),
    path("<int:pk>/", views.organization_detail, name="organization_detail"),
    path("<int:pk>/edit/", views.organization_edit, name="organization_edit"),
    path("<int:pk>/products/new/", views.product_create, name="product_create"),
    path("<int:pk>/certifications/new/", views.certification_create, name="certification_create"),
    path("<int:pk>/ip/new/", views.ip_right_create, name="ip_right_create"),
    path("<int:pk>/people/new/", views.person_create, name="person_create"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("products/<int:pk>/ocop/new/", views.ocop_create, name="ocop_create"),
    path("certifications/<int:pk>/edit/", views.certification_edit, name="certification_edit"),
    path("ip/<int:pk>/edit/", views.ip_right_edit, name="ip_right_edit"),
    path("ip/<int:pk>/grants/new/", views.ip_grant_create, name="ip_grant_create"),
    path("ocop/<int:pk>/edit/", views.ocop_edit, name="ocop_edit"),
    path("ocop/<int:pk>/rerating/", views.ocop_rerating, name="ocop_rerating"),
    path("verify/<str:kind>/<int:pk>/", views.verify, name="verify"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/export/", views.person_export, name="person_export"),
    path("people/<int:pk>/erase/", views.person_erase, name="person_erase"),
    path("people/<int:pk>/consent/", views.person_consent, name="person_consent"),
    path("<int:pk>/users/", views.organization_users, name="organization_users"),
    path("<int:pk>/users/<int:link_pk>/unlink/", views.organization_user_unlink, name="organization_user_unlink"),
    path("products/<int:pk>/delete/", views.product_delete, name="product_delete"),
    path("photos/<int:pk>/delete/", views.product_photo_delete, name="product_photo_delete"),
    path("certifications/<int:pk>/delete/", views.certification_delete, name="certification_delete"),
    path("ip/grants/<int:pk>/revoke/", views.ip_grant_revoke, name="ip_grant_revoke"),
    path("memberships/<int:pk>/end/", views.membership_end, name="membership_end"),
    path("verify/<str:kind>/<int:pk>/undo/", views.unverify, name="unverify"),
    path("public/", views.public_list, name="public_list"),
    path("public/<int:pk>/", views.public_detail, name="public_detail"),
]
