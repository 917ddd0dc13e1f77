from django.apps import AppConfig


class ResolverConfig(AppConfig):
    name = "htxconnect.resolver"
    label = "resolver"
    verbose_name = "GS1 Digital Link, trang quét mã, nhãn"

    def ready(self):
        from . import signals  # noqa: F401 - cache purge hooks
