"""Audit action types of core: private files downloaded through their permission check
(core.private_files; exports and personal documents are audited, see core.audit)."""

from django.utils.translation import gettext_lazy as _

from htxconnect.core.audit import action

FILE_DOWNLOADED = action("core.file.downloaded", _("Tải tệp riêng tư"))
