"""Named queries and webhook subscriptions (the binding's /epcis/queries).

A named query stores an EPCIS query definition ({"EQ_bizStep": ["shipping"], …}, values as in
query-schema.json) under a name per owner; it runs with the owner's visibility. A streaming
subscription (`stream: true`) is told of every capture with matching events: after the capture's
transaction commits, `notify_task` runs (queued with core.outbox.enqueue_on_commit), finds the subscriptions the
new events match, and each delivery POSTs an EPCISQueryDocument to the webhook with a
`GS1-Signature: sha256=<hex HMAC-SHA256 of the body, keyed with signatureToken>` header, retried
with backoff. Webhooks to private, loopback or link-local addresses are refused (SSRF) unless
settings.EPCIS_WEBHOOK_ALLOW_PRIVATE.

A scheduled subscription (`schedule`, see schedule.py) is run by the periodic job
`run_scheduled_subscriptions` (every minute, core.periodic): each due subscription is claimed
with a conditional update of its next run time, then the events recorded since its
minRecordTime are delivered (or an empty document when reportIfEmpty).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import re
import socket
import time
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from htxconnect.core import audit, outbox
from htxconnect.core.compiled import compiled
from htxconnect.trace import audit_actions
from htxconnect.trace.models import EPCISEvent, EPCISQuery, EPCISSubscription
from htxconnect.trace.queries import master_data_owners, visible_events

from . import schedule as query_schedule
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
            audit.record(audit_actions.EPCIS_QUERY_CREATED, obj=query, actor=user, object_repr=f"EPCIS query {name}")
    except IntegrityError:
        raise QueryExists(name) from None
    return query


class QueryExists(SubscriptionError):
    pass


def delete_query(*, user, query: EPCISQuery) -> None:
    with transaction.atomic():
        audit.record(audit_actions.EPCIS_QUERY_DELETED, obj=query, actor=user, object_repr=f"EPCIS query {query.name}")
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


# IPv6 ranges that carry an IPv4 address in their last 32 bits: NAT64 (RFC 6052, RFC 8215) and
# the deprecated IPv4-compatible form. Mapped (::ffff:0:0/96), 6to4 and Teredo have accessors.
_EMBEDDING_IPV4 = [ipaddress.ip_network(n) for n in ("64:ff9b::/96", "64:ff9b:1::/48", "::/96")]


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if any(ip in network for network in _EMBEDDING_IPV4):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None and (not inner.is_global or inner.is_multicast):
            return True
    return not ip.is_global or ip.is_multicast


def _ipv4_literal(host: str) -> str | None:
    """The dotted-quad an IPv4 host in any form the C resolver accepts stands for, else None.

    `2130706433`, `0x7f000001`, `0177.0.0.1` and `127.1` are all 127.0.0.1 to getaddrinfo and
    to most HTTP clients; they are compared as what they mean, not as written."""
    if not re.fullmatch(r"[0-9a-fA-FxX.]+", host) or not re.search(r"[0-9]", host):
        return None
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return None


_REFUSED_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def _refuse_internal(host: str):
    raise SubscriptionError(_("Không gửi webhook tới địa chỉ nội bộ (%(host)s).") % {"host": host})


def check_destination(dest, *, resolve: bool) -> str:
    """The webhook URL if acceptable; SubscriptionError otherwise (syntax, scheme, SSRF).

    IP literals in every spelling (decimal, octal, hex, short, IPv4 inside IPv6) and local names
    are refused here, when the subscription is created; names are resolved at each delivery
    (`resolve=True`), where the checked address is the one connected to (`pinned_address`)."""
    if not isinstance(dest, str) or len(dest) > 2000:
        raise SubscriptionError(_("“dest” phải là một URL http(s) (tối đa 2000 ký tự)."))
    try:
        parts = urlsplit(dest)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise SubscriptionError(_("“dest” không phải là URL hợp lệ.")) from None
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise SubscriptionError(_("“dest” phải là URL http:// hoặc https:// có tên máy, không kèm mật khẩu."))
    if any(c.isspace() for c in dest):
        raise SubscriptionError(_("“dest” không phải là URL hợp lệ."))
    if allow_private():
        return dest
    name = host.lower().rstrip(".")  # "localhost." is localhost
    if not name or name in _REFUSED_NAMES or name.endswith((".localhost", ".local", ".internal")):
        _refuse_internal(host)
    literal = _ipv4_literal(name)
    if literal is not None:
        if literal != name or _is_private(literal):
            _refuse_internal(host)  # a non-canonical IPv4 spelling is never a real webhook
        return dest
    try:
        private_literal = _is_private(name)
    except ValueError:
        private_literal = None  # a name, not an IP literal
    if private_literal:
        _refuse_internal(host)
    if private_literal is None and resolve:
        pinned_address(dest)
    return dest


def pinned_address(dest: str) -> str:
    """Resolve the webhook's host once and return the address to connect to; SubscriptionError
    when any address of the name is internal. Connecting to this very address (not resolving the
    name again) is what keeps DNS rebinding out: the name cannot change between check and use."""
    parts = urlsplit(dest)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except OSError:
        raise SubscriptionError(_("Không phân giải được tên máy %(host)s.") % {"host": parts.hostname}) from None
    addresses = [info[4][0].split("%")[0] for info in infos]
    if not addresses:
        raise SubscriptionError(_("Không phân giải được tên máy %(host)s.") % {"host": parts.hostname})
    if not allow_private() and any(_is_private(a) for a in addresses):
        _refuse_internal(parts.hostname)
    return addresses[0]


def create_subscription(*, user, query: EPCISQuery, body) -> EPCISSubscription:
    if not isinstance(body, dict):
        raise SubscriptionError(_("Thân yêu cầu phải là một đối tượng JSON."))
    schedule = body.get("schedule")
    stream = body.get("stream")
    if schedule is not None and stream is True:
        raise SubscriptionError(_("Chỉ chọn một: \"stream\": true hoặc \"schedule\" (lịch), không cả hai."))
    if schedule is None and stream is not True:
        raise SubscriptionError(_("Cần \"stream\": true (nhận sự kiện ngay khi được ghi nhận) hoặc \"schedule\" "
                                  "(lịch, ví dụ {\"hour\": \"1\", \"minute\": \"5\"})."))
    if stream not in (None, True, False):
        raise SubscriptionError(_("“stream” phải là true hoặc false."))
    next_run_at = None
    if schedule is not None:
        try:
            next_run_at = query_schedule.next_time(schedule, timezone.now())
        except query_schedule.ScheduleError as exc:
            raise SubscriptionError(str(exc)) from None
        if next_run_at is None:
            raise SubscriptionError(_("Lịch “schedule” không có thời điểm nào (ví dụ ngày 30 tháng 2)."))
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
        # minRecordTime starts at initialRecordTime, "if omitted, the current time" (the binding).
        subscription = EPCISSubscription(query=query, dest=dest, signature_token=token,
                                         report_if_empty=report_if_empty, stream=schedule is None,
                                         initial_record_time=initial, schedule=schedule, next_run_at=next_run_at,
                                         min_record_time=(initial or timezone.now()) if schedule is not None else None)
        subscription.full_clean(exclude=["dest"])  # URLField's validator refuses single-label hosts
        subscription.save()
        audit.record(audit_actions.EPCIS_SUBSCRIBED, obj=subscription, actor=user,
                     object_repr=f"EPCIS subscription {subscription.pk} to {query.name}")
    return subscription


def delete_subscription(*, user, subscription: EPCISSubscription) -> None:
    with transaction.atomic():
        audit.record(audit_actions.EPCIS_UNSUBSCRIBED, obj=subscription, actor=user,
                     object_repr=f"EPCIS subscription {subscription.pk}")
        subscription.delete()


# --- Scheduled subscriptions -------------------------------------------------------------------------------------


def claim_due(subscription: EPCISSubscription, now) -> bool:
    """Move the subscription's next run on; True for the one runner whose update did it.

    The periodic job can overlap itself (a slow run, two machines): the conditional update on
    the next run time read before is the claim, so a due run is delivered once."""
    following = query_schedule.next_run(subscription.schedule, now)
    claimed = EPCISSubscription.objects.filter(pk=subscription.pk, next_run_at=subscription.next_run_at) \
        .update(next_run_at=following, min_record_time=now)
    return claimed == 1


def run_scheduled_subscriptions(now=None) -> int:
    """Deliver every scheduled subscription that is due; returns the number of deliveries queued."""
    now = now or timezone.now()
    queued = 0
    due = EPCISSubscription.objects.filter(stream=False, next_run_at__lte=now, query__owner__is_active=True) \
        .select_related("query", "query__owner").order_by("next_run_at")
    for subscription in due:
        since = subscription.min_record_time
        if not claim_due(subscription, now):
            continue
        try:
            queryset, _per_page, _after = run_query(subscription.query)
        except QueryParameterError:
            continue
        if since is not None:
            queryset = queryset.filter(record_time__gt=since)
        ids = list(queryset.filter(record_time__lte=now).order_by("record_time", "id")
                   .values_list("id", flat=True)[:10000])
        if ids or subscription.report_if_empty:
            deliver_task.enqueue(str(subscription.pk), ids, 0)
            queued += 1
    return queued


# --- Delivery ----------------------------------------------------------------------------------------------------


def retry_delays() -> list[float]:
    return [float(x) for x in settings.EPCIS_WEBHOOK_RETRY_DELAYS]


def signature(body: bytes, token: str) -> str:
    return "sha256=" + hmac.new(token.encode("utf-8"), body, hashlib.sha256).hexdigest()


def after_capture(sender=None, *, capture_id, **kwargs) -> None:
    """Receiver of capture.events_stored (connected in TraceConfig.ready()), called inside the
    capture transaction: schedule notification once it commits (if anyone listens)."""
    # Compiled once per connection: every capture asks, and compiling the three-table query cost
    # more than running it (docs/decisions/0032-epcis-capture-cost.md).
    anyone = compiled(EPCISSubscription, "epcis.streaming-subscription", lambda: EPCISSubscription.objects.filter(
        stream=True, query__owner__is_active=True).order_by().values_list("pk")[:1])
    if anyone.rows():
        outbox.enqueue_on_commit(notify_task, str(capture_id))


def matching_deliveries(capture_id) -> list[tuple[str, list[int]]]:
    """(subscription id, [event pk, …]) for each stream subscription the capture's events match."""
    deliveries = []
    captured = EPCISEvent.objects.filter(capture_id=capture_id)
    # A deactivated account's subscriptions stop: its queries no longer run.
    for subscription in EPCISSubscription.objects.filter(stream=True, query__owner__is_active=True) \
            .select_related("query", "query__owner"):
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


def _post(dest: str, address: str, body: bytes, headers: dict, timeout: float = 15) -> int:
    """POST to `dest` over a connection to `address` (already checked); returns the status.

    The Host header and the TLS server name (certificate check) stay the URL's host. Redirects
    are not followed: one could lead to an internal address, so it counts as a failure."""
    parts = urlsplit(dest)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    connection_class = http.client.HTTPSConnection if https else http.client.HTTPConnection
    connection = connection_class(parts.hostname, port, timeout=timeout)
    connection._create_connection = lambda _address, *args, **kwargs: socket.create_connection(
        (address, port), *args, **kwargs)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
        return response.status
    finally:
        connection.close()


def deliver(subscription_id: str, event_ids: list[int], body: bytes | None = None) -> tuple[bool, bytes | None]:
    """POST the events to the webhook once: (answered 2xx, the body sent, reused by retries)."""
    subscription = EPCISSubscription.objects.select_related("query", "query__owner").filter(pk=subscription_id).first()
    if subscription is None:
        return True, body  # unsubscribed meanwhile: nothing to do
    if not subscription.query.owner.is_active:
        return True, body  # the account was deactivated since the delivery was queued: nothing is sent
    body = body if body is not None else payload(subscription, event_ids)
    headers = {"Content-Type": "application/ld+json", "GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0",
               "User-Agent": "htxconnect-epcis-webhook/1"}
    if subscription.signature_token:
        headers["GS1-Signature"] = signature(body, subscription.signature_token)
    try:
        check_destination(subscription.dest, resolve=False)
        status = _post(subscription.dest, pinned_address(subscription.dest), body, headers)
        ok = 200 <= status < 300
    except SubscriptionError as exc:
        log.warning("EPCIS webhook %s refused: %s", subscription.pk, exc)
        ok = False
    except (http.client.HTTPException, OSError, ValueError) as exc:
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


@task(queue_name="capture")
def notify_task(capture_id: str) -> int:
    """After a capture committed: queue one webhook delivery per streaming subscription it matches."""
    deliveries = matching_deliveries(capture_id)
    for subscription_id, event_ids in deliveries:
        deliver_task.enqueue(subscription_id, event_ids, 0)
    return len(deliveries)


@task(queue_name="mail")
def deliver_task(subscription_id: str, event_ids: list, attempt: int = 0) -> str:
    """POST matching events to a subscription's webhook (signed, retried with backoff)."""
    return deliver_with_retries(subscription_id, event_ids, attempt)

