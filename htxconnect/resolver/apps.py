from django.apps import AppConfig


class ResolverConfig(AppConfig):
    name = "htxconnect.resolver"
    label = "resolver"
    verbose_name = "GS1 Digital Link, trang quét mã, nhãn"

    def ready(self):
        from htxconnect.core.queries import register_home_cards

        from . import signals  # noqa: F401 - cache purge hooks
        from .dashboard import resolver_home_cards

        register_home_cards(resolver_home_cards)

        from htxconnect.core import partitions, periodic

        partitions.register("resolver_scanevent", "scanned_at")

        from . import pagefiles, spool
        from .scans import check_new_scans

        # Store the spooled scans first, so the flags are set on them in the same run.
        periodic.register("flush_scan_spool", spool.flush, period="minute")
        periodic.register("check_new_scans", check_new_scans, period="minute")
        periodic.register("roll_scan_page_files", pagefiles.roll_day, period="minute")
