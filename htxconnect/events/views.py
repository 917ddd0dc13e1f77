"""Events pages: thin views over queries (reads) and services (writes). Public pages (the list,
an event, the registration form, the ticket, the calendar and its feed) need no account; the
registration form is throttled per address instead of a captcha."""

from __future__ import annotations

import calendar
import datetime
import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from htxconnect.accounts import throttle
from htxconnect.core.db_router import use_replica
from htxconnect.core.permissions import AGENCY_STAFF, COOPERATIVE, OFFICER_OR_ADMIN, public, requires
from htxconnect.core.ratelimit import limit_public_posts
from htxconnect.core.request_context import client_ip_from
from htxconnect.programs import queries as program_queries
from htxconnect.registry.importer import filecheck

from . import feeds, forms, importer, indicators, queries, services, tickets
from .models import Attendance, Event, Registration

REGISTER_LIMIT = 10  # registrations per address per hour (a family or an office shares one)
REGISTER_WINDOW = 3600


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Lists, calendar, feed -----------------------------------------------------------------------------------


@public
@use_replica
def event_list(request):
    year = _int(request.GET.get("year"))
    kind = request.GET.get("kind", "")
    events = queries.list_events(request.user, kind=kind, year=year, program=_int(request.GET.get("program")),
                                 q=request.GET.get("q", ""))
    page = Paginator(events, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "events/event_list.html", {
        "page": page, "kinds": forms.KIND_CHOICES, "kind": kind, "year": year or "", "q": request.GET.get("q", ""),
        "can_create": queries.can_create(request.user)})


@public
@use_replica
def event_calendar(request):
    today = timezone.localdate()
    year, month = _int(request.GET.get("y")) or today.year, _int(request.GET.get("m")) or today.month
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Http404
    first = datetime.date(year, month, 1)
    last = datetime.date(year, month, calendar.monthrange(year, month)[1])
    events = list(queries.calendar_events(request.user, first, last))
    days = []
    for day in range(1, last.day + 1):
        date = datetime.date(year, month, day)
        found = [e for e in events if e.starts_on <= date <= e.ends_on]
        if found:
            days.append((date, found))
    previous, following = first - datetime.timedelta(days=1), last + datetime.timedelta(days=1)
    return render(request, "events/calendar.html", {
        "first": first, "days": days, "previous": previous, "following": following,
        "feed_url": request.build_absolute_uri(reverse("events:feed"))})


@public
@use_replica
def feed(request):
    """iCalendar feed of the published events (subscribe from a phone's calendar)."""
    events = queries.calendar_events(None, timezone.localdate() - datetime.timedelta(days=365),
                                     timezone.localdate() + datetime.timedelta(days=730))
    response = HttpResponse(feeds.calendar(events, request), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="htxconnect-su-kien.ics"'
    return response


@public
@use_replica
def event_ics(request, pk):
    event = queries.access_event(request.user, pk)
    response = HttpResponse(feeds.calendar([event], request), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="su-kien-{event.pk}.ics"'
    return response


# --- One event ---------------------------------------------------------------------------------------------


@public
@use_replica
def event_detail(request, pk):
    event = queries.access_event(request.user, pk)
    user = request.user
    context = {"event": event, "sessions": list(event.sessions.all()), "materials": list(event.materials.all()),
               "can_manage": queries.can_manage(user, event), "registration_closed": services.registration_open(event),
               "meetings": list(queries.meetings_of(event))}
    if queries.can_see_registrations(user, event):
        counts = queries.event_counts(event)
        per_session = queries.session_attendance(event)
        context.update({
            "staff_view": True, "counts": counts, "registrations": list(queries.registrations_of(event)[:500]),
            "session_counts": [(s, per_session.get(s.pk, 0)) for s in context["sessions"]],
            "conflicts": queries.conflicts(event), "cancel_form": forms.CancelForm(),
            "material_form": forms.MaterialForm(), "meeting_form": forms.MeetingForm(),
            "session_form": forms.SessionForm()})
    elif user.is_authenticated and (mine := queries.managed_ids(user)):
        context["own_registrations"] = list(event.registrations.filter(organization_id__in=mine)
                                            .select_related("organization"))
    context["can_register_members"] = bool(queries.manager_organizations(user)) if user.is_authenticated else False
    return render(request, "events/event_detail.html", context)


@requires(OFFICER_OR_ADMIN)
def event_create(request):
    programs = program_queries.scope_programs(request.user)
    form = forms.EventForm(request.POST or None, programs=programs)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Đã tạo sự kiện (nháp). Kiểm tra rồi bấm “Công bố”."))
            return redirect("events:event_detail", pk=event.pk)
    return render(request, "events/event_form.html", {"form": form})


@requires(OFFICER_OR_ADMIN)
def event_edit(request, pk):
    event = queries.access_managed_event(request.user, pk)
    programs = program_queries.scope_programs(request.user)
    form = forms.EventForm(request.POST or None, instance=event, programs=programs)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_event(actor=request.user, event_id=event.pk,
                                  **{k: v for k, v in form.cleaned_data.items()})
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Đã lưu."))
            return redirect("events:event_detail", pk=event.pk)
    return render(request, "events/event_form.html", {"form": form, "event": event})


@requires(OFFICER_OR_ADMIN)
@require_POST
def event_status(request, pk):
    event = queries.access_managed_event(request.user, pk)
    action = request.POST.get("action")
    try:
        if action == "publish":
            services.publish_event(actor=request.user, event_id=event.pk)
        elif action == "close":
            services.close_event(actor=request.user, event_id=event.pk)
        elif action == "cancel":
            services.cancel_event(actor=request.user, event_id=event.pk, reason=request.POST.get("cancel_reason", ""))
        else:
            raise ValidationError(_("Thao tác không hợp lệ."))
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("Đã cập nhật trạng thái sự kiện."))
    return redirect("events:event_detail", pk=event.pk)


@requires(OFFICER_OR_ADMIN)
@require_POST
def material_add(request, pk):
    event = queries.access_managed_event(request.user, pk)
    form = forms.MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_material(actor=request.user, event=event, **form.cleaned_data)
            messages.success(request, _("Đã thêm tài liệu."))
        except ValidationError as error:
            messages.error(request, _errors(error))
    else:
        messages.error(request, _("Chọn tên và tệp tài liệu."))
    return redirect("events:event_detail", pk=event.pk)


@requires(OFFICER_OR_ADMIN)
@require_POST
def session_add(request, pk):
    event = queries.access_managed_event(request.user, pk)
    form = forms.SessionForm(request.POST)
    if form.is_valid():
        try:
            services.add_session(actor=request.user, event=event, **form.cleaned_data)
            messages.success(request, _("Đã thêm buổi."))
        except ValidationError as error:
            messages.error(request, _errors(error))
    else:
        messages.error(request, _("Nhập giờ bắt đầu và kết thúc của buổi."))
    return redirect("events:event_detail", pk=event.pk)


@requires(OFFICER_OR_ADMIN)
@require_POST
def meeting_add(request, pk):
    event = queries.access_managed_event(request.user, pk)
    form = forms.MeetingForm(request.POST)
    if form.is_valid():
        try:
            services.record_meeting(actor=request.user, event=event, **form.cleaned_data)
            messages.success(request, _("Đã ghi nhận kết nối."))
        except ValidationError as error:
            messages.error(request, _errors(error))
    else:
        messages.error(request, _("Chọn HTX và bên mua."))
    return redirect("events:event_detail", pk=event.pk)


# --- Registration --------------------------------------------------------------------------------------------


@public
@limit_public_posts("event-register")
def register(request, pk):
    """The public form (no account): throttled per address, consent recorded, a ticket mailed."""
    event = queries.access_event(request.user, pk)
    form = forms.RegistrationForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        lockout = throttle.count_request("event-register", client_ip_from(request), limit=REGISTER_LIMIT,
                                         window=REGISTER_WINDOW)
        if lockout is not None:
            form.add_error(None, _("Quá nhiều lượt đăng ký từ địa chỉ này; hãy thử lại sau %(m)s phút. "
                                   "Too many registrations from this address; try again later.") % {
                "m": max(1, lockout.seconds_left // 60)})
            status = 429
        else:
            data = form.cleaned_data
            try:
                registration = services.register(
                    actor=request.user, event_id=event.pk,
                    consent=data["consent"], registrant=services.Registrant(
                        data["full_name"], data["phone"], data["email"], organization_name=data["organization_name"]))
            except ValidationError as error:
                form.add_error(None, _errors(error))
                status = 400
            else:
                return redirect("events:ticket", token=tickets.ticket_token(registration))
    return render(request, "events/register.html", {"event": event, "form": form,
                                                    "closed": services.registration_open(event)}, status=status)


@public
@limit_public_posts("event-ticket")
def ticket(request, token):
    """The person's ticket, openable on a phone: the QR code (inline SVG, so it shows offline too)."""
    try:
        pk, nonce = tickets.parse_ticket(token)
    except tickets.BadTicket:
        raise Http404
    registration = Registration.objects.select_related("event", "organization").filter(pk=pk).first()
    if registration is None or registration.ticket_nonce != nonce:
        raise Http404
    if request.method == "POST" and request.POST.get("action") == "cancel":
        services.cancel_registration(actor=request.user, registration_id=registration.pk, by_ticket=True)
        messages.success(request, _("Đã hủy đăng ký. Your registration is cancelled."))
        return redirect("events:ticket", token=token)
    url = request.build_absolute_uri(reverse("events:ticket", args=[token]))
    attended = list(Attendance.objects.filter(registration=registration).select_related("session"))
    return render(request, "events/ticket.html", {
        "r": registration, "event": registration.event, "qr": tickets.qr_svg(url), "token": token,
        "attended": attended})


@requires(COOPERATIVE)
def register_members(request, pk):
    event = queries.access_event(request.user, pk)
    organizations = queries.manager_organizations(request.user)
    if not organizations and not queries.is_admin(request.user):
        raise PermissionDenied(_("Chỉ người quản lý HTX đăng ký cho thành viên."))
    form = forms.MembersForm(request.POST or None, organizations=organizations)
    results = None
    if request.method == "POST" and form.is_valid():
        try:
            results = services.register_members(
                actor=request.user, event_id=event.pk, organization=form.cleaned_data["organization"],
                consent=form.cleaned_data["consent"],
                registrants=[services.Registrant(n, p, e) for n, p, e in form.cleaned_data["members"]])
        except ValidationError as error:
            form.add_error(None, _errors(error))
    return render(request, "events/members.html", {"event": event, "form": form, "results": results,
                                                   "closed": services.registration_open(event)})


@requires(COOPERATIVE)
@require_POST
def registration_cancel(request, pk):
    registration = queries.access_registration(request.user, pk)
    try:
        services.cancel_registration(actor=request.user, registration_id=registration.pk)
        messages.success(request, _("Đã hủy đăng ký của %(n)s.") % {"n": registration.full_name})
    except PermissionDenied:
        raise
    return redirect("events:event_detail", pk=registration.event_id)


@requires(OFFICER_OR_ADMIN)
@require_POST
def registration_reissue(request, pk):
    """A new ticket (the old one stops working), mailed to the person."""
    registration = queries.access_registration(request.user, pk)
    services.reissue_ticket(actor=request.user, registration_id=registration.pk)
    messages.success(request, _("Đã cấp lại vé cho %(n)s; vé cũ không còn giá trị.") % {"n": registration.full_name})
    return redirect("events:event_detail", pk=registration.event_id)


@requires(OFFICER_OR_ADMIN)
@require_POST
def registration_erase(request, pk):
    registration = queries.access_registration(request.user, pk)
    services.erase_registration(actor=request.user, registration_id=registration.pk)
    messages.success(request, _("Đã xóa dữ liệu cá nhân của người đăng ký."))
    return redirect("events:event_detail", pk=registration.event_id)


@requires(OFFICER_OR_ADMIN)
def registration_import(request, pk):
    """Upload → preview with every bad row explained → confirm (good rows, all or none)."""
    event = queries.access_managed_event(request.user, pk)
    key = f"events-import-{event.pk}"
    form = forms.ImportForm()
    rows = importer.from_session(request.session.get(key))
    if request.method == "POST" and request.POST.get("step") == "confirm":
        try:
            created = services.import_registrations(actor=request.user, event_id=event.pk, rows=rows,
                                                    consent=bool(request.POST.get("consent")))
        except ValidationError as error:
            messages.error(request, _errors(error))
        else:
            request.session.pop(key, None)
            messages.success(request, _("Đã nhập %(n)s người.") % {"n": len(created)})
            return redirect("events:event_detail", pk=event.pk)
    elif request.method == "POST":
        form = forms.ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                rows = importer.read(form.cleaned_data["file"], event)
                request.session[key] = importer.to_session(rows)
            except filecheck.FileRefused as refused:
                form.add_error("file", refused.message)
                rows = []
    return render(request, "events/import.html", {
        "event": event, "form": form, "rows": rows, "good": sum(1 for r in rows if r.ok),
        "bad": sum(1 for r in rows if not r.ok)})


# --- Check-in ------------------------------------------------------------------------------------------------


def _checkin_event(request, pk) -> Event:
    event = queries.access_event(request.user, pk)
    if not queries.can_check_in(request.user, event):
        raise PermissionDenied(_("Chỉ cán bộ của cơ quan tổ chức được điểm danh."))
    return event


@requires(OFFICER_OR_ADMIN)
def checkin(request, pk):
    """The phone page: camera + manual search; works offline (service worker + IndexedDB queue)."""
    event = _checkin_event(request, pk)
    sessions = list(event.sessions.all())
    current = queries.current_session(sessions) if sessions else None
    response = render(request, "events/checkin.html", {
        "event": event, "sessions": sessions, "current": current,
        "roster_url": reverse("events:checkin_roster", args=[event.pk]),
        "sync_url": reverse("events:checkin_sync", args=[event.pk])})
    # qr-scanner decodes in a Web Worker it starts from a blob: URL (where the browser has no
    # BarcodeDetector); only this page allows that, and the camera.
    response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY + "; worker-src 'self' blob:"
    response["Permissions-Policy"] = "camera=(self)"
    return response


@requires(OFFICER_OR_ADMIN)
def checkin_roster(request, pk):
    """The roster a device keeps for offline check-in, signed for that device: no phone, e-mail or
    ticket in it, only each ticket's hash."""
    from django.core import signing

    event = _checkin_event(request, pk)
    device = (request.GET.get("device") or "")[:64]
    if not device:
        return JsonResponse({"error": _("Thiếu mã thiết bị.")}, status=400)
    people = queries.roster(event)
    payload = {"event": event.pk, "device": device, "at": timezone.now().isoformat(), "count": len(people)}
    return JsonResponse({
        "event": {"id": event.pk, "title": event.title},
        "sessions": [{"id": s.pk, "number": s.number, "label": str(s),
                      "date": timezone.localtime(s.starts_at).strftime("%d/%m/%Y")} for s in event.sessions.all()],
        "people": people,
        "signature": signing.dumps(payload, salt=f"htxconnect.events.roster:{request.user.pk}"),
    }, json_dumps_params={"ensure_ascii": False})


@requires(OFFICER_OR_ADMIN)
@require_POST
def checkin_sync(request, pk):
    """Receive check-ins (one, or a device's offline queue): each answered by its client id, never
    recorded twice. Body: {"device": "...", "items": [{"id", "session", "token" | "registration",
    "at", "offline"}]}."""
    event = _checkin_event(request, pk)
    try:
        body = json.loads(request.body or b"{}")
        items = body["items"]
        assert isinstance(items, list) and len(items) <= 1000
    except (ValueError, KeyError, AssertionError):
        return JsonResponse({"error": _("Dữ liệu gửi lên không đúng dạng.")}, status=400)
    device = str(body.get("device", ""))[:64]
    answers = []
    for item in items:
        if not isinstance(item, dict):  # answered, never dropped: the device shows why
            answers.append({"id": None, "result": "refused",
                            "message": _("Mục điểm danh không đúng dạng (cần một đối tượng JSON).")})
            continue
        at = parse_datetime(str(item.get("at") or "")) or None
        if at is not None and timezone.is_naive(at):
            at = timezone.make_aware(at)
        try:
            outcome = services.check_in(
                actor=request.user, event_id=event.pk, session_id=_int(item.get("session")),
                token=str(item.get("token") or ""), registration_id=_int(item.get("registration")),
                client_id=str(item.get("id") or "")[:64], device=device, scanned_at=at,
                offline=bool(item.get("offline")))
        except Http404 as error:
            answers.append({"id": item.get("id"), "result": "refused", "message": str(error)})
            continue
        r = outcome.registration
        answers.append({"id": item.get("id"), "result": outcome.result, "message": outcome.message,
                        "conflict": outcome.conflict, "registration": r.pk if r else None,
                        "name": r.full_name if r else "", "org": r.organization_label if r else ""})
    return JsonResponse({"results": answers}, json_dumps_params={"ensure_ascii": False})


@public
def service_worker(request):
    """The check-in pages' service worker, served from /events/ so that its scope covers them."""
    from django.template.loader import render_to_string

    response = HttpResponse(render_to_string("events/checkin-sw.js", {"static": settings.STATIC_URL}),
                            content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/events/"
    response["Cache-Control"] = "no-cache"
    return response


# --- Counting -------------------------------------------------------------------------------------------------


@requires(AGENCY_STAFF)
def attendance_stats(request):
    """Person-times and unique people per year, per program and per content group."""
    programs = list(program_queries.scope_programs(request.user).prefetch_related("groups"))
    program = next((p for p in programs if p.pk == _int(request.GET.get("program"))), programs[0] if programs else None)
    rows, groups = [], []
    if program is not None:
        rows = indicators.by_year(program_id=program.pk)
        groups = [(g, indicators.by_year(group_id=g.pk)) for g in program.groups.all()]
    return render(request, "events/stats.html", {"programs": programs, "program": program, "rows": rows,
                                                 "groups": groups})
