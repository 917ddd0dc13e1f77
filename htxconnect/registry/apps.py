from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "htxconnect.registry"
    label = "registry"

    def ready(self):
        from htxconnect.core.queries import register_home_cards

        from .dashboard import registry_home_cards

        register_home_cards(registry_home_cards)

        from htxconnect.core import periodic

        from .tasks import run_expiry_reminders

        periodic.register("expiry_reminders", run_expiry_reminders, period="day")
