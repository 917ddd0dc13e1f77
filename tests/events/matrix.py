"""Authorization-matrix entries of the events' URLs (merged into tests/test_authorization_matrix.py).

Real objects of the home agency (province 79): a published course a month ahead with a
registration of `world.org`'s member (its ticket opens the public ticket page) and a draft workshop
(other agencies' staff, cooperatives and visitors do not learn it exists). Cancelling takes a fresh
registration per person.
"""

from __future__ import annotations

import datetime

from tests.world import WHO, everyone
from htxconnect.core.actors import SYSTEM


def _answers(**by_who):
    default = by_who.pop("default")
    return {who: by_who.get(who, default) for who in WHO}


def events_samples(world, samples) -> dict:
    from django.utils import timezone

    from htxconnect.accounts.models import Agency
    from htxconnect.events import services, tickets
    from htxconnect.events.models import Event

    home = Agency.objects.get(province_code="79")
    published = Event.objects.filter(title="Lớp ma trận").first()
    if published is None:
        start = timezone.localdate() + datetime.timedelta(days=30)
        published = services.create_event(actor=SYSTEM, agency=home, kind="course", title="Lớp ma trận",
                                          starts_on=start, ends_on=start, venue="Hội trường", capacity=None)
        services.publish_event(actor=SYSTEM, event_id=published.pk)
        services.create_event(actor=SYSTEM, agency=home, kind="workshop", title="Hội thảo nháp ma trận",
                              starts_on=start, ends_on=start, venue="Hội trường")
    draft = Event.objects.get(title="Hội thảo nháp ma trận")
    registration = published.registrations.filter(full_name="Người ma trận").first() or services.register(
        actor=SYSTEM, event_id=published.pk, consent=True,
        registrant=services.Registrant("Người ma trận", "0900000999", organization=world.org))
    return {"published_event": published.pk, "draft_event": draft.pk, "registration": registration.pk,
            "ticket": tickets.ticket_token(registration)}


def fresh_registration(world, samples):
    from htxconnect.events import services

    n = fresh_registration.count = getattr(fresh_registration, "count", 0) + 1
    registration = services.register(
        actor=SYSTEM, event_id=samples["published_event"], consent=True,
        registrant=services.Registrant(f"Người hủy {n}", f"09100{n:05d}", organization=world.org))
    return samples.fresh(registration=registration.pk)


HOME_STAFF = _answers(default=404, anonymous=404, admin=200, leader=200, officer=200, officer_teammate=200)
HOME_OFFICERS = _answers(default=403, anonymous="login", admin=200, officer=200, officer_teammate=200,
                         other_officer=404)
HOME_OFFICERS_POST = {who: (302 if code == 200 else code) for who, code in HOME_OFFICERS.items()}
AGENCY_STAFF = _answers(default=403, anonymous="login", admin=200, leader=200, officer=200, officer_teammate=200,
                        other_officer=200, other_leader=200)
# A registration of the home agency's event: its officers act; leaders may not (403 by role); the
# other agency's officer does not learn it exists.
REGISTRATION_OFFICERS = _answers(default=403, anonymous="login", admin=302, officer=302, officer_teammate=302,
                                 other_officer=404)
OFFICERS = _answers(default=403, anonymous="login", admin=200, officer=200, officer_teammate=200, other_officer=200)


def events_matrix() -> dict:
    from tests.test_authorization_matrix import Case

    draft = lambda tail: (lambda s: f"/events/{s['draft_event']}/{tail}")  # noqa: E731
    return {
        "events:event_list": Case("/events/", everyone(200)),
        "events:calendar": Case("/events/calendar/", everyone(200)),
        "events:feed": Case("/events/calendar.ics", everyone(200)),
        "events:service_worker": Case("/events/checkin-sw.js", everyone(200)),
        "events:stats": Case("/events/stats/", AGENCY_STAFF),
        "events:event_create": Case("/events/new/", OFFICERS),
        "events:ticket": Case(lambda s: f"/events/t/{s['ticket']}/", everyone(200)),
        "events:event_detail": Case(draft(""), HOME_STAFF),
        "events:event_ics": Case(draft("event.ics"), HOME_STAFF),
        # The public form of a draft: its staff see it (closed to registration), nobody else learns it exists.
        "events:register": Case(draft("register/"), HOME_STAFF),
        "events:event_edit": Case(draft("edit/"), HOME_OFFICERS),
        # An unknown action: those who may change the event are sent back with the refusal.
        "events:event_status": Case(draft("status/"), HOME_OFFICERS_POST, method="post", data={"action": "x"}),
        "events:material_add": Case(draft("materials/"), HOME_OFFICERS_POST, method="post"),
        "events:meeting_add": Case(draft("meetings/"), HOME_OFFICERS_POST, method="post"),
        "events:session_add": Case(draft("sessions/"), HOME_OFFICERS_POST, method="post"),
        "events:registration_import": Case(draft("import/"), HOME_OFFICERS),
        "events:checkin": Case(draft("checkin/"), HOME_OFFICERS),
        "events:checkin_roster": Case(lambda s: f"/events/{s['draft_event']}/checkin/roster/?device=m", HOME_OFFICERS),
        "events:checkin_sync": Case(draft("checkin/sync/"), HOME_OFFICERS, method="post",
                                    data={"device": "m", "items": []}, content_type="application/json"),
        # Cooperative managers register their own members (any cooperative's manager for a published event).
        "events:register_members": Case(lambda s: f"/events/{s['published_event']}/members/",
                                        _answers(default=403, anonymous="login", admin=200, coop_manager=200,
                                                 coop_outsider=200)),
        # The registration of world.org's member: the organiser's officers and the cooperative's manager cancel it.
        "events:registration_cancel": Case(
            lambda s: f"/events/registrations/{s['registration']}/cancel/",
            _answers(default=404, anonymous="login", admin=302, leader=403, officer=302, officer_teammate=302,
                     coop_manager=302, coop_member=403, buyer=403), method="post",
            fresh=fresh_registration),
        # Officers of the organiser: a new ticket, or the person's data erased at their request.
        "events:registration_reissue": Case(lambda s: f"/events/registrations/{s['registration']}/reissue/",
                                            REGISTRATION_OFFICERS, method="post"),
        "events:registration_erase": Case(lambda s: f"/events/registrations/{s['registration']}/erase/",
                                          REGISTRATION_OFFICERS, method="post", fresh=fresh_registration),
    }
