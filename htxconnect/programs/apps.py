from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "htxconnect.programs"
    label = "programs"
    verbose_name = "Chương trình, hỗ trợ"

    def ready(self):
        from htxconnect.core.queries import register_home_cards

        from . import queries  # noqa: F401 - registers the cooperative timeline provider
        from .dashboard import programs_home_cards

        register_home_cards(programs_home_cards)
