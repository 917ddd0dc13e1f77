"""Named queries and webhook subscriptions (the binding's /epcis/queries).

A named query stores an EPCIS query definition ({"EQ_bizStep": ["shipping"], …}, values as in
query-schema.json) under a name per owner; it runs with the owner's visibility. A streaming
subscription (`stream: true`) is told of every capture with matching events: after the capture's
transaction commits, `notify_task` is enqueued (transaction.on_commit), finds the subscriptions the
new events match, and each delivery POSTs an EPCISQueryDocument to the webhook with a
`GS1-Signature: sha256=<hex HMAC-SHA256 of the body, keyed with signatureToken>` header, retried
with backoff. Webhooks to private, loopback or link-local addresses are refused (SSRF) unless
settings.EPCIS_WEBHOOK_ALLOW_PRIVATE. Scheduled (cron-like) subscriptions are not implemented.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import re
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from htxconnect.core import audit
from htxconnect.trace.models import EPCISEvent, EPCISQuery, EPCISSubscription
from htxconnect.trace.queries import master_data_owners, visible_events

from .capture import parse_time
from .documents import query_document
from .query import QueryParameterError, apply_query, page

log = logging.getLogger(__name__)

QUERY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")
NOT_IN_DEFINITION = {"perPage", "nextPageToken"}


class SubscriptionError(ValueError):
    """A named query or subscription the repository refuses (message in Vietnamese + English)."""


# --- Query definitions -----------------------------------------------------------------------------------


def definition_params(definition: dict) -> QueryDict:
    """The query definition as the query-string parameters of GET /events (lists joined by "|")."""
    params = QueryDict(mutable=True)
    for name, value in definition.items():
        if isinstance(value, bool):
            params[name] = "true" if value else "false"
        elif isinstance(value, list):
            params[name] = "|".join(str(v) for v in value)
        else:
            params[name] = str(value)
    return params


def check_definition(definition) -> QueryDict:
    if not isinstance(definition, dict):
        raise SubscriptionError(_("“query” phải là một đối tượng JSON, ví dụ {\"eventType\": [\"ObjectEvent\"]}."))
    for name, value in definition.items():
        if name in NOT_IN_DEFINITION:
            raise SubscriptionError(_("“%(name)s” không dùng trong định nghĩa truy vấn (paging is per request).")
                                    % {"name": name})
        if isinstance(value, list) and not all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                               for v in value):
            raise SubscriptionError(_("Giá trị của “%(name)s” phải là danh sách chuỗi.") % {"name": name})
        if not isinstance(value, (str, int, float, bool, list)):
            raise SubscriptionError(_("Giá trị của “%(name)s” phải là chuỗi, số hoặc danh sách.") % {"name": name})
    params = definition_params(definition)
    try:
        apply_query(EPCISEvent.objects.none(), params)
    except QueryParameterError as exc:
        raise SubscriptionError(str(exc)) from None
    return params


def create_query(*, user, name, definition) -> EPCISQuery:
    if not isinstance(name, str) or not QUERY_NAME.match(name):
        raise SubscriptionError(_("Tên truy vấn “name” phải gồm 1–100 chữ cái, chữ số, “_”, “.” hoặc “-”."))
    check_definition(definition)
    try:
        with transaction.atomic():
            query = EPCISQuery(owner=user, name=name, query=definition)
            query.full_clean(validate_unique=False, validate_constraints=False)
            query.save()
            audit.record("trace.epcis.query_created", obj=query, actor=user, object_repr=f"EPCIS query {name}")
    except IntegrityError:
        raise QueryExists(name) from None
    return query


class QueryExists(SubscriptionError):
    pass


def delete_query(*, user, query: EPCISQuery) -> None:
    with transaction.atomic():
        audit.record("trace.epcis.query_deleted", obj=query, actor=user, object_repr=f"EPCIS query {query.name}")
        query.delete()


def run_query(query: EPCISQuery, params=None, *, user=None):
    """(queryset, per_page, after) of a named query for its owner, plus paging parameters."""

    merged = definition_params(query.query)
    for name in ("perPage", "nextPageToken"):
        if params is not None and params.get(name) is not None:
            merged[name] = params.get(name)
    return apply_query(visible_events(user or query.owner), merged, owners=master_data_owners(user or query.owner))


# --- Subscriptions ----------------------------------------------------------------------------------------------


def allow_private() -> bool:
    return settings.EPCIS_WEBHOOK_ALLOW_PRIVATE


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_destination(dest, *, resolve: bool) -> str:
    """The webhook URL if acceptable; SubscriptionError otherwise (syntax, scheme, SSRF)."""
    if not isinstance(dest, str) or len(dest) > 2000:
        raise SubscriptionError(_("“dest” phải là một URL http(s) (tối đa 2000 ký tự)."))
    try:
        parts = urlsplit(dest)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise SubscriptionError(_("“dest” không phải là URL hợp lệ.")) from None
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise SubscriptionError(_("“dest” phải là URL http:// hoặc https:// có tên máy, không kèm mật khẩu."))
    if allow_private():
        return dest
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        raise SubscriptionError(_("Không gửi webhook tới địa chỉ nội bộ (%(host)s).") % {"host": host})
    try:
        private_literal = _is_private(host)
    except ValueError:
        private_literal = None  # a name, not an IP literal
    if private_literal:
        raise SubscriptionError(_("Không gửi webhook tới địa chỉ nội bộ (%(host)s).") % {"host": host})
    if private_literal is None and resolve:
        try:
            infos = socket.getaddrinfo(host, port or (443 if parts.scheme == "https" else 80), proto=socket.IPPROTO_TCP)
        except OSError:
            raise SubscriptionError(_("Không phân giải được tên máy %(host)s.") % {"host": host}) from None
        if any(_is_private(info[4][0].split("%")[0]) for info in infos):
            raise SubscriptionError(_("Không gửi webhook tới địa chỉ nội bộ (%(host)s).") % {"host": host})
    return dest


def create_subscription(*, user, query: EPCISQuery, body) -> EPCISSubscription:
    if not isinstance(body, dict):
        raise SubscriptionError(_("Thân yêu cầu phải là một đối tượng JSON."))
    if "schedule" in body:
        raise SubscriptionError(_("Chưa hỗ trợ đăng ký theo lịch (scheduled subscriptions are not supported); "
                                  "dùng \"stream\": true."))
    if body.get("stream") is not True:
        raise SubscriptionError(_("Cần \"stream\": true (nhận sự kiện ngay khi được ghi nhận)."))
    token = body.get("signatureToken", "")
    if not isinstance(token, str) or len(token) > 500:
        raise SubscriptionError(_("“signatureToken” phải là chuỗi tối đa 500 ký tự."))
    report_if_empty = body.get("reportIfEmpty", False)
    if not isinstance(report_if_empty, bool):
        raise SubscriptionError(_("“reportIfEmpty” phải là true hoặc false."))
    initial = None
    if body.get("initialRecordTime") is not None:
        try:
            initial = parse_time(body["initialRecordTime"])
        except ValueError:
            raise SubscriptionError(_("“initialRecordTime” phải là thời điểm RFC 3339 có múi giờ.")) from None
    dest = check_destination(body.get("dest"), resolve=False)  # resolved again at each delivery
    with transaction.atomic():
        subscription = EPCISSubscription(query=query, dest=dest, signature_token=token,
                                         report_if_empty=report_if_empty, stream=True, initial_record_time=initial)
        subscription.full_clean(exclude=["dest"])  # URLField's validator refuses single-label hosts
        subscription.save()
        audit.record("trace.epcis.subscribed", obj=subscription, actor=user,
                     object_repr=f"EPCIS subscription {subscription.pk} to {query.name}")
    return subscription


def delete_subscription(*, user, subscription: EPCISSubscription) -> None:
    with transaction.atomic():
        audit.record("trace.epcis.unsubscribed", obj=subscription, actor=user,
                     object_repr=f"EPCIS subscription {subscription.pk}")
        subscription.delete()


# --- Delivery ----------------------------------------------------------------------------------------------------


def retry_delays() -> list[float]:
    return [float(x) for x in settings.EPCIS_WEBHOOK_RETRY_DELAYS]


def signature(body: bytes, token: str) -> str:
    return "sha256=" + hmac.new(token.encode("utf-8"), body, hashlib.sha256).hexdigest()


def after_capture(sender=None, *, capture_id, **kwargs) -> None:
    """Receiver of capture.events_stored (connected in TraceConfig.ready()), called inside the
    capture transaction: schedule notification once it commits (if anyone listens)."""
    if EPCISSubscription.objects.filter(stream=True).exists():
        transaction.on_commit(lambda: notify_task.enqueue(str(capture_id)))


def matching_deliveries(capture_id) -> list[tuple[str, list[int]]]:
    """(subscription id, [event pk, …]) for each stream subscription the capture's events match."""
    deliveries = []
    captured = EPCISEvent.objects.filter(capture_id=capture_id)
    for subscription in EPCISSubscription.objects.filter(stream=True).select_related("query", "query__owner"):
        try:
            queryset, _per_page, _after = run_query(subscription.query)
        except QueryParameterError:
            continue
        queryset = queryset.filter(pk__in=captured.values("pk"))
        if subscription.initial_record_time is not None:
            queryset = queryset.filter(record_time__gte=subscription.initial_record_time)
        ids = list(queryset.order_by("record_time", "id").values_list("id", flat=True)[:10000])
        if ids:
            deliveries.append((str(subscription.pk), ids))
    return deliveries


def payload(subscription: EPCISSubscription, event_ids: list[int]) -> bytes:
    rows, _next = page(EPCISEvent.objects.filter(pk__in=event_ids), len(event_ids) or 1)
    document = query_document(rows, query_name=subscription.query.name)
    document["epcisBody"]["queryResults"]["subscriptionID"] = str(subscription.pk)
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect could lead to an internal address: treated as a failure


_OPENER = urllib.request.build_opener(_NoRedirect)


def deliver(subscription_id: str, event_ids: list[int], body: bytes | None = None) -> tuple[bool, bytes | None]:
    """POST the events to the webhook once: (answered 2xx, the body sent, reused by retries)."""
    subscription = EPCISSubscription.objects.select_related("query").filter(pk=subscription_id).first()
    if subscription is None:
        return True, body  # unsubscribed meanwhile: nothing to do
    body = body if body is not None else payload(subscription, event_ids)
    headers = {"Content-Type": "application/ld+json", "GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0",
               "User-Agent": "htxconnect-epcis-webhook/1"}
    if subscription.signature_token:
        headers["GS1-Signature"] = signature(body, subscription.signature_token)
    try:
        check_destination(subscription.dest, resolve=True)
        request = urllib.request.Request(subscription.dest, data=body, headers=headers, method="POST")
        with _OPENER.open(request, timeout=15) as response:
            ok = 200 <= response.status < 300
    except SubscriptionError as exc:
        log.warning("EPCIS webhook %s refused: %s", subscription.pk, exc)
        ok = False
    except (urllib.error.URLError, OSError, ValueError) as exc:
        log.warning("EPCIS webhook %s failed: %s", subscription.pk, exc)
        ok = False
    if ok:
        EPCISSubscription.objects.filter(pk=subscription.pk).update(last_notified_at=timezone.now(),
                                                                    failed_deliveries=0)
    else:
        EPCISSubscription.objects.filter(pk=subscription.pk).update(failed_deliveries=F("failed_deliveries") + 1)
    return ok, body


def deliver_with_retries(subscription_id: str, event_ids: list[int], attempt: int = 0) -> str:
    """One attempt; on failure the next is queued after a growing delay (or waited for inline when
    the task backend cannot defer, e.g. the immediate backend of tests)."""
    delays = retry_delays()
    body = None
    while True:
        ok, body = deliver(subscription_id, event_ids, body)
        if ok:
            return "delivered"
        if attempt >= len(delays):
            return "failed"
        delay = delays[attempt]
        attempt += 1
        if deliver_task.get_backend().supports_defer:
            deliver_task.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
                subscription_id, event_ids, attempt)
            return "retry queued"
        time.sleep(delay)


# The tasks are defined beside the services they run (trace.tasks re-exports them), so that
# after_capture and deliver_with_retries can queue them without an import cycle.


@task()
def notify_task(capture_id: str) -> int:
    """After a capture committed: queue one webhook delivery per streaming subscription it matches."""
    deliveries = matching_deliveries(capture_id)
    for subscription_id, event_ids in deliveries:
        deliver_task.enqueue(subscription_id, event_ids, 0)
    return len(deliveries)


@task()
def deliver_task(subscription_id: str, event_ids: list, attempt: int = 0) -> str:
    """POST matching events to a subscription's webhook (signed, retried with backoff)."""
    return deliver_with_retries(subscription_id, event_ids, attempt)

