from django.apps import AppConfig


class TraceConfig(AppConfig):
    name = "htxconnect.trace"
    label = "trace"

    def ready(self):
        # Subscriptions are told of new events through a signal, so capture never imports them.
        from .epcis.capture import events_stored
        from .epcis.subscriptions import after_capture

        events_stored.connect(after_capture, dispatch_uid="htxconnect.trace.subscriptions")

        from htxconnect.core import partitions, periodic

        partitions.register("trace_epcisevent", "record_time")

        from .epcis.subscriptions import run_scheduled_subscriptions

        periodic.register("scheduled_subscriptions", run_scheduled_subscriptions, period="minute")
