"""Links to certificates, feedback and contests on the event page and the ticket page (inclusion
tags, so those pages' views need not know about them)."""

from __future__ import annotations

from django import template

from htxconnect.events import feedback, queries
from htxconnect.events.models import EventKind
from htxconnect.events.models_followup import Certificate, Contest, FeedbackResponse

register = template.Library()


@register.inclusion_tag("events/_followup_event.html", takes_context=True)
def followup_event(context, event):
    user = context["request"].user
    contest = Contest.objects.filter(event=event).first() if event.kind == EventKind.CONTEST else None
    return {"event": event, "contest": contest, "staff": queries.can_see_registrations(user, event),
            "manage": queries.can_manage(user, event),
            "can_submit": (event.kind == EventKind.CONTEST and user.is_authenticated
                           and bool(queries.managed_ids(user, managers_only=True)))}


@register.inclusion_tag("events/_followup_ticket.html")
def followup_ticket(registration):
    certificate = Certificate.objects.filter(registration=registration, revoked_at__isnull=True).first()
    survey = None
    if feedback.why_not(registration) is None and not FeedbackResponse.objects.filter(
            registration=registration).exists():
        survey = feedback.feedback_path(registration)
    return {"certificate": certificate, "survey": survey}
