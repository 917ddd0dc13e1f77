"""Pages of the market: the public board, offers, demands with their ranked matches, connections,
linkage contracts, the vocabulary and the statistics. Thin: parse, check, call a service or query."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from htxconnect.core import adminunits
from htxconnect.core.db_router import use_replica
from htxconnect.core.permissions import AGENCY_STAFF, SIGNED_IN, STAFF, public, requires
from htxconnect.core.redirects import redirect_next

from . import forms, matching, queries, services
from .models import Connection, ProductConcept, ProductTerm


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Public board ---------------------------------------------------------------------------------------------


@public
@use_replica
def board(request):
    q, province, cert = request.GET.get("q", "").strip(), request.GET.get("province", ""), request.GET.get("cert", "")
    show = "demands" if request.GET.get("show") == "demands" else "offers"
    rows = (queries.board_demands if show == "demands" else queries.board_offers)(q=q, province=province,
                                                                                     certification=cert)
    page = Paginator(rows, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "market/board.html", {
        "page": page, "q": q, "province": province, "cert": cert, "show": show,
        "provinces": adminunits.provinces(), "certs": forms.CERT_CHOICES,
        "can_post_offer": queries.can_post_offer(request.user), "can_post_demand": queries.can_post_demand(request.user)})


@public
@use_replica
def offer_detail(request, pk):
    offer = queries.access_offer(request.user, pk)
    private = queries.can_see_offer_privately(request.user, offer)
    results = matching.matches_for_offer(offer) if private else []
    my_demands = []
    if not private and queries.buyer_ids(request.user):
        my_demands = list(queries.my_demands(request.user).filter(status="open"))
    return render(request, "market/offer_detail.html", {
        "offer": offer, "private": private, "results": results, "can_manage": queries.can_manage_offer(request.user, offer),
        "my_demands": my_demands, "coop_side": offer.organization_id in queries.coop_ids(request.user, True)})


@public
@use_replica
def demand_detail(request, pk):
    demand = queries.access_demand(request.user, pk)
    private = queries.can_see_demand_privately(request.user, demand)
    results = matching.matches_for_demand(demand) if private else []
    connected = set(demand.connections.values_list("offer_id", flat=True)) if private else set()
    my_offers = []
    if not private and queries.coop_ids(request.user, True):
        my_offers = list(queries.my_offers(request.user).filter(status="open",
                                                                organization_id__in=queries.coop_ids(request.user, True)))
    return render(request, "market/demand_detail.html", {
        "demand": demand, "private": private, "results": results, "connected": connected,
        "can_manage": queries.can_manage_demand(request.user, demand), "my_offers": my_offers})


# --- Posting --------------------------------------------------------------------------------------------------


@requires(SIGNED_IN)
def offer_create(request):
    if not queries.can_post_offer(request.user):
        raise PermissionDenied(_("Chỉ cán bộ quản lý HTX (hoặc cán bộ của tỉnh) được đăng chào bán."))
    form = forms.OfferForm(request.POST or None, organizations=queries.offer_organizations(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            offer = services.create_offer(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Đã đăng chào bán. Các nhu cầu phù hợp hiện bên dưới."))
            return redirect("market:offer_detail", pk=offer.pk)
    return render(request, "market/form.html", {"form": form, "title": _("Đăng chào bán")})


@requires(SIGNED_IN)
def demand_create(request):
    if not queries.can_post_demand(request.user):
        raise PermissionDenied(_("Chỉ tài khoản doanh nghiệp / người mua được đăng nhu cầu mua."))
    buyers = queries.demand_buyers(request.user)
    if not buyers.exists():
        return redirect(f"{reverse('market:buyer_create')}?next={reverse('market:demand_create')}")
    form = forms.DemandForm(request.POST or None, buyers=buyers, initial={"buyer": buyers.first()})
    if request.method == "POST" and form.is_valid():
        try:
            demand = services.create_demand(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Đã đăng nhu cầu mua. Các chào bán phù hợp xếp theo mức phù hợp bên dưới."))
            return redirect("market:demand_detail", pk=demand.pk)
    return render(request, "market/form.html", {"form": form, "title": _("Đăng nhu cầu mua")})


@requires(SIGNED_IN)
def buyer_create(request):
    if not queries.can_post_demand(request.user):
        raise PermissionDenied(_("Chỉ tài khoản doanh nghiệp / người mua được tạo tổ chức mua."))
    form = forms.BuyerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_buyer(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Đã lưu tổ chức mua."))
            return redirect_next(request, reverse("market:demand_create"))
    return render(request, "market/form.html", {"form": form, "title": _("Thông tin tổ chức mua")})


@requires(SIGNED_IN)
@require_POST
def offer_close(request, pk):
    offer = queries.access_managed_offer(request.user, pk)
    services.close_offer(actor=request.user, offer_id=offer.pk)
    messages.success(request, _("Đã đóng chào bán."))
    return redirect("market:offer_detail", pk=offer.pk)


@requires(SIGNED_IN)
@require_POST
def demand_close(request, pk):
    demand = queries.access_managed_demand(request.user, pk)
    services.close_demand(actor=request.user, demand_id=demand.pk)
    messages.success(request, _("Đã đóng nhu cầu mua."))
    return redirect("market:demand_detail", pk=demand.pk)


@requires(SIGNED_IN)
def mine(request):
    return render(request, "market/mine.html", {
        "offers": queries.my_offers(request.user), "demands": queries.my_demands(request.user),
        "can_post_offer": queries.can_post_offer(request.user), "can_post_demand": queries.can_post_demand(request.user)})


# --- Connections ------------------------------------------------------------------------------------------------


@requires(SIGNED_IN)
@require_POST
def connection_request(request):
    try:
        offer = queries.access_offer(request.user, int(request.POST.get("offer", 0)))
        demand = queries.access_demand(request.user, int(request.POST.get("demand", 0)))
    except ValueError:
        offer = demand = None
    if offer is None or demand is None:
        messages.error(request, _("Chọn chào bán và nhu cầu mua để kết nối."))
        return redirect("market:board")
    session = request.POST.get("session_event_id", "").strip()
    try:
        connection = services.request_connection(
            actor=request.user, offer_id=offer.pk, demand_id=demand.pk, message=request.POST.get("message", ""),
            session_event_id=int(session) if session.isdigit() else None)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("market:demand_detail", pk=demand.pk)
    messages.success(request, _("Đã gửi đề nghị kết nối. Bên kia sẽ nhận được thông báo."))
    return redirect("market:connection_detail", pk=connection.pk)


@requires(SIGNED_IN)
def connection_list(request):
    rows = queries.connections_for(request.user)
    stage = request.GET.get("stage", "")
    if stage:
        rows = rows.filter(stage=stage)
    page = Paginator(rows, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "market/connection_list.html", {"page": page, "stage": stage,
                                                            "stages": Connection.Stage.choices})


@requires(SIGNED_IN)
def connection_detail(request, pk):
    connection = queries.access_connection(request.user, pk)
    side = queries.side_of(request.user, connection)
    deal = getattr(connection, "deal", None) if hasattr(connection, "deal") else None
    next_stages = [(v, l) for v, l in Connection.Stage.choices
                   if v in services.STAGE_ORDER and v not in (Connection.Stage.SIGNED,)
                   and services.STAGE_ORDER.index(v) > services.STAGE_ORDER.index(connection.stage)
                   ] if connection.stage in services.STAGE_ORDER and connection.stage != Connection.Stage.REQUESTED else []
    return render(request, "market/connection_detail.html", {
        "c": connection, "side": side, "deal": deal, "messages_list": connection.messages.select_related("author"),
        "message_form": forms.MessageForm(), "next_stages": next_stages,
        "can_accept": side is not None and connection.stage == Connection.Stage.REQUESTED
        and side != connection.initiated_by,
        "buyer": connection.demand.buyer, "organization": connection.offer.organization})


def _connection_action(request, pk, action):
    connection = queries.access_connection(request.user, pk)
    try:
        action(connection)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect("market:connection_detail", pk=connection.pk)


@requires(SIGNED_IN)
@require_POST
def connection_accept(request, pk):
    return _connection_action(request, pk, lambda c: (
        services.accept_connection(actor=request.user, connection_id=c.pk),
        messages.success(request, _("Đã đồng ý kết nối; hai bên thấy thông tin liên hệ của nhau."))))


@requires(SIGNED_IN)
@require_POST
def connection_stage(request, pk):
    return _connection_action(request, pk, lambda c: services.move_stage(
        actor=request.user, connection_id=c.pk, stage=request.POST.get("stage", ""), reason=request.POST.get("reason", "")))


@requires(SIGNED_IN)
@require_POST
def connection_message(request, pk):
    return _connection_action(request, pk, lambda c: services.send_message(
        actor=request.user, connection_id=c.pk, body=request.POST.get("body", "")))


@requires(SIGNED_IN)
@require_POST
def connection_reminder(request, pk):
    def act(c):
        field = forms.VietnameseDateField(label=_("Ngày nhắc"), required=False)
        try:
            day = field.clean(request.POST.get("remind_on", ""))
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        services.set_reminder(actor=request.user, connection_id=c.pk, remind_on=day, note=request.POST.get("note", ""))
    return _connection_action(request, pk, act)


# --- Contracts ----------------------------------------------------------------------------------------------------


@requires(SIGNED_IN)
def deal_create(request, pk):
    connection = queries.access_connection(request.user, pk)
    if queries.side_of(request.user, connection) is None:
        raise PermissionDenied(_("Chỉ hai bên của kết nối được ghi hợp đồng."))
    demand, offer = connection.demand, connection.offer
    form = forms.DealForm(request.POST or None, request.FILES or None, initial={
        "product_name": offer.name, "unit": demand.unit,
        "quantity": demand.quantity * matching.deliveries_in_period(demand.frequency, demand.starts_on, demand.ends_on),
        "unit_price": demand.price_max or offer.price_min or "",
        "starts_on": demand.starts_on.strftime("%d/%m/%Y"), "ends_on": demand.ends_on.strftime("%d/%m/%Y")})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if not (k == "file" and not v)}
        try:
            deal = services.record_deal(actor=request.user, connection_id=connection.pk, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Đã ghi nhận hợp đồng liên kết."))
            return redirect("market:deal_detail", pk=deal.pk)
    return render(request, "market/form.html", {"form": form, "title": _("Hợp đồng liên kết (Nghị định 98/2018/NĐ-CP)"),
                                                "multipart": True})


@requires(SIGNED_IN)
def deal_detail(request, pk):
    deal = queries.access_deal(request.user, pk)
    return render(request, "market/deal_detail.html", {
        "deal": deal, "totals": queries.deal_totals(deal), "delivery_form": forms.DeliveryForm(),
        "side": queries.side_of(request.user, deal.connection)})


@requires(SIGNED_IN)
def deal_docx(request, pk):
    from .contract import render_docx

    deal = queries.access_deal(request.user, pk)
    response = HttpResponse(render_docx(deal), content_type=(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
    response["Content-Disposition"] = f'attachment; filename="hop-dong-lien-ket-{deal.pk}.docx"'
    return response


@requires(SIGNED_IN)
@require_POST
def delivery_add(request, pk):
    deal = queries.access_deal(request.user, pk)
    form = forms.DeliveryForm(request.POST)
    if form.is_valid():
        try:
            services.record_delivery(actor=request.user, deal_id=deal.pk, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("Đã ghi nhận lần giao hàng."))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("market:deal_detail", pk=deal.pk)


@requires(SIGNED_IN)
def deal_apply(request, pk):
    """The cooperative turns its linkage contract into a support application (programs app)."""
    from htxconnect.programs import queries as program_queries
    from htxconnect.programs.models import SupportItem

    deal = queries.access_deal(request.user, pk)
    if queries.side_of(request.user, deal.connection) != "cooperative":
        raise PermissionDenied(_("Hợp tác xã của hợp đồng mới đề nghị hỗ trợ được."))
    items = SupportItem.objects.filter(policy__in=program_queries.scope_policies(request.user).filter(is_active=True)
                                       ).select_related("policy").order_by("-policy__number", "code")
    form = forms.SupportForm(request.POST or None, items=items)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.apply_for_support(actor=request.user, deal_id=deal.pk, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Đã lập hồ sơ đề nghị hỗ trợ (nháp) từ hợp đồng liên kết."))
            return redirect("programs:application_detail", pk=application.pk)
    return render(request, "market/form.html", {"form": form, "title": _("Đề nghị hỗ trợ liên kết (Nghị định 98/2018)")})


# --- Vocabulary and statistics ------------------------------------------------------------------------------------


@requires(STAFF)
def vocabulary(request):
    form = forms.TermForm(request.POST or None)
    if request.method == "POST":
        if not queries.can_edit_vocabulary(request.user):
            raise PermissionDenied(_("Chỉ cán bộ được sửa từ điển sản phẩm."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data.get("concept"):
                    services.add_term(actor=request.user, concept=data["concept"], term=data["term"],
                                      region=data.get("region", ""))
                else:
                    from django.utils.text import slugify

                    from htxconnect.core.text import fold

                    services.add_concept(actor=request.user, key=slugify(fold(data["new_concept"]))[:60],
                                         name=data["new_concept"], category=data.get("category") or "other",
                                         terms=[(data["new_concept"], ""), (data["term"], data.get("region", ""))]
                                         if fold(data["term"]) != fold(data["new_concept"]) else [(data["term"], "")])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Đã thêm tên gọi “%(t)s”.") % {"t": data["term"]})
                return redirect("market:vocabulary")
    concepts = ProductConcept.objects.prefetch_related("terms").order_by("category", "name")
    return render(request, "market/vocabulary.html", {
        "concepts": concepts, "form": form, "can_edit": queries.can_edit_vocabulary(request.user),
        "terms": ProductTerm.objects.count()})


@requires(AGENCY_STAFF)
def stats(request):
    return render(request, "market/stats.html", {"s": queries.statistics(request.user)})
