"""Who may read the resolver's private files (core.private_files): a label sheet is for those who
may open its print run (queries.access_print_run)."""

from htxconnect.core.private_files import granted, register

from . import queries
from .models import PrintRun

register("resolver/labels/", PrintRun, "pdf", may_read=lambda user, run: granted(queries.access_print_run, user, run.pk))
