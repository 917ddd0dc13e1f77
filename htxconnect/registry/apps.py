from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "htxconnect.registry"
    label = "registry"
