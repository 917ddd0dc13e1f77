from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "htxconnect.reports"
    label = "reports"
    verbose_name = "Báo cáo"
