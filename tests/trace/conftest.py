"""Fixtures for the EPCIS tests: API keys, the official examples, a capture helper."""

import copy
import json
from pathlib import Path

import pytest
from django.test import Client
from htxconnect.core.actors import SYSTEM

# Copies of GS1's EPCIS 2.0 examples (gs1/EPCIS, unchanged; see examples/SOURCE.txt).
EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.jsonld"))


def load_example(name_or_path) -> dict:
    path = name_or_path if isinstance(name_or_path, Path) else EXAMPLES_DIR / name_or_path
    return json.loads(path.read_text(encoding="utf-8"))


class Api:
    """A test client speaking to /epcis/ with one user's API key."""

    def __init__(self, user, raw_key):
        self.user = user
        self.key = raw_key
        self.client = Client()

    def headers(self, extra=None):
        return {"Authorization": f"Bearer {self.key}", **(extra or {})}

    def capture(self, document, *, content_type="application/ld+json", headers=None, **extra):
        body = document if isinstance(document, (str, bytes)) else json.dumps(document)
        return self.client.post("/epcis/capture", data=body, content_type=content_type,
                                headers=self.headers(headers), **extra)

    def get(self, path, params=None, headers=None):
        return self.client.get(path, data=params or {}, headers=self.headers(headers))


@pytest.fixture
def api_for(db):
    from htxconnect.accounts.apikeys import issue_key

    def make(user):
        _key, raw = issue_key(user, "epcis test", by=SYSTEM)
        return Api(user, raw)

    return make


@pytest.fixture
def api(users, api_for):
    """The cooperative manager's API client."""
    return api_for(users["coop_manager"])


@pytest.fixture
def buyer_api(users, api_for):
    return api_for(users["buyer"])


def make_document(events, context_extra=None):
    context = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
    if context_extra:
        context.append(context_extra)
    return {"@context": context, "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-03-01T08:00:00+07:00", "epcisBody": {"eventList": copy.deepcopy(events)}}


def object_event(i=0, **fields):
    event = {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
        "eventTime": f"2026-03-01T{8 + i // 3600 % 12:02d}:{i // 60 % 60:02d}:{i % 60:02d}+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "epcList": [f"urn:epc:id:sgtin:893000000.0001.LOT1-{i}"],
        "readPoint": {"id": "urn:epc:id:sgln:893000000.001.0"},
    }
    event.update(fields)
    return event


@pytest.fixture(autouse=True)
def _webhooks_to_localhost(settings):
    """Webhook tests deliver to a local HTTP server; fast retries."""
    settings.EPCIS_WEBHOOK_ALLOW_PRIVATE = True
    settings.EPCIS_WEBHOOK_RETRY_DELAYS = [0.05, 0.1]
