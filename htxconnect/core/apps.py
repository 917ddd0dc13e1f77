from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "htxconnect.core"
    label = "core"
    verbose_name = "Lõi hệ thống"
