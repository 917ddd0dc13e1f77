"""Webhook destinations: internal addresses refused in every spelling when the subscription is
created; the delivery connects to the address it checked (no DNS rebinding); a deactivated
account's subscriptions stop."""

import json
import socket

import pytest

from htxconnect.trace.epcis import subscriptions as subs
from htxconnect.trace.models import EPCISSubscription

from .conftest import object_event
from .test_epcis_subscriptions import SHIPPING, capture_committed, create_query, hook, subscribe  # noqa: F401

pytestmark = pytest.mark.django_db

# Each of these is 127.0.0.1 (or the machine itself) to the C resolver or an HTTP client.
INTERNAL = [
    "http://2130706433/hook",            # decimal
    "http://0x7f000001/hook",            # hex
    "http://0x7f.0.0.1/hook",            # hex first octet
    "http://0177.0.0.1/hook",            # octal
    "http://127.1/hook",                 # short form
    "http://127.0.1/hook",
    "http://[::ffff:127.0.0.1]/hook",    # IPv4-mapped IPv6
    "http://[::ffff:7f00:1]/hook",
    "http://[64:ff9b::7f00:1]/hook",     # NAT64 (RFC 6052) of 127.0.0.1
    "http://[64:ff9b::a00:1]/hook",      # NAT64 of 10.0.0.1
    "http://[2002:7f00:1::]/hook",       # 6to4 of 127.0.0.1
    "http://localhost./hook",            # trailing dot
    "http://LOCALHOST/hook",
    "http://api.localhost/hook",
    "http://0/hook",                     # 0.0.0.0
    "http://169.254.169.254/latest/meta-data",
    "http://[fd00::1]/hook",
]


@pytest.fixture
def strict(settings):
    settings.EPCIS_WEBHOOK_ALLOW_PRIVATE = False


@pytest.mark.parametrize("dest", INTERNAL)
def test_internal_destinations_are_refused_at_creation(api, strict, dest, monkeypatch):
    def no_dns(*args, **kwargs):
        raise AssertionError("a literal is judged without asking DNS")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    create_query(api)
    response = subscribe(api, dest)
    assert response.status_code == 400, dest
    assert "nội bộ" in response.json()["detail"]
    assert not EPCISSubscription.objects.exists()


@pytest.mark.parametrize("dest", ["https://hooks.example.com/in", "http://93.184.216.34/in",
                                  "https://[2606:2800:220:1:248:1893:25c8:1946]/in"])
def test_public_destinations_are_accepted(api, strict, dest):
    create_query(api)
    assert subscribe(api, dest).status_code == 201


class Resolver:
    """A DNS stub that rebinds: the first answer is public, every later one is 127.0.0.1."""

    def __init__(self):
        self.calls = 0

    def __call__(self, host, port, *args, **kwargs):
        self.calls += 1
        address = "93.184.216.34" if self.calls == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]


def test_delivery_connects_to_the_address_it_checked(api, strict, monkeypatch, settings,
                                                     django_capture_on_commit_callbacks):
    settings.EPCIS_WEBHOOK_RETRY_DELAYS = []
    create_query(api)
    assert subscribe(api, "http://rebind.example.com/in").status_code == 201
    resolver, connected = Resolver(), []

    def connect(address, *args, **kwargs):
        connected.append(address)
        raise ConnectionRefusedError("stub: no network in tests")

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    monkeypatch.setattr(socket, "create_connection", connect)
    capture_committed(api, [object_event(1)], django_capture_on_commit_callbacks)
    assert connected == [("93.184.216.34", 80)]  # never the rebound 127.0.0.1
    assert resolver.calls == 1


def test_the_checked_address_carries_the_host_name(monkeypatch):
    """The pinned connection still says which site it wants (Host header; SNI for HTTPS)."""
    sent = {}

    class FakeSocket:
        def sendall(self, data):
            sent.setdefault("data", b"")
            sent["data"] += data

        def makefile(self, *args, **kwargs):
            import io

            return io.BytesIO(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")

        def close(self):
            pass

        def setsockopt(self, *args):
            pass

    def connect(address, *args, **kwargs):
        sent["address"] = address
        return FakeSocket()

    monkeypatch.setattr(socket, "create_connection", connect)
    status = subs._post("http://hooks.example.com:8080/in?x=1", "93.184.216.34", b"{}", {"X-Test": "1"})
    assert status == 204 and sent["address"] == ("93.184.216.34", 8080)
    assert b"POST /in?x=1 HTTP/1.1" in sent["data"] and b"Host: hooks.example.com:8080" in sent["data"]


def test_a_deactivated_accounts_subscriptions_stop(api, hook, django_capture_on_commit_callbacks):
    create_query(api)
    assert subscribe(api, hook.url).status_code == 201
    capture_committed(api, [object_event(1)], django_capture_on_commit_callbacks)
    assert len(hook.requests) == 1
    owner = api.user
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    from htxconnect.trace.epcis.capture import receive_document

    from .conftest import make_document

    # Events the query matches are still captured (e.g. by a job queued earlier): none is sent.
    with django_capture_on_commit_callbacks(execute=True):
        job = receive_document(make_document([object_event(2)]), user=owner, synchronous=True)
    assert job.stored_count == 1
    assert subs.matching_deliveries(job.pk) == []
    assert len(hook.requests) == 1  # nothing more was sent


def test_a_delivery_queued_before_deactivation_is_not_sent(api, hook):
    create_query(api)
    assert subscribe(api, hook.url).status_code == 201
    subscription = EPCISSubscription.objects.get()
    api.user.is_active = False
    api.user.save(update_fields=["is_active"])
    ok, _body = subs.deliver(str(subscription.pk), [])
    assert ok and hook.requests == []


def test_shipping_query_is_the_one_subscribed():
    assert SHIPPING["name"] == "shipping"  # the helper above subscribes to this named query
    assert json.loads(json.dumps(SHIPPING))["query"]["EQ_bizStep"] == ["shipping"]
