from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "htxconnect.portal"
    label = "portal"
    verbose_name = "Cổng thông tin"
