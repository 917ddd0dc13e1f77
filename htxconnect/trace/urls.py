"""Trace URLs. The EPCIS 2.0 REST binding lives under /epcis/ (trace.epcis.views)."""

from django.urls import path, re_path

from .epcis import views as epcis

app_name = "trace"

urlpatterns = [
    path("epcis/context/epcis-context.jsonld", epcis.context_file, name="epcis_context"),
    path("epcis/capture", epcis.capture, name="epcis_capture"),
    path("epcis/capture/<str:capture_id>", epcis.capture_detail, name="epcis_capture_detail"),
    path("epcis/events", epcis.events, name="epcis_events"),
    path("epcis/events/<path:event_id>", epcis.event_detail, name="epcis_event"),
    path("epcis/eventTypes", epcis.event_types, name="epcis_event_types"),
    path("epcis/eventTypes/<path:event_type>/events", epcis.event_type_events, name="epcis_event_type_events"),
    path("epcis/eventTypes/<path:event_type>", epcis.event_type, name="epcis_event_type"),
    path("epcis/epcs/<path:epc>/events", epcis.epc_events, name="epcis_epc_events"),
    path("epcis/epcs/<path:epc>", epcis.epc_resource, name="epcis_epc"),
    path("epcis/queries", epcis.queries, name="epcis_queries"),
    path("epcis/queries/<str:query_name>", epcis.query_detail, name="epcis_query"),
    path("epcis/queries/<str:query_name>/events", epcis.query_events, name="epcis_query_events"),
    path("epcis/queries/<str:query_name>/subscriptions", epcis.subscriptions, name="epcis_subscriptions"),
    path("epcis/queries/<str:query_name>/subscriptions/<str:subscription_id>", epcis.subscription_detail,
         name="epcis_subscription"),
    path("epcis/epcs", epcis.epcs, name="epcis_epcs"),
    *[route for resource, (listing, item, item_events) in epcis.VOCABULARY_VIEWS.items() for route in (
        path(f"epcis/{resource}", listing, name=f"epcis_{resource}"),
        path(f"epcis/{resource}/<path:value>/events", item_events, name=f"epcis_{resource}_events"),
        path(f"epcis/{resource}/<path:value>", item, name=f"epcis_{resource}_item"),
    )],
    path("epcis/", epcis.root, name="epcis_root"),
    re_path(r"^epcis(?:/(?P<rest>[\s\S]*))?\Z", epcis.not_found, name="epcis_not_found"),
]
