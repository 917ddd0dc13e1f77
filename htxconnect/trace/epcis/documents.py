"""Documents the repository answers with: query documents and collections, with their @context.

Events keep the keys they were sent with (`example:myField`), so a query document carries the
namespace prefixes of the captures its events came from. When two captures gave one prefix two
meanings, the later events carry their own `@context` (allowed on events by the schema), so every
key still expands to the IRI it was sent with.
"""

from __future__ import annotations

import json

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


class RawJSON(str):
    """An event's JSON object as stored (query.page(raw_events=True)): written into the answer as
    it is by `encode`, never parsed and re-encoded."""


_EVENTS_MARK = "\u0000eventList\u0000"  # cannot occur in stored data: PostgreSQL's jsonb refuses \u0000


def _with_record_time(raw: RawJSON, stamp: str) -> RawJSON:
    body = raw.strip()
    if not body.startswith("{"):
        raise ValueError("an event is a JSON object")
    rest = body[1:].lstrip()
    return RawJSON(f'{{"recordTime":"{stamp}"' + ("," + rest if rest != "}" else "}"))


def encode(body: dict) -> bytes:
    """UTF-8 JSON of an answer whose eventList may hold RawJSON events (spliced in as they are)."""
    results = body
    for key in ("epcisBody", "queryResults", "resultsBody"):
        results = results.get(key) if isinstance(results, dict) else None
    events = results.get("eventList") if isinstance(results, dict) else None
    if not events or not any(isinstance(e, RawJSON) for e in events):
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    results["eventList"] = _EVENTS_MARK
    try:
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    finally:
        results["eventList"] = events
    head, mark, tail = text.rpartition(json.dumps(_EVENTS_MARK))
    assert mark, "the eventList mark is in the document"
    items = ",".join(e if isinstance(e, RawJSON) else json.dumps(e, ensure_ascii=False, separators=(",", ":"))
                     for e in events)
    return f"{head}[{items}]{tail}".encode("utf-8")


def event_document_items(rows) -> tuple[list, list]:
    """(document @context, events) for rows of (id, record_time, event, context); an event given
    as RawJSON stays RawJSON unless it needs its own @context."""
    urls: list = []
    prefixes: dict = {}
    events = []
    for _pk, record_time, event, context in rows:
        own_urls, own_prefixes = _split(context)
        clash = any(k in prefixes and prefixes[k] != v for k, v in own_prefixes.items())
        if isinstance(event, RawJSON):
            if not clash:
                prefixes.update(own_prefixes)
                urls.extend(u for u in own_urls if u not in urls)
                events.append(_with_record_time(event, format_time(record_time)))
                continue
            event = json.loads(event)
        event = dict(event)
        event["recordTime"] = format_time(record_time)
        if clash:
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
    from .formats import AS_CAPTURED, event_in_format

    if epc_format not in AS_CAPTURED:  # identifiers rewritten: the events must be read
        rows = [(pk, t, json.loads(e) if isinstance(e, RawJSON) else e, c) for pk, t, e, c in rows]
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
