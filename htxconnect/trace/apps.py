from django.apps import AppConfig


class TraceConfig(AppConfig):
    name = "htxconnect.trace"
    label = "trace"
