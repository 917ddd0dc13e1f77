from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "htxconnect.accounts"
    label = "accounts"
    verbose_name = "Tài khoản"

    def ready(self):
        # Hooks into core, which sits below accounts and so cannot import it (.importlinter).
        from htxconnect.core.queries import register_home_cards
        from htxconnect.core.views import register_anonymous_home

        from .dashboard import accounts_home_cards
        from .views import login_view

        register_home_cards(accounts_home_cards)
        register_anonymous_home(login_view)
