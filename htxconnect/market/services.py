"""Every write to market data. Keyword-only, one transaction each, validated with full_clean and
audited; pages, the demo loader and tasks call these. Matching of a new offer or demand is queued
after commit (core.outbox.enqueue_on_commit), so a rolled-back post notifies nobody.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django_tasks import task
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from htxconnect.core import audit, outbox
from htxconnect.core.text import fold
from htxconnect.registry.models import Certification, Organization, Product

from . import audit_actions as actions
from . import queries
from .models import (
    Buyer, Connection, Deal, Delivery, Demand, Message, Offer, ProductConcept, ProductTerm, Side, months_mask,
)
from .vocabulary import Vocabulary

# Bursts of spam: at most this many messages per person in MESSAGE_WINDOW, requests per REQUEST_WINDOW.
MESSAGE_LIMIT, MESSAGE_WINDOW = 20, datetime.timedelta(minutes=10)
REQUEST_LIMIT, REQUEST_WINDOW = 30, datetime.timedelta(hours=1)

STAGE_ORDER = [Connection.Stage.REQUESTED, Connection.Stage.CONTACTED, Connection.Stage.SAMPLES,
               Connection.Stage.NEGOTIATING, Connection.Stage.SIGNED, Connection.Stage.DELIVERING,
               Connection.Stage.CLOSED]


def _must_check(actor) -> bool:
    """Whether `actor`'s rights are checked: always, except for the system actor (commands, tasks,
    the demo loader). A missing actor is an error, never a pass."""
    audit.check_actor(actor)
    return not audit.is_system(actor)


def _person(actor):
    """The user to store as who did it (None for the system)."""
    return actor if getattr(actor, "is_authenticated", False) and not audit.is_system(actor) else None


def _record(action, obj, *, actor, changes=None, province_code=None):
    audit.record(action, obj=obj, changes=changes if changes is not None else audit.created(obj), actor=actor,
                 province_code=province_code)


def _save(obj):
    obj.full_clean()
    obj.save()
    return obj


def _queue_matching(kind: str, pk: int) -> None:
    task = match_offer_task if kind == "offer" else match_demand_task
    outbox.enqueue_on_commit(task, pk)


# --- Buyers --------------------------------------------------------------------------------------------------


@transaction.atomic
def create_buyer(*, actor, name: str, kind: str = Buyer.Kind.OTHER, **fields) -> Buyer:
    if _must_check(actor) and not queries.can_post_demand(actor):
        raise PermissionDenied(_("Chỉ tài khoản doanh nghiệp / người mua được tạo tổ chức mua."))
    buyer = _save(Buyer(name=(name or "").strip(), kind=kind, **fields))
    if _person(actor) is not None:
        buyer.users.add(actor)
        queries.forget_buyers(actor)
    _record(actions.BUYER_CREATED, buyer, actor=actor)
    return buyer


# --- Offers ----------------------------------------------------------------------------------------------------


def registry_certifications(organization: Organization, product: Product, today: datetime.date | None = None):
    """The organisation's certificates for the whole organisation or this product, not yet expired."""
    today = today or timezone.localdate()
    return Certification.objects.filter(organization=organization).filter(
        Q(product__isnull=True) | Q(product=product)).filter(Q(expiry_date__isnull=True) | Q(expiry_date__gte=today))


@transaction.atomic
def create_offer(*, actor, organization: Organization, product: Product, quantity, unit: str, months: list[int],
                 expires_on: datetime.date, title: str = "", price_min=None, price_max=None, min_order=None,
                 delivery_area: str = "", note: str = "", vocabulary: Vocabulary | None = None) -> Offer:
    if _must_check(actor) and not queries.offer_organizations(actor).filter(pk=organization.pk).exists():
        raise PermissionDenied(_("Bạn không được đăng chào bán cho hợp tác xã này."))
    errors = {}
    if not isinstance(months, list) or not months or any(not isinstance(m, int) or not 1 <= m <= 12 for m in months):
        errors["months"] = _("Chọn các tháng có hàng (số từ 1 đến 12).")
    if expires_on and expires_on < timezone.localdate():
        errors["expires_on"] = _("Ngày hết hạn chào bán (%(d)s) đã qua.") % {"d": expires_on.strftime("%d/%m/%Y")}
    if errors:
        raise ValidationError(errors)
    vocabulary = vocabulary or Vocabulary.load()
    offer = Offer(organization=organization, product=product, title=(title or "").strip(), quantity=quantity,
                  unit=unit, price_min=price_min, price_max=price_max, min_order=min_order,
                  delivery_area=delivery_area, expires_on=expires_on, note=note, created_by=_person(actor),
                  province_code=organization.province_code, ward_code=organization.ward_code,
                  months_mask=months_mask(months))
    offer.concept_id = vocabulary.concept_of(offer.title, product.name)
    offer.product_folded = fold(f"{offer.title} {product.name}")[:300]
    _save(offer)
    offer.certifications.set(registry_certifications(organization, product))
    _record(actions.OFFER_CREATED, offer, actor=actor, province_code=organization.province_code)
    _queue_matching("offer", offer.pk)
    return offer


@transaction.atomic
def close_offer(*, actor, offer_id: int) -> Offer:
    offer = Offer.objects.select_for_update().select_related("organization").get(pk=offer_id)
    if _must_check(actor) and not queries.can_manage_offer(actor, offer):
        raise PermissionDenied(_("Chỉ hợp tác xã chào bán (hoặc cán bộ của tỉnh) được đóng chào bán."))
    if offer.status != Offer.Status.CLOSED:
        offer.status = Offer.Status.CLOSED
        offer.save(update_fields=["status", "updated_at"])
        _record(actions.OFFER_CLOSED, offer, actor=actor, changes={"status": ["open", "closed"]},
                province_code=offer.province_code)
    return offer


# --- Demands ---------------------------------------------------------------------------------------------------


@transaction.atomic
def create_demand(*, actor, buyer: Buyer, product_name: str, quantity, unit: str, starts_on: datetime.date,
                  ends_on: datetime.date, province_code: str, frequency: str = Demand.Frequency.ONCE,
                  required_certifications: list | None = None, ward_code: str = "", delivery_place: str = "",
                  price_min=None, price_max=None, note: str = "", vocabulary: Vocabulary | None = None) -> Demand:
    if _must_check(actor) and not queries.demand_buyers(actor).filter(pk=buyer.pk).exists():
        raise PermissionDenied(_("Bạn không đăng nhu cầu thay cho tổ chức mua này được."))
    from .matching import period_months

    demand = Demand(buyer=buyer, product_name=(product_name or "").strip(), quantity=quantity, unit=unit,
                    frequency=frequency, required_certifications=list(required_certifications or []),
                    province_code=province_code, ward_code=ward_code, delivery_place=delivery_place,
                    price_min=price_min, price_max=price_max, starts_on=starts_on, ends_on=ends_on, note=note,
                    created_by=_person(actor))
    if starts_on and ends_on and ends_on >= starts_on:
        demand.months_mask = months_mask(period_months(starts_on, ends_on))
    vocabulary = vocabulary or Vocabulary.load()
    demand.concept_id = vocabulary.concept_of(demand.product_name)
    demand.product_folded = fold(demand.product_name)[:300]
    _save(demand)
    _record(actions.DEMAND_CREATED, demand, actor=actor)
    _queue_matching("demand", demand.pk)
    return demand


@transaction.atomic
def close_demand(*, actor, demand_id: int) -> Demand:
    demand = Demand.objects.select_for_update().get(pk=demand_id)
    if _must_check(actor) and not queries.can_manage_demand(actor, demand):
        raise PermissionDenied(_("Chỉ tổ chức mua đăng nhu cầu này được đóng nó."))
    if demand.status != Demand.Status.CLOSED:
        demand.status = Demand.Status.CLOSED
        demand.save(update_fields=["status", "updated_at"])
        _record(actions.DEMAND_CLOSED, demand, actor=actor, changes={"status": ["open", "closed"]})
    return demand


# --- Vocabulary ------------------------------------------------------------------------------------------------


@transaction.atomic
def add_concept(*, actor, key: str, name: str, category: str, terms: list[tuple[str, str]] = ()) -> ProductConcept:
    if _must_check(actor) and not queries.can_edit_vocabulary(actor):
        raise PermissionDenied(_("Chỉ cán bộ được sửa từ điển sản phẩm."))
    concept = _save(ProductConcept(key=key, name=name.strip(), category=category))
    _record(actions.CONCEPT_ADDED, concept, actor=actor)
    for term, region in terms or [(name, "")]:
        add_term(actor=actor, concept=concept, term=term, region=region)
    return concept


@transaction.atomic
def add_term(*, actor, concept: ProductConcept, term: str, region: str = "") -> ProductTerm:
    if _must_check(actor) and not queries.can_edit_vocabulary(actor):
        raise PermissionDenied(_("Chỉ cán bộ được sửa từ điển sản phẩm."))
    term = " ".join((term or "").split())
    if not term:
        raise ValidationError({"term": _("Nhập tên gọi.")})
    existing = ProductTerm.objects.filter(term_lower=" ".join(term.lower().split())).select_related("concept").first()
    if existing is not None:
        raise ValidationError({"term": _("Tên gọi “%(t)s” đã có trong từ điển (thuộc “%(c)s”).") % {
            "t": term, "c": existing.concept.name}})
    obj = ProductTerm(concept=concept, term=term, region=region.strip())
    obj.save()
    _record(actions.TERM_ADDED, obj, actor=actor, changes={"term": [None, term], "concept": [None, concept.name]})
    outbox.enqueue_on_commit(resolve_unknown_task)
    return obj


def resolve_unknown() -> int:
    """Give a concept to the open offers and demands the vocabulary did not know (after it grew)."""
    vocabulary = Vocabulary.load()
    changed = 0
    for offer in Offer.objects.filter(concept__isnull=True, status=Offer.Status.OPEN).select_related("product"):
        concept = vocabulary.concept_of(offer.title, offer.product.name)
        if concept:
            changed += Offer.objects.filter(pk=offer.pk, concept__isnull=True).update(concept_id=concept)
    for demand in Demand.objects.filter(concept__isnull=True, status=Demand.Status.OPEN):
        concept = vocabulary.concept_of(demand.product_name)
        if concept:
            changed += Demand.objects.filter(pk=demand.pk, concept__isnull=True).update(concept_id=concept)
    return changed


# --- Connections -------------------------------------------------------------------------------------------------


def _check_rate(count: int, limit: int, what: str) -> None:
    if count >= limit:
        raise ValidationError(_("Bạn đã gửi %(n)s %(what)s trong thời gian ngắn; vui lòng đợi ít phút rồi gửi tiếp.")
                              % {"n": count, "what": what}, code="rate_limited")


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Nhập nội dung tin nhắn.")})
    if len(body) > 4000:
        raise ValidationError({"body": _("Tin nhắn dài %(n)s ký tự; tối đa 4.000 ký tự.") % {"n": len(body)}})
    return body


def _check_session(session_event_id) -> None:
    """The session must be a supply–demand event. Read through the app registry, not an import: market
    and events are independent (docs/decisions/0015-market-links-to-events-by-id.md)."""
    if session_event_id is None:
        return
    from django.apps import apps

    if not apps.is_installed("htxconnect.events"):
        return
    event = apps.get_model("events", "Event")
    if not event.objects.filter(pk=session_event_id, kind="supply_demand").exists():
        raise ValidationError({"session_event_id": _(
            "Sự kiện số %(n)s không phải phiên kết nối cung cầu đã có.") % {"n": session_event_id}})


@transaction.atomic
def request_connection(*, actor, offer_id: int, demand_id: int, message: str = "",
                       session_event_id: int | None = None) -> Connection:
    offer = Offer.objects.select_related("organization").get(pk=offer_id)
    demand = Demand.objects.select_related("buyer").get(pk=demand_id)
    if demand.buyer_id in queries.buyer_ids(actor):
        side = Side.BUYER
    elif offer.organization_id in queries.coop_ids(actor, managers_only=True):
        side = Side.COOPERATIVE
    else:
        raise PermissionDenied(_("Chỉ bên mua hoặc hợp tác xã chào bán được gửi đề nghị kết nối."))
    if offer.status != Offer.Status.OPEN or demand.status != Demand.Status.OPEN:
        raise ValidationError(_("Chào bán hoặc nhu cầu mua đã đóng."))
    recent = Connection.objects.filter(requested_by=_person(actor), created_at__gte=timezone.now() - REQUEST_WINDOW).count()
    _check_rate(recent, REQUEST_LIMIT, _("đề nghị kết nối"))
    _check_session(session_event_id)
    if Connection.objects.filter(offer=offer, demand=demand).exists():
        raise ValidationError(_("Hai bên đã có kết nối cho chào bán và nhu cầu này."))
    try:
        with transaction.atomic():
            connection = Connection.objects.create(offer=offer, demand=demand, initiated_by=side, requested_by=_person(actor),
                                                   session_event_id=session_event_id)
    except IntegrityError:  # a second request for the same pair raced this one
        raise ValidationError(_("Hai bên đã có kết nối cho chào bán và nhu cầu này.")) from None
    if (message or "").strip():
        Message.objects.create(connection=connection, author=_person(actor), side=side, body=_clean_body(message))
    _record(actions.CONNECTION_REQUESTED, connection, actor=actor, province_code=offer.province_code,
            changes={"offer": [None, offer.pk], "demand": [None, demand.pk], "side": [None, side]})
    return connection


def _locked(connection_id: int) -> Connection:
    # FOR UPDATE: two people of the same side may press "accept" and "decline" at once.
    return (Connection.objects.select_for_update().select_related("offer__organization", "demand__buyer")
            .get(pk=connection_id))


def _require_side(actor, connection: Connection) -> str:
    side = queries.side_of(actor, connection) if _must_check(actor) else None
    if _must_check(actor) and side is None:
        raise PermissionDenied(_("Chỉ hai bên của kết nối được làm việc này."))
    return side


def _set_stage(connection: Connection, stage: str, actor, **extra) -> None:
    before = connection.stage
    connection.stage = stage
    connection.stage_changed_at = timezone.now()
    for k, v in extra.items():
        setattr(connection, k, v)
    connection.save()
    _record(actions.CONNECTION_STAGE, connection, actor=actor, changes={"stage": [before, stage]},
            province_code=connection.offer.province_code)


@transaction.atomic
def accept_connection(*, actor, connection_id: int) -> Connection:
    """The side that received the request agrees: contact details are shown to both from now."""
    connection = _locked(connection_id)
    side = _require_side(actor, connection)
    if connection.stage != Connection.Stage.REQUESTED:
        raise ValidationError(_("Đề nghị này đã được trả lời."))
    if side == connection.initiated_by:
        raise PermissionDenied(_("Bên nhận đề nghị mới đồng ý được."))
    _set_stage(connection, Connection.Stage.CONTACTED, actor, accepted_at=timezone.now())
    return connection


@transaction.atomic
def move_stage(*, actor, connection_id: int, stage: str, reason: str = "") -> Connection:
    """Forward along the pipeline, or dropped from anywhere before closing (declining a request too)."""
    connection = _locked(connection_id)
    _require_side(actor, connection)
    if stage not in Connection.Stage.values:
        raise ValidationError(_("Giai đoạn “%(s)s” không có.") % {"s": stage})
    current = connection.stage
    if current in (Connection.Stage.CLOSED, Connection.Stage.DROPPED):
        raise ValidationError(_("Kết nối đã kết thúc."))
    if stage == Connection.Stage.DROPPED:
        _set_stage(connection, stage, actor, drop_reason=(reason or "").strip()[:500])
        return connection
    if current == Connection.Stage.REQUESTED:
        raise ValidationError(_("Bên nhận phải đồng ý kết nối trước."))
    if stage == Connection.Stage.SIGNED:
        raise ValidationError(_("Ghi nhận hợp đồng liên kết để chuyển sang “Đã ký hợp đồng”."))
    if STAGE_ORDER.index(stage) <= STAGE_ORDER.index(current):
        raise ValidationError(_("Chỉ chuyển kết nối tới giai đoạn sau “%(c)s”.") % {
            "c": Connection.Stage(current).label})
    if STAGE_ORDER.index(stage) > STAGE_ORDER.index(Connection.Stage.SIGNED) and not hasattr(connection, "deal"):
        raise ValidationError(_("Chưa có hợp đồng liên kết."))
    _set_stage(connection, stage, actor)
    return connection


@transaction.atomic
def send_message(*, actor, connection_id: int, body: str) -> Message:
    connection = Connection.objects.select_related("offer", "demand").get(pk=connection_id)
    side = _require_side(actor, connection)
    body = _clean_body(body)
    recent = Message.objects.filter(author=_person(actor), created_at__gte=timezone.now() - MESSAGE_WINDOW).count()
    _check_rate(recent, MESSAGE_LIMIT, _("tin nhắn"))
    message = Message.objects.create(connection=connection, author=_person(actor), side=side, body=body)
    _record(actions.MESSAGE_SENT, connection, actor=actor, changes={"message": [None, message.pk]},
            province_code=connection.offer.province_code)
    return message


@transaction.atomic
def set_reminder(*, actor, connection_id: int, remind_on: datetime.date | None, note: str = "") -> Connection:
    connection = _locked(connection_id)
    _require_side(actor, connection)
    before = connection.remind_on
    connection.remind_on, connection.remind_note, connection.reminder_sent_on = remind_on, (note or "")[:300], None
    connection.save(update_fields=["remind_on", "remind_note", "reminder_sent_on"])
    _record(actions.CONNECTION_REMINDER, connection, actor=actor,
            changes={"remind_on": [before.isoformat() if before else None, remind_on.isoformat() if remind_on else None]},
            province_code=connection.offer.province_code)
    return connection


def send_due_reminders(today: datetime.date | None = None) -> int:
    """Daily job: mail both sides of each connection whose reminder day has come (once)."""
    from django.core.mail import send_mass_mail

    today = today or timezone.localdate()
    due = list(Connection.objects.filter(remind_on__lte=today, reminder_sent_on=None)
               .exclude(stage__in=[Connection.Stage.CLOSED, Connection.Stage.DROPPED])
               .select_related("offer__organization", "demand__buyer"))
    mails = []
    for connection in due:
        # Claimed with a conditional update, so two runs of the job never both send it.
        if not Connection.objects.filter(pk=connection.pk, reminder_sent_on=None).update(reminder_sent_on=today):
            continue
        subject = f"[HTX Connect] Nhắc việc kết nối: {connection.demand.product_name}"
        text = (f"{connection.remind_note or 'Đến hẹn theo dõi kết nối'}\n"
                f"{connection.offer.organization} – {connection.demand.buyer}\n/market/connections/{connection.pk}/")
        recipients = party_emails(connection)
        if recipients:
            mails.append((subject, text, None, recipients))
    if mails:
        send_mass_mail(mails, fail_silently=True)
    return len(due)


def party_emails(connection: Connection) -> list[str]:
    from django.contrib.auth import get_user_model

    from htxconnect.registry.models import OrganizationUser

    users = get_user_model().objects.filter(
        Q(market_buyers=connection.demand.buyer_id)
        | Q(organization_links__organization=connection.offer.organization_id,
            organization_links__role=OrganizationUser.Role.MANAGER)).exclude(email="").distinct()
    return list(users.values_list("email", flat=True))


# --- Linkage contracts ---------------------------------------------------------------------------------------------


DEAL_FIELDS = ("number", "product_name", "quantity", "unit", "quality", "price_method", "unit_price",
               "delivery_terms", "payment_terms", "responsibilities", "dispute_resolution", "force_majeure",
               "starts_on", "ends_on", "signed_on", "file")


@transaction.atomic
def record_deal(*, actor, connection_id: int, **fields) -> Deal:
    connection = _locked(connection_id)
    _require_side(actor, connection)
    if connection.stage in (Connection.Stage.REQUESTED, Connection.Stage.DROPPED, Connection.Stage.CLOSED):
        raise ValidationError(_("Chỉ ghi hợp đồng cho kết nối hai bên đã đồng ý và chưa kết thúc."))
    if hasattr(connection, "deal"):
        raise ValidationError(_("Kết nối này đã có hợp đồng."))
    unknown = set(fields) - set(DEAL_FIELDS)
    if unknown:
        raise ValidationError(_("Trường không có: %(f)s") % {"f": ", ".join(sorted(unknown))})
    deal = _save(Deal(connection=connection, created_by=_person(actor), **fields))
    _record(actions.DEAL_SIGNED, deal, actor=actor, province_code=connection.offer.province_code)
    if connection.stage != Connection.Stage.SIGNED:
        _set_stage(connection, Connection.Stage.SIGNED, actor)
    return deal


@transaction.atomic
def record_delivery(*, actor, deal_id: int, delivered_on: datetime.date, quantity, note: str = "") -> Delivery:
    deal = Deal.objects.select_related("connection").get(pk=deal_id)
    connection = _locked(deal.connection_id)
    _require_side(actor, connection)
    delivery = _save(Delivery(deal=deal, delivered_on=delivered_on, quantity=quantity, note=note))
    _record(actions.DELIVERY_RECORDED, deal, actor=actor, changes={"delivery": [None, f"{quantity} {deal.unit}"]},
            province_code=connection.offer.province_code)
    if connection.stage == Connection.Stage.SIGNED:
        _set_stage(connection, Connection.Stage.DELIVERING, actor)
    return delivery


@transaction.atomic
def apply_for_support(*, actor, deal_id: int, item, amount_requested: int | None, total_cost: int | None = None):
    """A linkage contract becomes a support application in the programs app (Decree 98/2018 supports
    linkage projects): a draft for the cooperative, describing the contract, with the signed copy
    attached as the "Hợp đồng liên kết" document when it was uploaded."""
    from htxconnect.programs import services as program_services

    deal = Deal.objects.select_related("connection__offer__organization", "connection__demand__buyer").get(pk=deal_id)
    connection = deal.connection
    if _must_check(actor) and queries.side_of(actor, connection) != Side.COOPERATIVE:
        raise PermissionDenied(_("Hợp tác xã của hợp đồng mới đề nghị hỗ trợ được."))
    documents = {}
    if deal.file and "Hợp đồng liên kết" in (item.required_documents or []):
        documents["Hợp đồng liên kết"] = deal.file
    description = (f"Hợp đồng liên kết {deal} ký ngày {deal.signed_on:%d/%m/%Y} với {connection.demand.buyer}: "
                   f"{deal.product_name}, {deal.quantity.normalize():f} {deal.get_unit_display()}, "
                   f"giá trị {deal.value:,} đồng, hiệu lực {deal.starts_on:%d/%m/%Y}–{deal.ends_on:%d/%m/%Y}.").replace(",", ".")
    return program_services.create_application(
        actor=actor, organization=connection.offer.organization, item=item,
        title=f"Hỗ trợ liên kết sản xuất – tiêu thụ {deal.product_name} ({connection.demand.buyer})"[:300],
        amount_requested=amount_requested, total_cost=total_cost, description=description, documents=documents)


# --- Matching notifications ----------------------------------------------------------------------------------------


def store_and_notify(kind: str, pk: int, top: int = 5) -> int:
    """Run by the matching task: keep the top matches of a new offer/demand and mail the other sides."""
    from django.core.mail import send_mass_mail

    from . import matching
    from .models import Match

    if kind == "demand":
        listing = Demand.objects.select_related("buyer").filter(pk=pk).first()
        results = matching.matches_for_demand(listing, top=top) if listing else []
    else:
        listing = Offer.objects.select_related("organization", "product").filter(pk=pk).first()
        results = matching.matches_for_offer(listing, top=top) if listing else []
    now, mails = timezone.now(), []
    with transaction.atomic():
        for result in results:
            Match.objects.update_or_create(demand=result.demand, offer=result.offer, defaults={
                "score": result.score, "reasons": result.reasons, "notified_at": now})
        if results:
            audit.record(actions.MATCHES_NOTIFIED, obj=listing, actor=audit.system_actor("notify_matches"),
                         changes={"matches": [None, len(results)]}, province_code=listing.province_code)
    for result in results:
        connection = Connection(offer=result.offer, demand=result.demand)
        recipients = party_emails(connection)
        if recipients:
            mails.append((f"[HTX Connect] Có kết quả ghép nối phù hợp {result.score}/100: {result.demand.product_name}",
                          f"{result.offer.organization} – {result.demand.buyer}\n{result.summary}", None, recipients))
    if mails:
        send_mass_mail(mails, fail_silently=True)
    return len(results)


# --- Tasks ------------------------------------------------------------------------------------------------------
# Defined beside the services they run (market.tasks lists them), so a service queues them without
# an import cycle. Each takes ids and calls a service.


@task(queue_name="default")
def match_offer_task(offer_id: int) -> int:
    return store_and_notify("offer", offer_id)


@task(queue_name="default")
def match_demand_task(demand_id: int) -> int:
    return store_and_notify("demand", demand_id)


@task(queue_name="default")
def resolve_unknown_task() -> int:
    return resolve_unknown()


def rematch_all(top: int = 20) -> dict:
    """Re-match every open demand (scores only, nothing stored or mailed); returns count and seconds."""
    import time

    from . import matching

    started = time.perf_counter()
    count = 0
    for demand in matching.open_demands().iterator(chunk_size=500):
        matching.matches_for_demand(demand, top=top, explain_names=False)
        count += 1
    return {"demands": count, "seconds": round(time.perf_counter() - started, 3)}


@task(queue_name="default")
def rematch_all_task() -> dict:
    return rematch_all()
