"""Who may read the registry's private files (core.private_files): whoever may see the
organisation the record belongs to (queries.can_view_organization) — the province's staff,
administrators, the organisation's own people. An IP title is also read by the organisations
granted its use (their OCOP re-rating dossier reuses it: queries.reusable_documents)."""

from htxconnect.core.private_files import register

from . import queries
from .models import Certification, IPRight, OcopRating, Organization, Product


def _may_read(user, obj) -> bool:
    return queries.can_view_organization(user, queries.organization_of(obj))


def _may_read_ip(user, right: IPRight) -> bool:
    return _may_read(user, right) or any(queries.can_view_organization(user, grant.grantee)
                                         for grant in right.grants.select_related("grantee"))


for model in (Organization, Product, Certification, IPRight, OcopRating):
    register("registry/verification/", model, "verification_document", may_read=_may_read)
register("registry/certifications/", Certification, "document", may_read=_may_read)
register("registry/ip/", IPRight, "document", may_read=_may_read_ip)
register("registry/ocop/", OcopRating, "document", may_read=_may_read)
