"""Who may read the programs' private files (core.private_files): each through the access rule
of the record that holds it (queries.access_*)."""

from htxconnect.core.private_files import granted, register

from . import queries
from .models import ApplicationDocument, Policy, ScienceTask, Support


def _may_read_policy(user, policy: Policy) -> bool:
    # A policy in force is on the public portal's library (queries.public_policies): its text is a
    # public legal document. One withdrawn is for those who may still open it.
    return (queries.public_policies().filter(pk=policy.pk).exists()
            or granted(queries.access_policy, user, policy.pk))


register("programs/applications/", ApplicationDocument, "file",
         may_read=lambda user, doc: granted(queries.access_application, user, doc.application_id))
register("programs/supports/", Support, "document",
         may_read=lambda user, support: granted(queries.access_support, user, support.pk))
register("programs/tasks/", ScienceTask, "document",
         may_read=lambda user, task: granted(queries.access_task, user, task.pk))
register("programs/policies/", Policy, "document", may_read=_may_read_policy, audited=False)
