"""Who may read the events' private files (core.private_files). An event's materials are listed on
its page for whoever may see the event (anonymous visitors of a published one too); a contest
entry's files are for the organiser agency's staff, the judges and the submitting cooperative."""

from htxconnect.core.private_files import granted, register

from . import queries
from .models import Material
from .models_followup import SubmissionFile

register("events/materials/", Material, "file", audited=False,
         may_read=lambda user, material: granted(queries.access_event, user, material.event_id))
register("events/contests/", SubmissionFile, "file",
         may_read=lambda user, attached: granted(queries.access_submission, user, attached.submission_id),
         filename=lambda attached: attached.original_name)
