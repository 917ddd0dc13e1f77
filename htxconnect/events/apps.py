from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "htxconnect.events"
    label = "events"
    verbose_name = "Sự kiện, tập huấn"

    def ready(self):
        from htxconnect.core.queries import register_home_cards

        from . import indicators, queries  # noqa: F401 - queries registers the cooperative timeline provider
        from .dashboard import events_home_cards

        indicators.register()
        register_home_cards(events_home_cards)
