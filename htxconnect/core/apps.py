from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "htxconnect.core"
    label = "core"
    verbose_name = "Lõi hệ thống"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deployment checks)
        # Every app declares its audit action types in audit_actions.py: load them all, so the
        # audit log can name and filter every action (core.audit's registry).
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("audit_actions")
        # ... and the upload prefixes of their private files with the rule for reading them in
        # file_access.py (core.private_files; the /files/ view asks them).
        autodiscover_modules("file_access")

        # Monthly partitions of the big tables (PostgreSQL): the coming months, created ahead.
        from . import partitions, periodic

        periodic.register("ensure_partitions", partitions.run_periodic, period="day")

        # Tasks for a queue outside the database that were not handed over after the commit
        # (core.outbox, decision 0027): handed over again, and the dispatched ones forgotten.
        from . import outbox

        periodic.register("outbox_redispatch", outbox.redispatch, period="minute")
        periodic.register("outbox_prune", outbox.prune, period="day")

        # Observability: request ids and task ids on log lines, Prometheus counters (decision 0021).
        from django.conf import settings

        from . import metrics, observability

        if settings.LOG_FORMAT == "json":
            import logging

            logging.captureWarnings(True)  # Python warnings as JSON lines too (logger py.warnings)

        observability.connect_task_signals()
        metrics.connect_model_signals()
