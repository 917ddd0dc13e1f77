"""Documents the repository answers with: query documents and collections, with their @context.

Events keep the keys they were sent with (`example:myField`), so a query document carries the
namespace prefixes of the captures its events came from. When two captures gave one prefix two
meanings, the later events carry their own `@context` (allowed on events by the schema), so every
key still expands to the IRI it was sent with.
"""

from __future__ import annotations

from django.utils import timezone

from . import CONTEXT_URL
from .capture import format_time

# Names under which clients refer to the standard EPCIS 2.0 context (the official one first).
EPCIS_CONTEXT_URLS = frozenset({
    CONTEXT_URL,
    "https://gs1.github.io/EPCIS/epcis-context.jsonld",
    "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
})


def _as_list(context) -> list:
    if context is None:
        return []
    return list(context) if isinstance(context, list) else [context]


def _split(context) -> tuple[list, dict]:
    """(other context URLs, merged prefix definitions) of a stored document @context."""
    urls, prefixes = [], {}
    for item in _as_list(context):
        if isinstance(item, str):
            if item not in EPCIS_CONTEXT_URLS and not item.endswith("/epcis/context/epcis-context.jsonld"):
                urls.append(item)
        elif isinstance(item, dict):
            prefixes.update(item)
    return urls, prefixes


def event_document_items(rows) -> tuple[list, list]:
    """(document @context, events) for rows of (id, record_time, event, context)."""
    urls: list = []
    prefixes: dict = {}
    events = []
    for _pk, record_time, event, context in rows:
        event = dict(event)
        event["recordTime"] = format_time(record_time)
        own_urls, own_prefixes = _split(context)
        if any(k in prefixes and prefixes[k] != v for k, v in own_prefixes.items()):
            extra = own_urls + ([own_prefixes] if own_prefixes else [])
            if "@context" in event:
                extra = extra + _as_list(event["@context"])
            event = {"@context": extra, **event}
        else:
            prefixes.update(own_prefixes)
            urls.extend(u for u in own_urls if u not in urls)
        events.append(event)
    context = [CONTEXT_URL, *urls] + ([prefixes] if prefixes else [])
    return context, events


def query_document(rows, *, query_name: str = "SimpleEventQuery", epc_format: str = "Never_Translates",
                   extensions: dict | None = None) -> dict:
    """An EPCISQueryDocument of rows; identifiers in `epc_format` (GS1-EPC-Format), the client's
    GS1-Extensions prefixes added to the @context."""
    from .formats import event_in_format

    context, events = event_document_items(rows)
    events = [event_in_format(e, epc_format) for e in events]
    if extensions:
        context = with_extensions(context, extensions)
    return {
        "@context": context,
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": format_time(timezone.now()),
        "epcisBody": {"queryResults": {"queryName": query_name, "resultsBody": {"eventList": events}}},
    }


def with_extensions(context, extensions: dict) -> list:
    """The @context plus the client's GS1-Extensions prefixes (the document's own win on a clash)."""
    context = list(context) if isinstance(context, list) else [context]
    defined = {k for item in context if isinstance(item, dict) for k in item}
    extra = {k: v for k, v in extensions.items() if k not in defined}
    return context + [extra] if extra else context


def collection(members, *, extensions: dict | None = None) -> dict:
    context = with_extensions([CONTEXT_URL], extensions) if extensions else CONTEXT_URL
    if isinstance(context, list) and len(context) == 1:
        context = context[0]
    return {"@context": context, "type": "Collection", "member": list(members)}


def capture_job_document(job) -> dict:
    body = {
        "captureID": str(job.pk),
        "createdAt": format_time(job.created_at),
        "running": job.status == job.Status.RUNNING,
        "success": job.status != job.Status.FAILED,
        "captureErrorBehaviour": job.error_behaviour,
        "errors": job.errors or [],
        "eventCount": job.event_count,
        "storedCount": job.stored_count,
        "duplicateCount": job.duplicate_count,
    }
    if job.finished_at is not None:
        body["finishedAt"] = format_time(job.finished_at)
    return body
