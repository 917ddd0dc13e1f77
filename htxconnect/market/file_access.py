"""Who may read the market's private files (core.private_files): a deal's signed contract is for
the two sides of its connection and their officers (queries.access_deal)."""

from htxconnect.core.private_files import granted, register

from . import queries
from .models import Deal

register("market/deals/", Deal, "file", may_read=lambda user, deal: granted(queries.access_deal, user, deal.pk))
