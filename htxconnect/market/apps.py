from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "htxconnect.market"
    label = "market"
    verbose_name = "Kết nối thị trường"

    def ready(self):
        from htxconnect.core import periodic
        from htxconnect.core.queries import register_home_cards

        from . import timeline  # noqa: F401 - registers the cooperative timeline provider
        from .dashboard import market_home_cards
        from .services import send_due_reminders

        register_home_cards(market_home_cards)
        periodic.register("market_connection_reminders", send_due_reminders, period="day")
