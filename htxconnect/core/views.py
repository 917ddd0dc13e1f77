"""Pages shared by the whole site: home, language switch, audit log and the error pages."""

import logging

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from django.views.i18n import set_language as django_set_language

from . import queries
from .forms import AuditFilterForm
from .permissions import LEADER_OR_ADMIN, PUBLIC, public, requires, sees_all_agencies  # noqa: F401
from .redirects import is_safe_target

security_log = logging.getLogger("htxconnect.security")


# What `/` shows an anonymous visitor. `core` sits below every app, so the app that owns that page
# registers it from its AppConfig.ready() (accounts: the login form) instead of core importing it.
_anonymous_home = None


def register_anonymous_home(view) -> None:
    """Make `view(request)` the page `/` shows to anonymous visitors (the last app to call wins)."""
    global _anonymous_home
    _anonymous_home = view


@public
def home(request):
    if not request.user.is_authenticated:
        if _anonymous_home is None:  # no app registered a public home page
            return redirect_to_login(request.get_full_path())
        return _anonymous_home(request)
    return render(request, "core/home.html", {"cards": queries.home_cards(request.user)})


# Public pages (scan page, directory) are cached without per-visitor tokens, so the language
# switch they carry cannot hold a CSRF token; a forged switch only changes the display language.
# See docs/decisions/0004-base-ui-and-language-switch.md.
@csrf_exempt
@public
def set_language(request):
    """The language switch of public pages (POST with `language` and `next`)."""
    if request.method != "POST":
        return redirect("/")
    return django_set_language(request)


@requires(LEADER_OR_ADMIN)
@require_safe  # read-only: entries are never changed through the application
def audit_log(request):
    """The audit log: administrators see every entry, leaders those of their agency and province."""
    visible = queries.audit_entries_visible_to(request.user)
    filtering = any(request.GET.get(name) for name in AuditFilterForm.base_fields)  # not just ?page=
    form = AuditFilterForm(request.GET if filtering else None, object_types=queries.audit_object_types(visible),
                           actions=queries.audit_action_choices())
    filters = form.valid_filters() if form.is_bound else {}
    entries = queries.filter_audit_entries(visible, **filters)
    page = Paginator(entries, queries.AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    show_agency = sees_all_agencies(request.user)  # a leader's entries are all their agency's
    context = {
        "form": form,
        "page": page,
        "rows": queries.audit_rows(page.object_list, with_agency=show_agency),
        "querystring": urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v]),
        "show_agency": show_agency,
        "breadcrumbs": [(_("Nhật ký thay đổi"), "")],
    }
    return render(request, "core/audit_log.html", context)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No context processors that touch the database: the error may be the database itself.
    import sys

    from django.template import loader

    from . import unavailable

    if unavailable.is_database_unavailable(sys.exc_info()[1]):  # handler500 runs inside the except
        return unavailable.response_for(request)
    return _plain_response(loader.get_template("errors/500.html").render({}), 500)


def csrf_failure(request, reason=""):
    security_log.warning("CSRF failure: path=%s reason=%s", request.path, reason)
    referer = request.headers.get("Referer", "")
    back_url = referer if is_safe_target(request, referer) else ""
    return render(request, "errors/403_csrf.html", {"back_url": back_url}, status=403)


def _plain_response(body, status):
    from django.http import HttpResponse

    return HttpResponse(body, status=status)
