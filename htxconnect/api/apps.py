from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "htxconnect.api"
    label = "api"
    verbose_name = "API"
