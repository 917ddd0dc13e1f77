from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "htxconnect.accounts"
    label = "accounts"
    verbose_name = "Tài khoản"

    def ready(self):
        # Hooks into core, which sits below accounts and so cannot import it (.importlinter).
        # `/` for anonymous visitors is the portal's home page (portal.apps); without the portal,
        # core sends them to the login page.
        from htxconnect.core.queries import register_home_cards

        from .dashboard import accounts_home_cards

        register_home_cards(accounts_home_cards)
