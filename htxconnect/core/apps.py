from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "htxconnect.core"
    label = "core"
    verbose_name = "Lõi hệ thống"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deployment checks)
