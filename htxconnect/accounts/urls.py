from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("unlock/", views.unlock_request, name="unlock_request"),
    path("unlock/<str:token>/", views.unlock_confirm, name="unlock_confirm"),
    path("otp/verify/", views.otp_verify, name="otp_verify"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("otp/backup-codes/", views.otp_backup_codes, name="otp_backup_codes"),
    path("otp/devices/<int:pk>/delete/", views.otp_device_delete, name="otp_device_delete"),
    path("profile/", views.profile, name="profile"),
    path("password/change/", views.password_change, name="password_change"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_done, name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("password/reset/done/", views.password_reset_complete, name="password_reset_complete"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/deactivate/", views.user_set_active, {"active": False}, name="user_deactivate"),
    path("users/<int:pk>/activate/", views.user_set_active, {"active": True}, name="user_activate"),
    path("users/<int:pk>/reset-two-factor/", views.user_reset_two_factor, name="user_reset_two_factor"),
    path("users/<int:pk>/api-keys/<int:key_pk>/rate-limit/", views.api_key_rate_limit, name="api_key_rate_limit"),
]
