"""Capture: check an EPCIS document (official schema + the standard's rules) and store it.

`receive_document` is the service behind POST /epcis/capture: it runs `run_capture` at once
(small documents; the CaptureJob is written with its outcome) or records a CaptureJob and queues
it (large ones). A document is stored whole or not at all (GS1-Capture-Error-Behaviour
`rollback`, the default); with `proceed` the
valid events are stored and the job lists the others. Sending the same event again (same
eventID, same canonical form) stores nothing new; the same eventID with a different event is
an error naming it; with an `errorDeclaration` it declares the stored event in error.
"""

from __future__ import annotations

import json
import logging
import re
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timezone as dt_timezone

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from htxconnect.core import audit, joblock, outbox
from htxconnect.core.identifiers import canonical_epc
from htxconnect.trace import audit_actions
from htxconnect.trace.models import CaptureJob, EPCISEvent, EPCISEventEPC, EPCISEventKey

from .fields import store_fields
from .masterdata import store_master_data
from .schema import is_schema_valid, iter_schema_errors, json_path
from .times import parse_time
from .vocab import is_known_event_type, normalize_biz_step, normalize_disposition

log = logging.getLogger(__name__)

# Sent inside the capture's transaction when it stored at least one event: capture_id=<job pk>.
events_stored = Signal()
# Sent after commit with `event_pks`: stored events that an error declaration just marked.
events_declared_in_error = Signal()

VALIDATION = "epcisException:ValidationException"
IMPLEMENTATION = "epcisException:ImplementationException"
CONFLICT = "epcisException:ResourceAlreadyExistsException"
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
    body = {"type": type_, "title": str(title), "status": status, "detail": detail}
    if path is not None:
        body["path"] = path
    return body


# --- Times -----------------------------------------------------------------------------------

def format_time(value: datetime) -> str:
    return value.astimezone(dt_timezone.utc).isoformat().replace("+00:00", "Z")


# --- Event IDs ---------------------------------------------------------------------------------


def computed_event_ids(events: list[dict], context) -> list[str]:
    """The CBV 2.0 event hash ID (`ni:///sha-256;…?ver=CBV2.0`) of events sent without an eventID.

    Computed by GS1's reference implementation (trace.epcis.eventhash), so the same event sent
    twice, however its JSON is spelled, gets the same ID and is stored once. EventHashError when
    an event cannot be canonicalised.
    """
    from .eventhash import event_hashes

    return event_hashes(events, context)


_ER_PREFIXES = ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-", "http://ref.gs1.org/cbv/ER-",
                "https://gs1.org/voc/ER-", "cbv:ER-")


def short_error_reason(value) -> str:
    """`urn:epcglobal:cbv:er:incorrect_data`, `https://ref.gs1.org/cbv/ER-incorrect_data` → `incorrect_data`;
    other (user-defined) reasons are kept whole."""
    value = (value or "").strip() if isinstance(value, str) else ""
    for prefix in _ER_PREFIXES:
        if value.startswith(prefix):
            return value[len(prefix):]
    return value


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


_RULE_TITLE = gettext_lazy("Vi phạm quy tắc EPCIS (rule violation)")


def _check_rules(checked: Checked, event, path: tuple, index: int, seen_ids: dict) -> None:
    """The standard's rules the schema cannot say, in Vietnamese with the English term."""
    if not isinstance(event, dict):
        return  # the schema already reported it
    title = _RULE_TITLE  # translated only when an error is reported (thousands of valid events per document)
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
    read_point, biz_location = event.get("readPoint"), event.get("bizLocation")
    for key, value in (("eventID", event_id), ("type", kind), ("bizStep", event.get("bizStep")),
                       ("disposition", event.get("disposition")),
                       ("readPoint", read_point.get("id") if isinstance(read_point, dict) else None),
                       ("bizLocation", biz_location.get("id") if isinstance(biz_location, dict) else None)):
        if isinstance(value, str) and len(value) > MAX_LENGTH:
            checked.add(title, _("“%(field)s” dài %(n)d ký tự; tối đa %(max)d.") % {"field": key, "n": len(value), "max": MAX_LENGTH},
                        path + (key,), index)
    for _role, values in _identifiers(event):
        if values and max(map(len, values)) > MAX_LENGTH:  # values are strings (_identifiers keeps only those)
            for value in values:
                if len(value) > MAX_LENGTH:
                    checked.add(title, _("Mã định danh dài %(n)d ký tự; tối đa %(max)d.") % {"n": len(value), "max": MAX_LENGTH},
                                path, index)


# --- Rows ---------------------------------------------------------------------------------------------

_LISTS = (("epcList", EPCISEventEPC.Role.EPC), ("childEPCs", EPCISEventEPC.Role.CHILD),
          ("inputEPCList", EPCISEventEPC.Role.INPUT), ("outputEPCList", EPCISEventEPC.Role.OUTPUT))
_QUANTITIES = (("quantityList", EPCISEventEPC.Role.QUANTITY), ("childQuantityList", EPCISEventEPC.Role.QUANTITY),
               ("inputQuantityList", EPCISEventEPC.Role.INPUT_QUANTITY),
               ("outputQuantityList", EPCISEventEPC.Role.OUTPUT_QUANTITY))


# (key, role, kind) in the order _identifiers reports them: kind "list" (strings), "parent" (one
# string), "quantity" (objects naming an epcClass).
_ID_FIELDS = (tuple((key, role, "list") for key, role in _LISTS) + (("parentID", EPCISEventEPC.Role.PARENT, "parent"),)
              + tuple((key, role, "quantity") for key, role in _QUANTITIES))
_ID_KEYS = frozenset(key for key, _role, _kind in _ID_FIELDS)


def _identifiers(event: dict) -> list:
    """[(role, [identifier, …]), …] for every identifier field of an event.

    A list, not a generator, and only the fields the event has are looked at: both the rules and
    the rows call it for every event of a document."""
    found = []
    if _ID_KEYS.isdisjoint(event):
        return found
    for key, role, kind in _ID_FIELDS:
        if key not in event:
            continue
        values = event[key]
        if kind == "list":
            if isinstance(values, list):
                found.append((role, [v for v in values if isinstance(v, str)]))
        elif kind == "parent":
            if isinstance(values, str):
                found.append((role, [values]))
        elif isinstance(values, list):
            found.append((role, [q.get("epcClass") for q in values
                                 if isinstance(q, dict) and isinstance(q.get("epcClass"), str)]))
    return found


def _id_of(place) -> str:
    return canonical_epc(place["id"]) if isinstance(place, dict) and isinstance(place.get("id"), str) else ""


def _error_columns(event: dict) -> tuple:
    """(declaration time, short reason) of an event's errorDeclaration, or (None, "")."""
    declaration = event.get("errorDeclaration")
    if not isinstance(declaration, dict):
        return None, ""
    try:
        when = parse_time(declaration.get("declarationTime"))
    except ValueError:
        when = None  # the schema requires declarationTime; an unreadable one was refused already
    return when, short_error_reason(declaration.get("reason"))[:MAX_LENGTH]


def _corrective_entries(event: dict) -> list:
    declaration = event.get("errorDeclaration")
    ids = declaration.get("correctiveEventIDs") if isinstance(declaration, dict) else None
    if not isinstance(ids, list):
        return []
    return [(EPCISEventEPC.Role.CORRECTIVE, v[:MAX_LENGTH]) for v in ids if isinstance(v, str)]


_EVENT_ATTNAMES = tuple(f.attname for f in EPCISEvent._meta.concrete_fields)


class EventRow:
    """One event's columns, named as EPCISEvent's (`event_id`, `owner_id` …; `pk` is `id`).

    A plain object rather than an EPCISEvent: PostgreSQL receives the rows by COPY, and building
    a Django model instance per event cost a sixth of a capture. `as_model()` gives the instance
    where the ORM needs one (bulk_create on other databases)."""

    __slots__ = _EVENT_ATTNAMES

    @property
    def pk(self):
        return self.id

    @pk.setter
    def pk(self, value):
        self.id = value

    def as_model(self) -> EPCISEvent:
        return EPCISEvent(*[getattr(self, name) for name in _EVENT_ATTNAMES])


def _index_entries(event: dict) -> list:
    """The event's sorted (role, canonical identifier) index entries."""
    entries = set()
    for role, values in _identifiers(event):
        for value in values:
            entries.add((role, canonical_epc(value)))
    entries.update(_corrective_entries(event))
    return sorted(entries)


def build_rows(events, *, record_time, context, owner, capture, public=False, organization_id=None):
    """EventRows (not stored yet) and, per event, its (role, canonical epc) index entries.

    Every event must carry its eventID by now (run_capture computes the missing ones). Every
    column of EPCISEvent is set here (as_model() and the COPY read them all).
    """
    rows, index = [], []
    for row, entries in iter_rows(events, record_time=record_time, context=context, owner=owner, capture=capture,
                                  public=public, organization_id=organization_id):
        rows.append(row)
        index.append(entries)
    return rows, index


def iter_rows(events, *, record_time, context, owner, capture, public=False, organization_id=None):
    """(EventRow, index entries) of each event in turn: build_rows one at a time, so that a COPY
    can send each row as soon as it is built (_copy_rows)."""
    capture_id = capture.pk if capture is not None else None
    owner_id = owner.pk if owner is not None else None
    for event in events:
        event = dict(event)
        event.pop("recordTime", None)  # the repository sets recordTime (EPCIS 2.0 §8.2.2)
        get = event.get
        row = EventRow()
        row.id = None
        row.event_id = event["eventID"]
        row.event_type = str(get("type", ""))
        row.event_time = parse_time(event["eventTime"])
        offset = get("eventTimeZoneOffset")
        row.event_time_zone_offset = offset if isinstance(offset, str) else ""
        row.record_time = record_time
        action, biz_step, disposition = get("action"), get("bizStep"), get("disposition")
        row.action = action if isinstance(action, str) else ""
        row.biz_step = normalize_biz_step(biz_step) if isinstance(biz_step, str) else ""
        row.disposition = normalize_disposition(disposition) if isinstance(disposition, str) else ""
        row.read_point = _id_of(get("readPoint"))
        row.biz_location = _id_of(get("bizLocation"))
        row.event = event
        row.context = context
        row.capture_id = capture_id
        row.owner_id = owner_id
        row.organization_id = organization_id
        row.public = public
        row.error_declaration_time, row.error_reason = _error_columns(event)
        row.error_capture_id = capture_id if row.error_declaration_time is not None else None
        yield row, _index_entries(event)


# --- Same eventID: the same event, its error declaration, or a conflict --------------------------------

_NOT_CONTENT = ("eventID", "recordTime", "errorDeclaration")


def _plain(event: dict) -> str:
    return json.dumps({k: v for k, v in event.items() if k not in _NOT_CONTENT}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)


def same_event(a: dict, a_context, b: dict, b_context) -> bool:
    """Whether two events are the same event: equal canonical forms (the CBV 2.0 pre-hash string,
    which leaves out eventID, recordTime and errorDeclaration), not equal raw JSON."""
    if _plain(a) == _plain(b) and a_context == b_context:
        return True
    from .eventhash import EventHashError, prehash_strings

    try:
        return prehash_strings([a], a_context) == prehash_strings([b], b_context)
    except EventHashError:
        return False


def _same_declaration(a, b) -> bool:
    def canonical(d):
        d = dict(d) if isinstance(d, dict) else {}
        d["reason"] = short_error_reason(d.get("reason"))
        try:
            d["declarationTime"] = format_time(parse_time(d.get("declarationTime")))
        except ValueError:
            pass
        if isinstance(d.get("correctiveEventIDs"), list):
            d["correctiveEventIDs"] = sorted(d["correctiveEventIDs"], key=str)
        return json.dumps(d, sort_keys=True, ensure_ascii=False)

    return canonical(a) == canonical(b)


@dataclass
class Plan:
    """What storing a batch of rows does, decided before anything is written."""

    new_rows: list = field(default_factory=list)
    new_index: list = field(default_factory=list)
    declarations: list = field(default_factory=list)  # (stored row, declaring row, its index entries)
    duplicates: int = 0
    conflicts: list = field(default_factory=list)  # (position in the batch, eventID, reason key)


# pg_advisory_xact_lock(class, owner id): the class number names "an EPCIS capture of this owner".
CAPTURE_LOCK_CLASS = 0x45504353  # "EPCS"


def _take_owner_turn(owner) -> None:
    """PostgreSQL: wait until no other transaction is capturing for `owner` (held to commit).

    The key table (EPCISEventKey) already stops two captures of one eventID at the same moment:
    the second's key insert waits for the first's commit and then finds the key taken. Taking
    turns per owner is still needed for what happens to a stored event: two captures declaring
    one event in error at the same moment would both see it undeclared and the later write would
    silently replace the earlier declaration; with turns, the second sees the first's (READ
    COMMITTED: each query sees the latest commits). Different owners never wait for each other.
    SQLite serialises writers itself."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(_OWNER_TURN_SQL, _owner_turn_params(owner))


_OWNER_TURN_SQL = "SELECT pg_advisory_xact_lock(%s::int, %s::int)"


def _owner_turn_params(owner) -> list:
    return [CAPTURE_LOCK_CLASS, (owner.pk if owner is not None else 0) % 2**31]


# One array parameter, not one placeholder per eventID (parsing and planning a 500-item list cost
# more than the insert itself).
_CLAIM_SQL_POSTGRESQL = (f"INSERT INTO {EPCISEventKey._meta.db_table} (owner_id, event_id) SELECT %s, k "
                         f"FROM unnest(%s::varchar[]) AS k ORDER BY k ON CONFLICT DO NOTHING RETURNING event_id")


def claim_event_ids(owner, event_ids: list[str]) -> set[str]:
    """Insert the (owner, eventID) keys of `event_ids` (distinct); returns those that were free.

    The others are the owner's stored eventIDs (or ones another transaction is storing right now:
    the insert waits for it to end, then finds the key taken or free). Keys go in sorted, so two
    transactions inserting overlapping batches wait for each other in the same order instead of
    deadlocking."""
    if not event_ids:
        return set()
    table = EPCISEventKey._meta.db_table
    owner_id = owner.pk if owner is not None else None
    ordered = sorted(event_ids)
    claimed: set[str] = set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_CLAIM_SQL_POSTGRESQL, [owner_id, ordered])
            claimed.update(r[0] for r in cursor.fetchall())
        else:
            step = max(1, (connection.features.max_query_params or 2000) // 2)
            for start in range(0, len(ordered), step):
                chunk = ordered[start:start + step]
                cursor.execute(f"INSERT INTO {table} (owner_id, event_id) VALUES {', '.join(['(%s, %s)'] * len(chunk))} "
                               f"ON CONFLICT DO NOTHING RETURNING event_id",
                               [value for event_id in chunk for value in (owner_id, event_id)])
                claimed.update(r[0] for r in cursor.fetchall())
    return claimed


class KeyClaim:
    """The owner's turn and the batch's key insert, sent before the work the block does (building
    the rows, or checking the schema).

    On PostgreSQL both statements go out in pipeline mode and the server runs them while Python
    does that work; the claimed eventIDs are read when the block ends
    (docs/decisions/0032-epcis-capture-cost.md). Elsewhere they run at the start, one after the
    other. Used as `with KeyClaim(owner, ids) as claim: …build…`; then `claim.ids`."""

    def __init__(self, owner, event_ids):
        self.owner = owner
        self.event_ids = sorted(set(event_ids))
        self.ids: set[str] | None = None
        self._pipeline = self._cursor = None

    def __enter__(self) -> KeyClaim:
        if connection.vendor != "postgresql" or not self.event_ids or not connection.in_atomic_block:
            _take_owner_turn(self.owner)
            self.ids = claim_event_ids(self.owner, self.event_ids)
            return self
        connection.ensure_connection()
        raw = connection.connection  # the psycopg connection under Django's wrapper
        with connection.wrap_database_errors:
            self._pipeline = ExitStack()
            self._cursor = self._pipeline.enter_context(raw.cursor())
            self._pipeline.enter_context(raw.pipeline())
            # Each execute() sends its statement and returns; the server runs it on receipt. No
            # sync() here: it would wait for the results, which are read on leaving the block.
            self._cursor.execute(_OWNER_TURN_SQL, _owner_turn_params(self.owner))
            self._cursor.execute(_CLAIM_SQL_POSTGRESQL,
                                 [self.owner.pk if self.owner is not None else None, self.event_ids])
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._pipeline is None:
            return
        stack, self._pipeline = self._pipeline, None
        with connection.wrap_database_errors, stack:
            if exc_type is None:
                self.ids = {r[0] for r in self._cursor.fetchall()}


def plan_rows(rows, index, *, owner, claimed: set[str] | None = None) -> Plan:
    """Sort rows into new events, error declarations of stored events, duplicates and conflicts.

    eventIDs are scoped to their owner (docs/decisions/0011-epcis-event-id-scope.md): only the
    owner's own events are looked at, so another account's eventID neither blocks nor shows.
    The batch's keys are inserted first (claim_event_ids, or a KeyClaim whose `ids` are passed as
    `claimed`); only the eventIDs whose key was already there are looked up in the event table
    (docs/decisions/0029-epcis-event-key-table.md). Runs in the transaction that stores the rows:
    a rollback takes the keys back.
    """
    ids = list(dict.fromkeys(r.event_id for r in rows))
    if claimed is None:
        _take_owner_turn(owner)
        claimed = claim_event_ids(owner, ids)
    taken = [event_id for event_id in ids if event_id not in claimed] if len(claimed) < len(ids) else []
    stored: dict[str, EPCISEvent] = {}
    for start in range(0, len(taken), 2000):
        for row in (EPCISEvent.objects.filter(owner=owner, event_id__in=taken[start:start + 2000])
                    .only("id", "event_id", "event", "context", "error_declaration_time")):
            stored[row.event_id] = row
    # A taken key without a stored event (the event was deleted, or its month's partition
    # dropped): the eventID is stored again as new, under the key that is already there.
    plan = Plan()
    for position, (row, entries) in enumerate(zip(rows, index)):
        previous = stored.get(row.event_id)
        if previous is None:
            stored[row.event_id] = row  # the same eventID again in this document (proceed mode)
            plan.new_rows.append(row)
            plan.new_index.append(entries)
            continue
        if not same_event(previous.event, previous.context, row.event, row.context):
            plan.conflicts.append((position, row.event_id, "different"))
            continue
        declaration = row.event.get("errorDeclaration")
        if declaration is None:
            plan.duplicates += 1  # the same event again (or the original after its declaration)
        elif "errorDeclaration" not in previous.event:
            if previous.pk is None:  # declared within the same document: store the declared form
                previous.event = row.event
                previous.error_declaration_time, previous.error_reason = row.error_declaration_time, row.error_reason
                previous.error_capture_id = row.error_capture_id
                plan.new_index[plan.new_rows.index(previous)] = sorted(set(plan.new_index[plan.new_rows.index(previous)])
                                                                       | set(_corrective_entries(row.event)))
            else:
                plan.declarations.append((previous, row, _corrective_entries(row.event)))
                previous.event = row.event  # a second identical declaration in the batch is a duplicate
        elif _same_declaration(previous.event["errorDeclaration"], declaration):
            plan.duplicates += 1
        else:
            plan.conflicts.append((position, row.event_id, "declared"))
    return plan


def conflict_problem(event_id: str, reason: str, path: tuple) -> dict:
    if reason == "declared":
        detail = _("eventID %(id)s đã được khai báo sai (errorDeclaration) với nội dung khác; sự kiện này không "
                   "được lưu. The event was already declared in error with a different declaration.") % {"id": event_id}
    else:
        detail = _("eventID %(id)s đã được bạn dùng cho một sự kiện khác; sự kiện này không được lưu. Để sửa sự kiện "
                   "đã lưu, gửi lại đúng sự kiện đó kèm errorDeclaration rồi gửi sự kiện sửa với eventID mới. "
                   "The eventID is already used by a different event.") % {"id": event_id}
    body = problem(_("eventID trùng với sự kiện khác (eventID conflict)"), detail, path=json_path(path),
                   type_=CONFLICT, status=409)
    body["eventID"] = event_id
    return body


def store_rows(rows, index, *, owner, plan: Plan | None = None) -> tuple[int, int]:
    """Insert the new events, record error declarations; returns (stored, duplicates).

    Runs inside the caller's transaction. Conflicting rows are left out (the caller reports
    them). Of two captures of one eventID at the same moment, the later one's key insert
    (plan_rows) waits for the earlier one to commit and then finds the eventID stored.
    """
    plan = plan if plan is not None else plan_rows(rows, index, owner=owner)
    new_rows, new_index = plan.new_rows, plan.new_index
    if new_rows and connection.vendor == "postgresql":
        _copy_rows(zip(new_rows, new_index), len(new_rows))
    else:
        models = [row.as_model() for row in new_rows]
        EPCISEvent.objects.bulk_create(models, batch_size=1000)
        for row, model in zip(new_rows, models):
            row.pk = model.pk
        epc_rows = [EPCISEventEPC(event_id=row.pk, role=role, epc=epc)
                    for row, entries in zip(new_rows, new_index) for role, epc in entries]
        EPCISEventEPC.objects.bulk_create(epc_rows, batch_size=2000)
    store_fields(new_rows)
    if plan.declarations:
        declared = [previous.pk for previous, _row, _entries in plan.declarations]
        # Pages showing these events (the public scan page) must stop showing them as true.
        outbox.after_commit(lambda: events_declared_in_error.send(sender=EPCISEvent, event_pks=declared),
                            what="events_declared_in_error")
    for previous, row, entries in plan.declarations:
        # The original stays as it was captured, now carrying the declaration (EPCIS 2.0 §7.4.1.2).
        EPCISEvent.objects.filter(pk=previous.pk).update(
            event=row.event, error_declaration_time=row.error_declaration_time, error_reason=row.error_reason,
            error_capture_id=row.capture_id)
        EPCISEventEPC.objects.bulk_create([EPCISEventEPC(event_id=previous.pk, role=role, epc=value)
                                           for role, value in entries])
    return len(new_rows) + len(plan.declarations), plan.duplicates


_EVENT_COLUMNS = ("id", "event_id", "event_type", "event_time", "event_time_zone_offset", "record_time", "action",
                  "biz_step", "disposition", "read_point", "biz_location", "event", "context", "capture_id",
                  "owner_id", "organization_id", "public", "error_declaration_time", "error_reason", "error_capture_id")


def _copy_rows(pairs, count: int) -> tuple[list, list]:
    """PostgreSQL: COPY `count` (row, index entries) pairs in, each row sent as soon as `pairs`
    gives it (ids drawn from the sequence first); returns (rows, index) with the rows' pks set.

    Django's bulk_create quotes every value in Python (client-side binding), which made the
    insert cost three quarters of a capture; COPY streams the rows and costs a fraction. Given a
    generator (iter_rows), the server inserts the first rows while Python builds the next.
    """
    event_table, epc_table = EPCISEvent._meta.db_table, EPCISEventEPC._meta.db_table
    rows, index = [], []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{event_table}', 'id')) "
                       f"FROM generate_series(1, %s)", [count])
        ids = [r[0] for r in cursor.fetchall()]
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        dumps = json.dumps
        with raw.copy(f"COPY {event_table} ({', '.join(_EVENT_COLUMNS)}) FROM STDIN") as copy:
            for pk, (row, entries) in zip(ids, pairs, strict=True):  # as many rows as announced
                row.pk = pk
                rows.append(row)
                index.append(entries)
                copy.write_row((pk, row.event_id, row.event_type, row.event_time, row.event_time_zone_offset,
                                row.record_time, row.action, row.biz_step, row.disposition, row.read_point,
                                row.biz_location, dumps(row.event, ensure_ascii=False),
                                dumps(row.context, ensure_ascii=False), row.capture_id, row.owner_id,
                                row.organization_id, row.public, row.error_declaration_time, row.error_reason,
                                row.error_capture_id))
        with raw.copy(f"COPY {epc_table} (event_id, role, epc) FROM STDIN") as copy:
            for row, entries in zip(rows, index):
                for role, epc in entries:
                    copy.write_row((row.pk, str(role), epc))
    return rows, index


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
    if job._state.adding:  # a synchronous capture's job: written once, with its outcome
        job.save(force_insert=True)
    else:
        job.save(update_fields=["status", "errors", "finished_at", "document", "stored_count", "duplicate_count",
                                "event_count"])
    return job


def _assign_event_ids(events: list, positions: list, context, checked: Checked) -> None:
    """Give events sent without an eventID their CBV 2.0 event hash; a failure is that event's error."""
    from .eventhash import EventHashError

    missing = [k for k, event in enumerate(events) if isinstance(event, dict) and not isinstance(event.get("eventID"), str)
               and positions[k] not in checked.bad_events]
    if not missing:
        return
    try:
        hashes = computed_event_ids([events[k] for k in missing], context)
    except EventHashError:
        hashes = []
        for k in missing:
            try:
                hashes.append(computed_event_ids([events[k]], context)[0])
            except EventHashError as exc:
                hashes.append(None)
                checked.add(_("Không tính được eventID (event hash failed)"),
                            _("Sự kiện không có eventID và không tính được mã băm sự kiện CBV 2.0 (%(error)s); hãy gửi "
                              "kèm eventID.") % {"error": str(exc)[:200]}, checked.events_path + (positions[k],),
                            positions[k])
    for k, value in zip(missing, hashes):
        if value is not None:
            events[k] = {**events[k], "eventID": value}


class _Refused(Exception):
    """Leaves the capture transaction without storing anything (rollback on conflicts)."""


class _CheckFirst(Exception):
    """Leaves _capture_new_events' transaction: the document takes the ordinary order."""


def _record_stored(job, document, *, user, stored, duplicates, errors, rejected, declared, public,
                   organization_id):
    """What every capture that stored does, inside its transaction: master data, the subscriptions'
    signal, the job's outcome and the audit entry."""
    store_master_data(document, owner=user)
    if stored:
        # Subscriptions listen (connected in TraceConfig.ready()): capture stays below them and
        # never imports them.
        events_stored.send(sender=CaptureJob, capture_id=job.pk)
    job.stored_count, job.duplicate_count = stored, duplicates
    _finish(job, status=CaptureJob.Status.FAILED if errors else CaptureJob.Status.SUCCESS, errors=errors)
    # A queued job whose creator is gone was still started by someone: say "the system".
    audit.record(audit_actions.EPCIS_CAPTURED, obj=job, actor=user or audit.system_actor("epcis_capture"),
                 object_repr=f"EPCIS capture {job.id}",
                 changes={"events": [None, stored], "duplicates": [None, duplicates], "rejected": [None, rejected],
                          **({"declared_in_error": [None, declared]} if declared else {}),
                          **({"public": [None, True]} if public else {}),
                          **({"organization_id": [None, organization_id]} if organization_id else {})})


def _may_claim_first(job: CaptureJob, document) -> bool:
    """The usual capture — all or nothing, every event named by its eventID — on PostgreSQL: its
    keys can be claimed while it is checked (see _capture_new_events)."""
    if connection.vendor != "postgresql" or job.error_behaviour != CaptureJob.ErrorBehaviour.ROLLBACK:
        return False
    events, _path = event_list_of(document)
    return bool(events) and document.get("type") == "EPCISDocument" and all(
        isinstance(event, dict) and isinstance(event.get("eventID"), str) for event in events)


def _capture_new_events(job: CaptureJob, document, *, user, public, organization_id) -> CaptureJob | None:
    """Capture a valid document of new events with PostgreSQL working beside Python.

    The ordinary order checks the document, then claims its keys, builds its rows and sends them.
    Here the keys' claim is sent first and the schema is checked while the server runs it
    (KeyClaim); then each event passes the rules, is built into its row and goes into the COPY at
    once, so the server inserts the first rows while Python checks and builds the next
    (docs/decisions/0032-epcis-capture-cost.md). No row of an event is built before that event
    passed the schema and the rules. Any error, an eventID already stored (duplicate, declaration,
    conflict) and any failure roll back and leave the document to the ordinary order (None),
    which decides and words the errors as it always did."""
    events, events_path = event_list_of(document)
    event_ids = [event["eventID"] for event in events]
    unsaved = job._state.adding
    rules = Checked()
    seen_ids: dict[str, int] = {}

    def within_the_rules():
        for i, event in enumerate(events):
            _check_rules(rules, event, events_path + (i,), i, seen_ids)
            if rules.errors:
                raise _CheckFirst
            yield event

    try:
        with transaction.atomic():
            with KeyClaim(user, event_ids) as claim:
                valid = is_schema_valid(document)
            if not valid or len(claim.ids) != len(event_ids):
                raise _CheckFirst
            pairs = iter_rows(within_the_rules(), record_time=timezone.now(), context=document.get("@context", []),
                              owner=user, capture=job, public=public, organization_id=organization_id)
            rows, _index = _copy_rows(pairs, len(events))
            store_fields(rows)
            job.event_count = len(events)
            _record_stored(job, document, user=user, stored=len(rows), duplicates=0, errors=[], rejected=0,
                           declared=[], public=public, organization_id=organization_id)
    except _CheckFirst:
        job._state.adding = unsaved
        return None
    except Exception:  # the ordinary order meets it again and records it; said here, not hidden
        log.warning("EPCIS capture %s: the claim-first order failed; taking the ordinary order", job.id,
                    exc_info=True)
        job._state.adding = unsaved
        return None
    return job


def run_capture(job: CaptureJob, document, *, user, public: bool = False, organization_id: int | None = None) -> CaptureJob:
    """Check and store `document` for `user`, recording the outcome on `job`.

    `public` marks the stored events public (the scan page may show them); `organization_id`
    attaches them to a registry Organization. Streaming subscriptions are notified after commit.
    An event whose eventID the user already stored is: nothing new when it is the same event
    (compared in canonical form), an error declaration when it is the same event carrying an
    `errorDeclaration`, and otherwise a per-event error naming the eventID (never a silent skip).
    """
    if _may_claim_first(job, document):
        done = _capture_new_events(job, document, user=user, public=public, organization_id=organization_id)
        if done is not None:
            return done
    checked = check_document(document)
    job.event_count = len(checked.events)
    context = document.get("@context", []) if isinstance(document, dict) else []
    events = list(checked.events)
    positions = list(range(len(events)))
    if not checked.errors or job.error_behaviour != CaptureJob.ErrorBehaviour.ROLLBACK:
        _assign_event_ids(events, positions, context, checked)
    if checked.errors:
        if (job.error_behaviour == CaptureJob.ErrorBehaviour.ROLLBACK or not checked.events
                or checked.document_errors):
            return _finish(job, status=CaptureJob.Status.FAILED, errors=checked.errors)
        kept = [k for k in positions if k not in checked.bad_events]
        events, positions = [events[k] for k in kept], kept
    errors = list(checked.errors)
    # A synchronous job is not in the database yet: _finish inserts it inside the transaction below
    # (with the events it stored); a rollback takes that row back, so it is to be inserted again.
    unsaved = job._state.adding
    try:
        for attempt in range(2):
            try:
                with transaction.atomic():
                    with KeyClaim(user, [event["eventID"] for event in events]) as claim:
                        rows, index = build_rows(events, record_time=timezone.now(), context=context, owner=user,
                                                 capture=job, public=public, organization_id=organization_id)
                    plan = plan_rows(rows, index, owner=user, claimed=claim.ids)
                    errors = list(checked.errors) + [
                        conflict_problem(event_id, reason, checked.events_path + (positions[k], "eventID"))
                        for k, event_id, reason in plan.conflicts]
                    if plan.conflicts and job.error_behaviour == CaptureJob.ErrorBehaviour.ROLLBACK:
                        raise _Refused
                    stored, duplicates = store_rows(rows, index, owner=user, plan=plan)
                    _record_stored(job, document, user=user, stored=stored, duplicates=duplicates, errors=errors,
                                   rejected=len(checked.bad_events) + len(plan.conflicts),
                                   declared=[d[0].event_id for d in plan.declarations], public=public,
                                   organization_id=organization_id)
                break
            except IntegrityError:
                job._state.adding = unsaved
                if attempt:
                    raise
    except _Refused:
        job._state.adding = unsaved
        job.stored_count = job.duplicate_count = 0
        return _finish(job, status=CaptureJob.Status.FAILED, errors=errors)
    except Exception as exc:  # never leave a job running: record the failure, store nothing
        log.exception("EPCIS capture %s failed", job.id)
        job._state.adding = unsaved
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
        outbox.enqueue_on_commit(capture_task, str(job.pk))
        return job
    # Written by run_capture with its outcome, in the transaction that stores the events: one
    # commit per capture instead of two (created_at is still the time of receipt).
    job = CaptureJob(created_by=user, error_behaviour=error_behaviour, event_count=count)
    return run_capture(job, document, user=user, public=public, organization_id=organization_id)


def claim_queued_capture(job_id: str) -> bool:
    """Claim a waiting job for this worker; False when another worker (or a retry) has it.

    The task can be delivered twice (a retry, two workers on one queue): the conditional update
    is the claim. Only the worker whose UPDATE changed the row runs the job, so a document is
    never stored twice."""
    claimed = CaptureJob.objects.filter(pk=job_id, status=CaptureJob.Status.RUNNING, claimed_at__isnull=True,
                                        document__isnull=False).update(claimed_at=timezone.now())
    return claimed == 1


def reclaim_abandoned_capture(job_id: str) -> bool:
    """Take over a job claimed by a worker that died before storing it (killed mid-task).

    Only valid while holding the job's lock (capture_lock): a live owner would hold it, so a
    claimed job still waiting for its outcome has a dead owner. Its storing transaction never
    committed (events and outcome commit together), so running it again stores it once."""
    return CaptureJob.objects.filter(pk=job_id, status=CaptureJob.Status.RUNNING, claimed_at__isnull=False,
                                     document__isnull=False).update(claimed_at=timezone.now()) == 1


def capture_lock(job_id: str) -> str:
    return f"trace.capture:{job_id}"


def run_queued_capture(job_id: str) -> CaptureJob | None:
    """The task's body: claim the waiting job (once) and run it; a job whose worker died is taken over."""
    with joblock.exclusive(capture_lock(job_id)) as mine:
        if not mine or not (claim_queued_capture(job_id) or reclaim_abandoned_capture(job_id)):
            return CaptureJob.objects.filter(pk=job_id).first()  # a live worker has it, or it is done
        job = CaptureJob.objects.select_related("created_by").get(pk=job_id)
        options = job.options or {}
        return run_capture(job, job.document, user=job.created_by, public=bool(options.get("public")),
                           organization_id=options.get("organization_id"))


@task(queue_name="capture")
def capture_task(job_id: str) -> str:
    """Run a queued EPCIS capture job (safe to retry: a finished job is left alone).

    Defined beside the service it runs so that receive_document can queue it without a cycle
    through trace.tasks (which re-exports it)."""
    job = run_queued_capture(job_id)
    return job.status if job is not None else "missing"

