"""Named queries (/epcis/queries) and streaming webhook subscriptions; capture options."""

import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from htxconnect.trace.models import CaptureJob, EPCISEvent, EPCISQuery, EPCISSubscription

from .conftest import make_document, object_event

SHIPPING = {"name": "shipping", "query": {"eventType": ["ObjectEvent"], "EQ_bizStep": ["shipping"]}}


class Hook:
    """A webhook receiver on 127.0.0.1 (http.server in a thread); `statuses` are answered in turn."""

    def __init__(self, statuses=(200,)):
        self.requests = []
        self.statuses = list(statuses)
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                hook.requests.append((self.headers, body))  # case-insensitive
                status = hook.statuses.pop(0) if len(hook.statuses) > 1 else hook.statuses[0]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook():
    receiver = Hook()
    yield receiver
    receiver.close()


def create_query(api, body=SHIPPING):
    return api.client.post("/epcis/queries", data=json.dumps(body), content_type="application/json",
                           headers=api.headers())


def subscribe(api, dest, name="shipping", **fields):
    body = {"dest": dest, "stream": True, **fields}
    return api.client.post(f"/epcis/queries/{name}/subscriptions", data=json.dumps(body),
                           content_type="application/json", headers=api.headers())


def capture_committed(api, events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.capture(make_document(events))
    assert response.status_code == 202, response.content
    return response


# --- Named queries -------------------------------------------------------------------------------------------------


def test_create_list_get_and_delete_a_named_query(api):
    response = create_query(api)
    assert response.status_code == 201
    assert response["Location"] == "/epcis/queries/shipping"
    listed = api.get("/epcis/queries")
    assert listed.status_code == 200
    assert listed.json() == [SHIPPING]
    detail = api.get("/epcis/queries/shipping")
    assert detail.json() == SHIPPING
    assert api.client.delete("/epcis/queries/shipping", headers=api.headers()).status_code == 204
    assert api.get("/epcis/queries/shipping").status_code == 404
    assert api.get("/epcis/queries").json() == []


def test_same_name_twice_is_409_and_names_are_per_owner(api, buyer_api):
    assert create_query(api).status_code == 201
    again = create_query(api)
    assert again.status_code == 409
    assert again.json()["type"] == "epcisException:ResourceAlreadyExistsException"
    assert buyer_api.get("/epcis/queries/shipping").status_code == 404  # not the buyer's query
    assert create_query(buyer_api).status_code == 201
    assert EPCISQuery.objects.count() == 2


@pytest.mark.parametrize("body, words", [
    ({"name": "bad", "query": {"NO_SUCH_param": ["x"]}}, "NO_SUCH_param"),
    ({"name": "bad", "query": {"GE_eventTime": "2026-03-01T08:00:00"}}, "GE_eventTime"),
    ({"name": "bad", "query": {"perPage": 5}}, "perPage"),
    ({"name": "bad name/with slash", "query": {}}, "name"),
    ({"name": "no-query"}, "query"),
])
def test_invalid_query_definitions_are_refused_with_the_field(api, body, words):
    response = create_query(api, body)
    assert response.status_code == 400
    assert words in response.json()["detail"]
    assert not EPCISQuery.objects.exists()


def test_named_query_events_apply_the_definition_and_the_owners_visibility(api, buyer_api):
    api.capture(make_document([object_event(1), object_event(2, bizStep="receiving")]))
    buyer_api.capture(make_document([object_event(3)]))  # shipping too, but the buyer's
    create_query(api)
    response = api.get("/epcis/queries/shipping/events")
    assert response.status_code == 200
    document = response.json()
    assert document["epcisBody"]["queryResults"]["queryName"] == "shipping"
    ids = [e["eventID"] for e in document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]
    assert ids == [object_event(1)["eventID"]]
    paged = api.get("/epcis/queries/shipping/events", {"perPage": "1"})
    assert paged.status_code == 200
    assert api.get("/epcis/queries/shipping/events", {"EQ_bizStep": "x"}).status_code == 400
    assert api.get("/epcis/queries/none/events").status_code == 404


def test_queries_need_authentication(client):
    assert client.get("/epcis/queries").status_code == 401
    assert client.post("/epcis/queries", data="{}", content_type="application/json").status_code == 401


# --- Subscriptions ------------------------------------------------------------------------------------------------


def test_subscription_is_created_shown_listed_and_deleted_without_revealing_the_token(api, hook):
    create_query(api)
    response = subscribe(api, hook.url, signatureToken="s3cret-token", reportIfEmpty=False)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["stream"] is True and body["dest"] == hook.url
    assert response["Location"].endswith(f"/epcis/queries/shipping/subscriptions/{body['subscriptionID']}")
    assert "s3cret-token" not in response.content.decode()
    detail = api.get(f"/epcis/queries/shipping/subscriptions/{body['subscriptionID']}")
    assert detail.status_code == 200
    assert detail.json()["queryName"] == "shipping"
    assert "s3cret-token" not in detail.content.decode()
    assert [s["subscriptionID"] for s in api.get("/epcis/queries/shipping/subscriptions").json()] == [
        body["subscriptionID"]]
    deleted = api.client.delete(f"/epcis/queries/shipping/subscriptions/{body['subscriptionID']}", headers=api.headers())
    assert deleted.status_code == 204
    assert not EPCISSubscription.objects.exists()
    assert api.get(f"/epcis/queries/shipping/subscriptions/{body['subscriptionID']}").status_code == 404


@pytest.mark.parametrize("fields, words", [
    ({"stream": False}, "stream"),
    ({"dest": "ftp://example.com/x"}, "dest"),
    ({"dest": "not a url"}, "dest"),
    ({"signatureToken": 5}, "signatureToken"),
])
def test_invalid_subscriptions_are_refused(api, fields, words):
    create_query(api)
    body = {"dest": "https://client.example.com/hook", "stream": True, **fields}
    body = {k: v for k, v in body.items() if v is not None}
    response = api.client.post("/epcis/queries/shipping/subscriptions", data=json.dumps(body),
                               content_type="application/json", headers=api.headers())
    assert response.status_code == 400
    assert words in response.json()["detail"]
    assert not EPCISSubscription.objects.exists()


def test_subscription_to_unknown_query_is_404(api):
    assert subscribe(api, "https://client.example.com/hook", name="none").status_code == 404


def test_matching_events_are_posted_to_the_webhook_signed(api, hook, django_capture_on_commit_callbacks):
    create_query(api)
    assert subscribe(api, hook.url, signatureToken="s3cret-token").status_code == 201
    capture_committed(api, [object_event(1), object_event(2, bizStep="receiving")], django_capture_on_commit_callbacks)
    assert len(hook.requests) == 1
    headers, body = hook.requests[0]
    expected = "sha256=" + hmac.new(b"s3cret-token", body, hashlib.sha256).hexdigest()
    assert headers["GS1-Signature"] == expected
    assert headers["Content-Type"] == "application/ld+json"
    document = json.loads(body)
    assert document["type"] == "EPCISQueryDocument"
    results = document["epcisBody"]["queryResults"]
    assert results["queryName"] == "shipping"
    assert results["subscriptionID"] == str(EPCISSubscription.objects.get().pk)
    assert [e["eventID"] for e in results["resultsBody"]["eventList"]] == [object_event(1)["eventID"]]
    assert EPCISSubscription.objects.get().last_notified_at is not None


def test_the_database_queue_gets_the_notification_task_in_the_captures_transaction(api, database_task_queue,
                                                                                 django_capture_on_commit_callbacks):
    create_query(api)
    assert subscribe(api, "https://client.example.com/hook").status_code == 201
    with django_capture_on_commit_callbacks(execute=False):
        response = api.capture(make_document([object_event(1)]))
    assert response.status_code == 202
    assert database_task_queue() == [("htxconnect.trace.epcis.subscriptions.notify_task", [response.json()["captureID"]])]


def test_non_matching_and_invisible_events_are_not_delivered(api, buyer_api, hook,
                                                             django_capture_on_commit_callbacks):
    create_query(api)
    subscribe(api, hook.url)
    capture_committed(api, [object_event(1, bizStep="receiving")], django_capture_on_commit_callbacks)
    capture_committed(buyer_api, [object_event(2)], django_capture_on_commit_callbacks)  # not the owner's
    assert hook.requests == []


def test_delivery_waits_for_the_capture_to_commit(api, hook, django_capture_on_commit_callbacks):
    create_query(api)
    subscribe(api, hook.url)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        api.capture(make_document([object_event(1)]))
    assert hook.requests == []  # nothing sent from inside the capture transaction
    assert callbacks  # the delivery (and the capture metrics) wait for the commit
    for callback in callbacks:
        callback()
    assert len(hook.requests) == 1


def test_failed_delivery_is_retried_with_backoff(api, django_capture_on_commit_callbacks):
    receiver = Hook(statuses=(500, 503, 200))
    try:
        create_query(api)
        subscribe(api, receiver.url)
        capture_committed(api, [object_event(1)], django_capture_on_commit_callbacks)
        assert len(receiver.requests) == 3
        assert receiver.requests[0][1] == receiver.requests[2][1]
        assert "GS1-Signature" not in receiver.requests[0][0]  # no token, no signature
    finally:
        receiver.close()
    assert EPCISSubscription.objects.get().failed_deliveries == 0


def test_delivery_gives_up_after_the_last_retry(api, django_capture_on_commit_callbacks):
    receiver = Hook(statuses=(500,))
    try:
        create_query(api)
        subscribe(api, receiver.url)
        capture_committed(api, [object_event(1)], django_capture_on_commit_callbacks)
        assert len(receiver.requests) == 3  # first try + the two delays of the test settings
    finally:
        receiver.close()
    subscription = EPCISSubscription.objects.get()
    assert subscription.failed_deliveries == 3 and subscription.last_notified_at is None


# --- SSRF --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dest", ["http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.1.2.3/hook",
                                  "http://[::1]/hook", "http://169.254.169.254/latest", "http://[::ffff:127.0.0.1]/"])
def test_webhooks_to_private_addresses_are_refused(api, settings, dest):
    settings.EPCIS_WEBHOOK_ALLOW_PRIVATE = False
    create_query(api)
    response = subscribe(api, dest)
    assert response.status_code == 400
    assert "nội bộ" in response.json()["detail"]


def test_names_resolving_to_private_addresses_are_not_called(api, settings, monkeypatch,
                                                             django_capture_on_commit_callbacks):
    settings.EPCIS_WEBHOOK_ALLOW_PRIVATE = False
    create_query(api)
    assert subscribe(api, "https://hooks.example.com/in").status_code == 201  # a name: checked when sending
    monkeypatch.setattr(socket, "getaddrinfo",
                        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 443))])
    import urllib.request

    def no_network(*args, **kwargs):
        raise AssertionError("a private address must not be called")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    capture_committed(api, [object_event(1)], django_capture_on_commit_callbacks)
    assert EPCISSubscription.objects.get().failed_deliveries == 3


# --- Capture options (public, organisation) ------------------------------------------------------------------


def test_receive_document_can_mark_events_public_and_attach_an_organisation(users):
    from htxconnect.trace.epcis.capture import receive_document

    job = receive_document(make_document([object_event(1)]), user=users["coop_manager"], public=True,
                           organization_id=42)
    assert job.status == CaptureJob.Status.SUCCESS
    event = EPCISEvent.objects.get()
    assert event.public is True and event.organization_id == 42
    plain = receive_document(make_document([object_event(2)]), user=users["coop_manager"])
    assert plain.status == CaptureJob.Status.SUCCESS
    assert EPCISEvent.objects.get(event_id=object_event(2)["eventID"]).public is False


def test_queued_capture_keeps_the_options(users, settings, django_capture_on_commit_callbacks):
    from htxconnect.trace.epcis.capture import receive_document

    settings.EPCIS_SYNC_CAPTURE_LIMIT = 1
    with django_capture_on_commit_callbacks(execute=True):
        job = receive_document(make_document([object_event(1), object_event(2)]), user=users["coop_manager"],
                               public=True, organization_id=7)
    job.refresh_from_db()
    assert job.status == CaptureJob.Status.SUCCESS
    assert set(EPCISEvent.objects.values_list("public", "organization_id")) == {(True, 7)}


def test_synchronous_capture_runs_at_once_whatever_the_size(users, settings):
    from htxconnect.trace.epcis.capture import receive_document

    settings.EPCIS_SYNC_CAPTURE_LIMIT = 1
    job = receive_document(make_document([object_event(1), object_event(2)]), user=users["coop_manager"],
                           synchronous=True)
    assert job.status == CaptureJob.Status.SUCCESS and job.stored_count == 2


def test_named_queries_page_with_a_signed_token(api):
    for name in ("a", "b", "c"):
        assert create_query(api, {"name": name, "query": {}}).status_code == 201
    first = api.get("/epcis/queries", {"perPage": "2"})
    assert [q["name"] for q in first.json()] == ["a", "b"]
    link = first["Link"]
    token = link.split("nextPageToken=")[1].split(">")[0]
    from urllib.parse import unquote

    second = api.get("/epcis/queries", {"perPage": "2", "nextPageToken": unquote(token)})
    assert [q["name"] for q in second.json()] == ["c"]
    assert "Link" not in second
    assert api.get("/epcis/queries", {"nextPageToken": "forged"}).status_code == 400


def test_another_account_cannot_read_or_delete_a_query_or_subscription(api, buyer_api):
    create_query(api)
    subscription_id = subscribe(api, "https://client.example.com/hook").json()["subscriptionID"]
    assert buyer_api.client.delete("/epcis/queries/shipping", headers=buyer_api.headers()).status_code == 404
    path = f"/epcis/queries/shipping/subscriptions/{subscription_id}"
    assert buyer_api.get(path).status_code == 404
    assert buyer_api.client.delete(path, headers=buyer_api.headers()).status_code == 404
    assert EPCISQuery.objects.count() == 1 and EPCISSubscription.objects.count() == 1


def test_deleting_a_query_removes_its_subscriptions(api):
    create_query(api)
    subscribe(api, "https://client.example.com/hook")
    assert api.client.delete("/epcis/queries/shipping", headers=api.headers()).status_code == 204
    assert not EPCISSubscription.objects.exists()


def test_session_delete_needs_the_csrf_token(users):
    from django.test import Client

    EPCISQuery.objects.create(owner=users["coop_manager"], name="q", query={})
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(users["coop_manager"])
    assert browser.delete("/epcis/queries/q").status_code == 403
    assert EPCISQuery.objects.filter(name="q").exists()


def test_the_check_for_stream_subscriptions_is_compiled_once_and_follows_the_owner(
        api, database_task_queue, compiles, django_capture_on_commit_callbacks):
    """Every capture asks whether anyone listens; the question is compiled once per connection
    (docs/decisions/0032-epcis-capture-cost.md) and still answers from the current rows."""
    def tasks_after_capture(i):
        with django_capture_on_commit_callbacks(execute=False):
            assert api.capture(make_document([object_event(i)])).status_code == 202
        return [name for name, _args in database_task_queue() if name.endswith("notify_task")]

    assert tasks_after_capture(1) == []  # nobody listens
    create_query(api)
    assert subscribe(api, "https://client.example.com/hook").status_code == 201
    assert len(tasks_after_capture(2)) == 1
    api.user.is_active = False  # the owner's account is closed: its subscriptions stop
    api.user.save(update_fields=["is_active"])
    from htxconnect.trace.epcis.subscriptions import after_capture

    before = compiles[0]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        after_capture(capture_id="00000000-0000-0000-0000-000000000000")
    assert callbacks == [] and compiles[0] == before  # nothing queued, nothing compiled again
