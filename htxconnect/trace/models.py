"""Traceability tables: the EPCIS 2.0 event repository (capture jobs, events, EPC index).

Each event is kept whole as it was sent (`event`, with the capture document's `@context`);
the other columns are copies made at capture so queries run on indexes, never inside JSON.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CaptureJob(models.Model):
    """One POST /epcis/capture: what was received and how it ended."""

    class Status(models.TextChoices):
        RUNNING = "running", _("đang xử lý")
        SUCCESS = "success", _("thành công")
        FAILED = "failed", _("thất bại")

    class ErrorBehaviour(models.TextChoices):
        ROLLBACK = "rollback", _("hủy cả tài liệu khi có lỗi")
        PROCEED = "proceed", _("lưu các sự kiện hợp lệ")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    error_behaviour = models.CharField(max_length=10, choices=ErrorBehaviour.choices, default=ErrorBehaviour.ROLLBACK)
    errors = models.JSONField(_("lỗi"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="epcis_captures", verbose_name=_("người gửi"))
    # When the document was received. A default rather than auto_now_add: a synchronous capture's
    # job is written once, with its outcome (capture.receive_document), after the events.
    created_at = models.DateTimeField(_("thời điểm nhận"), default=timezone.now, editable=False)
    finished_at = models.DateTimeField(_("thời điểm xong"), null=True, blank=True)
    event_count = models.PositiveIntegerField(_("số sự kiện trong tài liệu"), default=0)
    stored_count = models.PositiveIntegerField(_("số sự kiện đã lưu"), default=0)
    duplicate_count = models.PositiveIntegerField(_("số sự kiện trùng eventID"), default=0)
    # The received document while a queued (asynchronous) capture waits; emptied when it ends.
    document = models.JSONField(null=True, blank=True)
    # Capture options a queued job must remember: {"public": bool, "organization_id": int|None}.
    options = models.JSONField(default=dict, blank=True)
    # When a worker claimed the queued job (see capture.claim_queued_capture); null until then.
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("lượt nhận sự kiện EPCIS")
        verbose_name_plural = _("lượt nhận sự kiện EPCIS")
        indexes = [models.Index(fields=["created_by", "created_at"], name="trace_capture_user_idx")]

    def __str__(self):
        return f"capture {self.id} ({self.status})"


class EPCISEvent(models.Model):
    """One captured event. On PostgreSQL the table is partitioned by month of `record_time`
    (core.partitions; docs/decisions/0023-monthly-partitions.md): its SQL primary key is
    (id, record_time) and the owner/eventID unique constraint holds record_time too, so the
    uniqueness of (owner, eventID) is kept by EPCISEventKey (capture.plan_rows)."""

    # Unique per owner, not globally (docs/decisions/0011-epcis-event-id-scope.md): one account can
    # neither block another's eventID nor learn that it exists.
    event_id = models.CharField(_("eventID"), max_length=512, db_index=True)
    event_type = models.CharField(_("loại sự kiện"), max_length=255)
    event_time = models.DateTimeField(_("thời điểm sự kiện (UTC)"))
    event_time_zone_offset = models.CharField(max_length=6)
    record_time = models.DateTimeField(_("thời điểm ghi nhận"))
    action = models.CharField(max_length=10, blank=True)
    # CBV values are stored as their short names (`shipping`), other values as full URIs.
    biz_step = models.CharField(max_length=512, blank=True)
    disposition = models.CharField(max_length=512, blank=True)
    # Canonical forms (see core.identifiers.canonical_epc): sgln URNs and Digital Links match.
    read_point = models.CharField(max_length=512, blank=True)
    biz_location = models.CharField(max_length=512, blank=True)
    event = models.JSONField(_("sự kiện gốc"))
    context = models.JSONField(_("@context của tài liệu"), default=list, blank=True)
    # No database-level foreign key to the capture job (docs/decisions/0032-epcis-capture-cost.md):
    # PostgreSQL would check it for every captured row at commit. Jobs are never deleted by the
    # application; an ORM delete still sets these columns to NULL (Django's on_delete).
    capture = models.ForeignKey(CaptureJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="events",
                                db_constraint=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="epcis_events",
                              verbose_name=_("người gửi"))
    # For the registry's Organization once events are linked to one (no FK yet: registry is separate).
    organization_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    public = models.BooleanField(_("công khai"), default=False)
    # Set when the event is declared in error (EPCIS 2.0 §7.4.1.2): by capturing it again with an
    # `errorDeclaration`, or by capturing it with one in the first place. The declaration itself is
    # kept in `event["errorDeclaration"]`; its correctiveEventIDs are indexed as EPC rows (role
    # "corrective"); `error_capture` is the capture that declared it.
    error_declaration_time = models.DateTimeField(_("thời điểm khai báo sai"), null=True, blank=True, db_index=True)
    error_reason = models.CharField(_("lý do khai báo sai"), max_length=512, blank=True)
    error_capture = models.ForeignKey(CaptureJob, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="error_declarations", db_constraint=False)

    class Meta:
        verbose_name = _("sự kiện EPCIS")
        verbose_name_plural = _("sự kiện EPCIS")
        constraints = [models.UniqueConstraint(fields=["owner", "event_id"], name="trace_event_owner_eventid_unique")]
        indexes = [
            models.Index(fields=["record_time", "id"], name="trace_event_page_idx"),
            models.Index(fields=["owner", "record_time", "id"], name="trace_event_owner_page_idx"),
            models.Index(fields=["event_time"], name="trace_event_time_idx"),
            models.Index(fields=["event_type", "record_time"], name="trace_event_type_idx"),
            models.Index(fields=["biz_step"], name="trace_event_bizstep_idx"),
            models.Index(fields=["disposition"], name="trace_event_disp_idx"),
            models.Index(fields=["read_point"], name="trace_event_readpoint_idx"),
            models.Index(fields=["biz_location"], name="trace_event_bizloc_idx"),
        ]

    def __str__(self):
        return f"{self.event_type} {self.event_id}"


class EPCISEventKey(models.Model):
    """(owner, eventID) of every stored event, in one table that is not partitioned.

    On PostgreSQL the event table is partitioned by record_time, so (owner, eventID) cannot be a
    unique key there. This table's primary key is that constraint, on every database: capture
    inserts the keys of a document's events with ON CONFLICT DO NOTHING, and the eventIDs the
    insert did not take are the owner's stored ones, looked up only then
    (docs/decisions/0029-epcis-event-key-table.md). Written only by capture (capture.plan_rows),
    in the events' transaction. A key outlives its event when the event is deleted or its month's
    partition dropped; capture then stores the eventID again as new."""

    pk = models.CompositePrimaryKey("owner", "event_id")
    # No database-level foreign key (one check per row at every commit): the event rows of the
    # same keys already reference the owner, and users with events cannot be deleted (PROTECT).
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                              db_constraint=False, db_index=False)  # the primary key starts with owner_id
    event_id = models.CharField(_("eventID"), max_length=512)

    class Meta:
        verbose_name = _("eventID đã lưu")
        verbose_name_plural = _("eventID đã lưu")

    def __str__(self):
        return f"{self.owner_id}: {self.event_id}"


class EPCISEventEPC(models.Model):
    """Every identifier an event names, canonicalised, with the field it came from."""

    class Role(models.TextChoices):
        EPC = "epc", "epcList"
        CHILD = "child", "childEPCs"
        PARENT = "parent", "parentID"
        INPUT = "input", "inputEPCList"
        OUTPUT = "output", "outputEPCList"
        QUANTITY = "quantity", "quantityList"
        INPUT_QUANTITY = "input_quantity", "inputQuantityList"
        OUTPUT_QUANTITY = "output_quantity", "outputQuantityList"
        # Not an EPC: an eventID listed in errorDeclaration.correctiveEventIDs (EQ_correctiveEventID).
        CORRECTIVE = "corrective", "correctiveEventIDs"

    # No database-level constraint: on PostgreSQL the event table is partitioned by month and its
    # `id` alone is not a key PostgreSQL can reference (docs/decisions/0023-monthly-partitions.md).
    # Rows are written with their event in one transaction and deleted by Django's CASCADE.
    event = models.ForeignKey(EPCISEvent, on_delete=models.CASCADE, related_name="epcs", db_constraint=False)
    epc = models.CharField(max_length=512)
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("mã EPC của sự kiện")
        verbose_name_plural = _("mã EPC của sự kiện")
        indexes = [
            models.Index(fields=["epc", "role"], name="trace_epc_match_idx"),
            # PostgreSQL: lets `epc LIKE 'prefix%'` (EPC patterns such as idpat:sgtin:…*) use an index.
            models.Index(fields=["epc"], name="trace_epc_prefix_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return f"{self.role}: {self.epc}"


class EPCISShare(models.Model):
    """`owner` lets `grantee` read every EPCIS event `owner` captured (e.g. a buyer's system)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="epcis_shares_given")
    grantee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="epcis_shares_received")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("chia sẻ sự kiện EPCIS")
        verbose_name_plural = _("chia sẻ sự kiện EPCIS")
        constraints = [
            models.UniqueConstraint(fields=["owner", "grantee"], name="trace_share_unique"),
            models.CheckConstraint(condition=~models.Q(owner=models.F("grantee")), name="trace_share_not_self"),
        ]

    def __str__(self):
        return f"{self.owner} → {self.grantee}"


class EPCISQuery(models.Model):
    """A named query (POST /epcis/queries): an EPCIS query definition saved under a name per owner."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="epcis_queries",
                              verbose_name=_("người tạo"))
    name = models.CharField(_("tên truy vấn"), max_length=100)
    # The definition as sent: {"eventType": ["ObjectEvent"], "EQ_bizStep": ["shipping"], …}.
    query = models.JSONField(_("định nghĩa truy vấn"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("truy vấn EPCIS có tên")
        verbose_name_plural = _("truy vấn EPCIS có tên")
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="trace_query_name_unique")]

    def __str__(self):
        return self.name


class EPCISSubscription(models.Model):
    """A webhook subscribed to a named query; `stream` ones are told of each matching capture."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    query = models.ForeignKey(EPCISQuery, on_delete=models.CASCADE, related_name="subscriptions")
    dest = models.URLField(_("địa chỉ webhook"), max_length=2000)
    # Shared secret chosen by the client; the GS1-Signature header is HMAC-SHA256(body) with it.
    signature_token = models.CharField(max_length=500, blank=True)
    report_if_empty = models.BooleanField(default=False)
    stream = models.BooleanField(default=True)
    initial_record_time = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_notified_at = models.DateTimeField(null=True, blank=True)
    failed_deliveries = models.PositiveIntegerField(default=0)
    # Scheduled subscriptions (stream=False): the binding's `schedule` object as received, the
    # next time it is due, and minRecordTime (events recorded after it are reported next).
    schedule = models.JSONField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    min_record_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("đăng ký nhận sự kiện EPCIS")
        verbose_name_plural = _("đăng ký nhận sự kiện EPCIS")
        indexes = [models.Index(fields=["stream"], name="trace_subscription_stream_idx"),
                   models.Index(fields=["next_run_at"], name="trace_subscription_due_idx")]

    def __str__(self):
        return f"{self.query.name} → {self.dest}"


class EPCISEventField(models.Model):
    """One filterable value from inside an event (see trace.epcis.fields): a quantity, an ILMD or
    extension field under its full name, a sensor value, a source, a business transaction…"""

    # No database-level constraint, as EPCISEventEPC.event (partitioned event table).
    event = models.ForeignKey(EPCISEvent, on_delete=models.CASCADE, related_name="fields", db_constraint=False)
    kind = models.CharField(max_length=16)
    # Full field name (namespace IRI + local name), measure name, source/transaction type, list name.
    name = models.CharField(max_length=512, blank=True)
    alias = models.CharField(max_length=255, blank=True)  # the compact name as sent (`example:myField`)
    text = models.CharField(max_length=512, blank=True)  # value as text; the uom for quantities and measures
    number = models.FloatField(null=True, blank=True)
    time = models.DateTimeField(null=True, blank=True)
    # Sensor rows: the sensorReport (numbered within the event) they describe, so that several sensor
    # conditions of one query hold of the same report (trace.epcis.query); None for other rows.
    report = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("trường của sự kiện EPCIS")
        verbose_name_plural = _("trường của sự kiện EPCIS")
        indexes = [
            models.Index(fields=["kind", "name", "text"], name="trace_field_text_idx"),
            models.Index(fields=["kind", "name", "number"], name="trace_field_number_idx"),
            models.Index(fields=["kind", "name", "time"], name="trace_field_time_idx"),
            models.Index(fields=["kind", "alias"], name="trace_field_alias_idx"),
            models.Index(fields=["event"], name="trace_field_event_idx"),
        ]

    def __str__(self):
        return f"{self.kind} {self.name}: {self.text or self.number or self.time}"


class EPCISVocabularyElement(models.Model):
    """Master data sent in a capture document's header (EPCIS 2.0 §6.5, §7.1.2): one element of a
    vocabulary, its attributes and its children (WD_readPoint/WD_bizLocation walk them)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="epcis_vocabulary",
                              verbose_name=_("người gửi"))
    vocabulary = models.CharField(_("loại danh mục"), max_length=255)  # urn:epcglobal:epcis:vtype:BusinessLocation
    element = models.CharField(_("mã phần tử"), max_length=512)  # canonical (core.identifiers.canonical_epc)
    attributes = models.JSONField(default=list, blank=True)
    children = models.JSONField(default=list, blank=True)  # canonical ids
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("dữ liệu chủ EPCIS")
        verbose_name_plural = _("dữ liệu chủ EPCIS")
        constraints = [models.UniqueConstraint(fields=["owner", "vocabulary", "element"], name="trace_vocab_unique")]

    def __str__(self):
        return f"{self.vocabulary} {self.element}"
