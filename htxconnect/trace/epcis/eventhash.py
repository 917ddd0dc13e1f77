"""The CBV 2.0 event hash (`ni:///sha-256;…?ver=CBV2.0`) through GS1's reference implementation.

`epcis-event-hash-generator` (docs/decisions/0012-epcis-event-hash.md) computes the canonical
"pre-hash string" of an event (CBV 2.0 §8.9): fixed field order, identifiers as canonical GS1
Digital Link URIs, CBV values as web URIs, times in UTC to the millisecond, extension fields
with their namespace IRIs; eventID, recordTime and errorDeclaration are left out. The same
string is this repository's *canonical form* of an event: two events are the same event when
their pre-hash strings are equal, however their JSON is spelled.

The library keeps state in module globals (the namespaces of the last document, the JSON-LD
document loader), so every call runs under one lock, starts from empty namespaces and loads
JSON-LD contexts only from the local copy: it never fetches anything over the network.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import threading

from django.conf import settings

from . import CONTEXT_URL

log = logging.getLogger(__name__)

_LOCK = threading.Lock()
_CONTEXT_FILE = settings.BASE_DIR / "htxconnect" / "trace" / "data" / "epcis-context.jsonld"
_EPCIS_CONTEXTS = frozenset({
    CONTEXT_URL,
    "https://gs1.github.io/EPCIS/epcis-context.jsonld",
    "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
})
_loaded_context = None


class EventHashError(ValueError):
    """The canonical form of an event could not be computed."""


def _is_epcis_context(url: str) -> bool:
    return url in _EPCIS_CONTEXTS or url.endswith("/epcis/context/epcis-context.jsonld")


def _local_loader(url, options=None):
    """JSON-LD document loader: the EPCIS context from disk, anything else refused (no network)."""
    from pyld.jsonld import JsonLdError

    global _loaded_context
    if not _is_epcis_context(url):
        raise JsonLdError("Remote JSON-LD contexts are not loaded.", "jsonld.LoadDocumentError",
                          code="loading document failed")
    if _loaded_context is None:
        _loaded_context = json.loads(_CONTEXT_FILE.read_text(encoding="utf-8"))
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": _loaded_context}


def _local_context(context) -> list:
    """The document's @context with the standard context named by its official URL and
    other remote contexts dropped (their terms cannot be expanded without fetching them)."""
    items = context if isinstance(context, list) else ([context] if context else [])
    out = [CONTEXT_URL]
    for item in items:
        if isinstance(item, dict):
            out.append(item)
    return out


def prehash_strings(events: list[dict], context) -> list[str]:
    """The CBV 2.0 pre-hash string of each event (same order); EventHashError when one fails."""
    if not events:
        return []
    from epcis_event_hash_generator import hash_generator, json_to_py
    from pyld import jsonld

    document = {"@context": _local_context(context), "type": "EPCISDocument", "schemaVersion": "2.0",
                "creationDate": "2000-01-01T00:00:00Z", "epcisBody": {"eventList": copy.deepcopy(events)}}
    with _LOCK:
        jsonld.set_document_loader(_local_loader)
        json_to_py._namespaces = {}
        try:
            tree = json_to_py.event_list_from_epcis_document_json(document)
            strings = hash_generator.derive_prehashes_from_events(tree)
        except Exception as exc:  # the library raises bare exceptions of many kinds
            raise EventHashError(f"{exc.__class__.__name__}: {exc}") from exc
        finally:
            json_to_py._namespaces = {}
    if len(strings) != len(events):
        # The library skips (and logs) an event it cannot read; find which one by going singly.
        if len(events) == 1:
            raise EventHashError("the event hash generator could not read this event")
        return [prehash_strings([event], context)[0] for event in events]
    return strings


def event_hashes(events: list[dict], context) -> list[str]:
    """The CBV 2.0 event hash ID of each event, `ni:///sha-256;<hex>?ver=CBV2.0`."""
    return [f"ni:///sha-256;{hashlib.sha256(s.encode('utf-8')).hexdigest()}?ver=CBV2.0"
            for s in prehash_strings(events, context)]
