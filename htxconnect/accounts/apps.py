from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "htxconnect.accounts"
    label = "accounts"
    verbose_name = "Tài khoản"
