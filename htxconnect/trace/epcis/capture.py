"""Capture: check an EPCIS document (official schema + the standard's rules) and store it.

`receive_document` is the service behind POST /epcis/capture: it records a CaptureJob, then
runs `run_capture` at once (small documents) or queues it (large ones). A document is stored
whole or not at all (GS1-Capture-Error-Behaviour `rollback`, the default); with `proceed` the
valid events are stored and the job lists the others. An event whose eventID is already stored
is skipped, so sending a document twice stores its events once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone as dt_timezone

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from htxconnect.core import audit
from htxconnect.core.identifiers import canonical_epc
from htxconnect.trace.models import CaptureJob, EPCISEvent, EPCISEventEPC

from .fields import store_fields
from .masterdata import store_master_data
from .schema import iter_schema_errors, json_path
from .times import parse_time
from .vocab import is_known_event_type, normalize_biz_step, normalize_disposition

log = logging.getLogger(__name__)

# Sent inside the capture's transaction when it stored at least one event: capture_id=<job pk>.
events_stored = Signal()

VALIDATION = "epcisException:ValidationException"
IMPLEMENTATION = "epcisException:ImplementationException"
MAX_LENGTH = 512  # of every value copied into an indexed column
MAX_ERRORS = 200  # listed per capture; the count says how many more there were


def capture_limit() -> int:
    return settings.EPCIS_CAPTURE_LIMIT


def capture_max_bytes() -> int:
    return settings.EPCIS_CAPTURE_MAX_BYTES


def sync_limit() -> int:
    """Documents with more events than this are captured by a task (answer first, work later)."""
    return settings.EPCIS_SYNC_CAPTURE_LIMIT


def problem(title: str, detail: str, *, path: str | None = None, type_: str = VALIDATION, status: int = 400) -> dict:
    """An RFC 7807 problem body; `path` (an extension member) is the JSON path of the fault."""
    body = {"type": type_, "title": title, "status": status, "detail": detail}
    if path is not None:
        body["path"] = path
    return body


# --- Times -----------------------------------------------------------------------------------

def format_time(value: datetime) -> str:
    return value.astimezone(dt_timezone.utc).isoformat().replace("+00:00", "Z")


# --- Event IDs ---------------------------------------------------------------------------------


def computed_event_id(event: dict) -> str:
    """A deterministic eventID for an event sent without one.

    A `ni:///sha-256;…` hash of the event's canonical JSON (keys sorted, no whitespace, without
    eventID and recordTime). It is not the CBV 2.0 "event hash ID" pre-hash string algorithm,
    but it is stable, so the same event sent twice gets the same ID and is stored once.
    """
    body = {k: v for k, v in event.items() if k not in ("eventID", "recordTime")}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"ni:///sha-256;{hashlib.sha256(text.encode('utf-8')).hexdigest()}?ver=CBV2.0"


# --- Reading a document ---------------------------------------------------------------------------


def event_list_of(document) -> tuple[list | None, tuple]:
    """(eventList, its JSON path) of an EPCISDocument or EPCISQueryDocument, or (None, ())."""
    if not isinstance(document, dict):
        return None, ()
    body = document.get("epcisBody")
    if not isinstance(body, dict):
        return None, ()
    if document.get("type") == "EPCISQueryDocument":
        results = (body.get("queryResults") or {}).get("resultsBody") if isinstance(body.get("queryResults"), dict) else None
        events = results.get("eventList") if isinstance(results, dict) else None
        return (events, ("epcisBody", "queryResults", "resultsBody", "eventList")) if isinstance(events, list) else (None, ())
    events = body.get("eventList")
    return (events, ("epcisBody", "eventList")) if isinstance(events, list) else (None, ())


@dataclass
class Checked:
    """The outcome of checking a document: errors (problem bodies) and which events they hit."""

    errors: list = field(default_factory=list)
    bad_events: set = field(default_factory=set)
    events: list = field(default_factory=list)
    events_path: tuple = ()

    document_errors: int = 0  # errors no single event can be blamed for

    def add(self, title, detail, path: tuple, event_index: int | None = None):
        self.errors.append(problem(title, detail, path=json_path(path)))
        if event_index is not None:
            self.bad_events.add(event_index)
        else:
            self.document_errors += 1


def check_document(document) -> Checked:
    """Schema errors and rule errors of a parsed document, each with its JSON path."""
    checked = Checked()
    if not isinstance(document, dict):
        checked.add(_("Tài liệu EPCIS không hợp lệ (invalid EPCIS document)"),
                    _("Tài liệu phải là một đối tượng JSON (JSON object)."), ())
        return checked
    if document.get("type") not in ("EPCISDocument", "EPCISQueryDocument"):
        checked.add(_("Loại tài liệu không được hỗ trợ (unsupported document type)"),
                    _("Trường “type” phải là EPCISDocument hoặc EPCISQueryDocument, nhận được %(value)s.")
                    % {"value": json.dumps(document.get("type"), ensure_ascii=False)}, ("type",))
        return checked
    events, events_path = event_list_of(document)
    checked.events, checked.events_path = events or [], events_path
    depth = len(events_path)
    for error in iter_schema_errors(document):
        index = error.path[depth] if events is not None and error.path[:depth] == events_path and len(error.path) > depth else None
        checked.add(_("Vi phạm lược đồ EPCIS (schema violation)"), error.message, error.path, index)
    seen_ids: dict[str, int] = {}
    for i, event in enumerate(checked.events):
        _check_rules(checked, event, events_path + (i,), i, seen_ids)
    return checked


def _check_rules(checked: Checked, event, path: tuple, index: int, seen_ids: dict) -> None:
    """The standard's rules the schema cannot say, in Vietnamese with the English term."""
    if not isinstance(event, dict):
        return  # the schema already reported it
    title = _("Vi phạm quy tắc EPCIS (rule violation)")
    kind = event.get("type")
    if not is_known_event_type(kind):
        checked.add(_("Loại sự kiện không xác định (unknown event type)"),
                    _("“type” = %(value)s không phải ObjectEvent, AggregationEvent, TransactionEvent, "
                      "TransformationEvent, AssociationEvent hay một URI mở rộng.")
                    % {"value": json.dumps(kind, ensure_ascii=False)}, path + ("type",), index)
    if "eventTime" not in event:
        checked.add(title, _("Thiếu “eventTime” (eventTime is required)."), path, index)
    else:
        try:
            parse_time(event["eventTime"])
        except ValueError:
            checked.add(title, _("“eventTime” = %(value)s phải là thời điểm RFC 3339 có múi giờ, ví dụ "
                                 "2026-03-01T08:30:00+07:00 (timestamp must carry its time zone offset).")
                        % {"value": json.dumps(event["eventTime"], ensure_ascii=False)}, path + ("eventTime",), index)
    if "eventTimeZoneOffset" not in event:
        checked.add(title, _("Thiếu “eventTimeZoneOffset” (eventTimeZoneOffset is required)."), path, index)
    event_id = event.get("eventID")
    if event_id is not None:
        if isinstance(event_id, str) and event_id in seen_ids:
            checked.add(title, _("eventID %(id)s lặp lại trong tài liệu (đã có ở sự kiện số %(first)d).")
                        % {"id": event_id, "first": seen_ids[event_id]}, path + ("eventID",), index)
        elif isinstance(event_id, str):
            seen_ids[event_id] = index
    for key, value in (("eventID", event_id), ("type", kind), ("bizStep", event.get("bizStep")),
                       ("disposition", event.get("disposition")),
                       ("readPoint", (event.get("readPoint") or {}).get("id") if isinstance(event.get("readPoint"), dict) else None),
                       ("bizLocation", (event.get("bizLocation") or {}).get("id") if isinstance(event.get("bizLocation"), dict) else None)):
        if isinstance(value, str) and len(value) > MAX_LENGTH:
            checked.add(title, _("“%(field)s” dài %(n)d ký tự; tối đa %(max)d.") % {"field": key, "n": len(value), "max": MAX_LENGTH},
                        path + (key,), index)
    for role, values in _identifiers(event):
        for value in values:
            if isinstance(value, str) and len(value) > MAX_LENGTH:
                checked.add(title, _("Mã định danh dài %(n)d ký tự; tối đa %(max)d.") % {"n": len(value), "max": MAX_LENGTH},
                            path, index)


# --- Rows ---------------------------------------------------------------------------------------------

_LISTS = (("epcList", EPCISEventEPC.Role.EPC), ("childEPCs", EPCISEventEPC.Role.CHILD),
          ("inputEPCList", EPCISEventEPC.Role.INPUT), ("outputEPCList", EPCISEventEPC.Role.OUTPUT))
_QUANTITIES = (("quantityList", EPCISEventEPC.Role.QUANTITY), ("childQuantityList", EPCISEventEPC.Role.QUANTITY),
               ("inputQuantityList", EPCISEventEPC.Role.INPUT_QUANTITY),
               ("outputQuantityList", EPCISEventEPC.Role.OUTPUT_QUANTITY))


def _identifiers(event: dict):
    """(role, [identifier, …]) for every identifier field of an event."""
    for key, role in _LISTS:
        values = event.get(key)
        if isinstance(values, list):
            yield role, [v for v in values if isinstance(v, str)]
    parent = event.get("parentID")
    if isinstance(parent, str):
        yield EPCISEventEPC.Role.PARENT, [parent]
    for key, role in _QUANTITIES:
        values = event.get(key)
        if isinstance(values, list):
            yield role, [q.get("epcClass") for q in values if isinstance(q, dict) and isinstance(q.get("epcClass"), str)]


def _id_of(place) -> str:
    return canonical_epc(place["id"]) if isinstance(place, dict) and isinstance(place.get("id"), str) else ""


def build_rows(events, *, record_time, context, owner, capture, public=False, organization_id=None):
    """EPCISEvent instances (unsaved) and, per event, its (role, canonical epc) index entries."""
    rows, index = [], []
    for event in events:
        event = dict(event)
        event.pop("recordTime", None)  # the repository sets recordTime (EPCIS 2.0 §8.2.2)
        if not isinstance(event.get("eventID"), str):
            event["eventID"] = computed_event_id(event)
        offset = event.get("eventTimeZoneOffset")
        rows.append(EPCISEvent(
            event_id=event["eventID"],
            event_type=str(event.get("type", "")),
            event_time=parse_time(event["eventTime"]),
            event_time_zone_offset=offset if isinstance(offset, str) else "",
            record_time=record_time,
            action=event.get("action") if isinstance(event.get("action"), str) else "",
            biz_step=normalize_biz_step(event["bizStep"]) if isinstance(event.get("bizStep"), str) else "",
            disposition=normalize_disposition(event["disposition"]) if isinstance(event.get("disposition"), str) else "",
            read_point=_id_of(event.get("readPoint")),
            biz_location=_id_of(event.get("bizLocation")),
            event=event,
            context=context,
            capture=capture,
            owner=owner,
            organization_id=organization_id,
            public=public,
        ))
        entries = set()
        for role, values in _identifiers(event):
            for value in values:
                entries.add((role, canonical_epc(value)))
        index.append(sorted(entries))
    return rows, index


def _existing_ids(ids: list[str]) -> set[str]:
    found = set()
    for start in range(0, len(ids), 2000):
        found.update(EPCISEvent.objects.filter(event_id__in=ids[start:start + 2000]).values_list("event_id", flat=True))
    return found


def store_rows(rows, index) -> tuple[int, int]:
    """Insert the events not stored yet and their EPC index rows; returns (stored, duplicates).

    Runs inside the caller's transaction. Two captures of one eventID at the same moment make
    one insert fail on the unique index; the caller retries and then sees it as a duplicate.
    """
    existing = _existing_ids([r.event_id for r in rows])
    new_rows, new_index = [], []
    for row, entries in zip(rows, index):
        if row.event_id in existing:
            continue
        existing.add(row.event_id)  # the same eventID twice in one document (proceed mode)
        new_rows.append(row)
        new_index.append(entries)
    if new_rows and connection.vendor == "postgresql":
        _copy_rows(new_rows, new_index)
    else:
        EPCISEvent.objects.bulk_create(new_rows, batch_size=1000)
        epc_rows = [EPCISEventEPC(event_id=row.pk, role=role, epc=epc)
                    for row, entries in zip(new_rows, new_index) for role, epc in entries]
        EPCISEventEPC.objects.bulk_create(epc_rows, batch_size=2000)
    store_fields(new_rows)
    return len(new_rows), len(rows) - len(new_rows)


_EVENT_COLUMNS = ("id", "event_id", "event_type", "event_time", "event_time_zone_offset", "record_time", "action",
                  "biz_step", "disposition", "read_point", "biz_location", "event", "context", "capture_id",
                  "owner_id", "organization_id", "public")


def _copy_rows(rows, index) -> None:
    """PostgreSQL: COPY the rows in (ids drawn from the sequence first).

    Django's bulk_create quotes every value in Python (client-side binding), which made the
    insert cost three quarters of a capture; COPY streams the rows and costs a fraction.
    """
    event_table, epc_table = EPCISEvent._meta.db_table, EPCISEventEPC._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{event_table}', 'id')) "
                       f"FROM generate_series(1, %s)", [len(rows)])
        ids = [r[0] for r in cursor.fetchall()]
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        dumps = json.dumps
        with raw.copy(f"COPY {event_table} ({', '.join(_EVENT_COLUMNS)}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows):
                row.pk = pk
                copy.write_row((pk, row.event_id, row.event_type, row.event_time, row.event_time_zone_offset,
                                row.record_time, row.action, row.biz_step, row.disposition, row.read_point,
                                row.biz_location, dumps(row.event, ensure_ascii=False),
                                dumps(row.context, ensure_ascii=False), row.capture_id, row.owner_id,
                                row.organization_id, row.public))
        with raw.copy(f"COPY {epc_table} (event_id, role, epc) FROM STDIN") as copy:
            for pk, entries in zip(ids, index):
                for role, epc in entries:
                    copy.write_row((pk, str(role), epc))
    for row in rows:
        row._state.adding = False
        row._state.db = connection.alias


# --- The service ------------------------------------------------------------------------------------


def _finish(job: CaptureJob, *, status: str, errors: list | None = None) -> CaptureJob:
    errors = errors or []
    if len(errors) > MAX_ERRORS:
        more = len(errors) - MAX_ERRORS
        errors = errors[:MAX_ERRORS] + [problem(_("Còn lỗi khác (more errors)"), _("và %(n)d lỗi khác.") % {"n": more})]
    job.status = status
    job.errors = errors
    job.finished_at = timezone.now()
    job.document = None
    job.save(update_fields=["status", "errors", "finished_at", "document", "stored_count", "duplicate_count", "event_count"])
    return job


def run_capture(job: CaptureJob, document, *, user, public: bool = False, organization_id: int | None = None) -> CaptureJob:
    """Check and store `document` for `user`, recording the outcome on `job`.

    `public` marks the stored events public (the scan page may show them); `organization_id`
    attaches them to a registry Organization. Streaming subscriptions are notified after commit.
    """
    checked = check_document(document)
    job.event_count = len(checked.events)
    events = checked.events
    if checked.errors:
        if (job.error_behaviour == CaptureJob.ErrorBehaviour.ROLLBACK or not checked.events
                or checked.document_errors):
            return _finish(job, status=CaptureJob.Status.FAILED, errors=checked.errors)
        events = [e for i, e in enumerate(events) if i not in checked.bad_events]
    context = document.get("@context", []) if isinstance(document, dict) else []
    try:
        for attempt in range(2):
            try:
                with transaction.atomic():
                    rows, index = build_rows(events, record_time=timezone.now(), context=context, owner=user,
                                             capture=job, public=public, organization_id=organization_id)
                    stored, duplicates = store_rows(rows, index)
                    store_master_data(document, owner=user)
                    if stored:
                        # Subscriptions listen (connected in TraceConfig.ready()): capture stays
                        # below them and never imports them.
                        events_stored.send(sender=CaptureJob, capture_id=job.pk)
                    job.stored_count, job.duplicate_count = stored, duplicates
                    status = CaptureJob.Status.FAILED if checked.errors else CaptureJob.Status.SUCCESS
                    _finish(job, status=status, errors=checked.errors)
                    audit.record("trace.epcis.captured", obj=job, actor=user, object_repr=f"EPCIS capture {job.id}",
                                 changes={"events": [None, stored], "duplicates": [None, duplicates],
                                          "rejected": [None, len(checked.bad_events)],
                                          **({"public": [None, True]} if public else {}),
                                          **({"organization_id": [None, organization_id]} if organization_id else {})})
                break
            except IntegrityError:
                if attempt:
                    raise
    except Exception as exc:  # never leave a job running: record the failure, store nothing
        log.exception("EPCIS capture %s failed", job.id)
        job.stored_count = job.duplicate_count = 0
        return _finish(job, status=CaptureJob.Status.FAILED, errors=[
            problem(_("Lỗi máy chủ khi lưu (server error while storing)"), exc.__class__.__name__,
                    type_=IMPLEMENTATION, status=500)])
    return job


def receive_document(document, *, user, error_behaviour: str = CaptureJob.ErrorBehaviour.ROLLBACK,
                     public: bool = False, organization_id: int | None = None,
                     synchronous: bool = False) -> CaptureJob:
    """Record a capture job for a parsed document and run it now or queue it (large documents).

    public: store the events as public (shown on the public scan page).
    organization_id: the registry Organization the events belong to (None: none).
    synchronous: run now whatever the size (staff forms that show the outcome at once).
    """
    events, _path = event_list_of(document)
    count = len(events) if events is not None else 0
    if public or organization_id is not None:
        # Kept on the job while it waits, so a queued capture stores them too.
        options = {"public": bool(public), "organization_id": organization_id}
    else:
        options = None
    if count > sync_limit() and not synchronous:
        job = CaptureJob.objects.create(created_by=user, error_behaviour=error_behaviour, event_count=count,
                                        document=document, options=options or {})
        transaction.on_commit(lambda: capture_task.enqueue(str(job.pk)))
        return job
    job = CaptureJob.objects.create(created_by=user, error_behaviour=error_behaviour, event_count=count)
    return run_capture(job, document, user=user, public=public, organization_id=organization_id)


def run_queued_capture(job_id: str) -> CaptureJob | None:
    """The task's body: claim the waiting job (once) and run it."""
    job = CaptureJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.status != CaptureJob.Status.RUNNING or job.document is None:
        return job
    options = job.options or {}
    return run_capture(job, job.document, user=job.created_by, public=bool(options.get("public")),
                       organization_id=options.get("organization_id"))


@task()
def capture_task(job_id: str) -> str:
    """Run a queued EPCIS capture job (safe to retry: a finished job is left alone).

    Defined beside the service it runs so that receive_document can queue it without a cycle
    through trace.tasks (which re-exports it)."""
    job = run_queued_capture(job_id)
    return job.status if job is not None else "missing"

