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

        from htxconnect.core import periodic

        from .reminders import send_loan_reminders

        periodic.register("loan_reminders", send_loan_reminders, period="day")
