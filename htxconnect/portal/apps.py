from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "htxconnect.portal"
    label = "portal"
    verbose_name = "Cổng thông tin"

    def ready(self):
        # `/` shows an anonymous visitor the public portal's home page (core sits below the portal
        # and cannot import it); signed-in people still get their workspace there.
        from htxconnect.core.views import register_anonymous_home

        from .views import home

        register_anonymous_home(home)
