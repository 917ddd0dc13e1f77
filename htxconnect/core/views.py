"""Pages shared by the whole site: home, language switch and the error pages."""

import logging

from django.shortcuts import redirect, render
from django.views.i18n import set_language as django_set_language

from .permissions import PUBLIC, public, requires  # noqa: F401

security_log = logging.getLogger("htxconnect.security")


@public
def home(request):
    if not request.user.is_authenticated:
        from htxconnect.accounts.views import login_view

        return login_view(request)
    return render(request, "core/home.html")


@public
def set_language(request):
    """The language switch of public pages (POST with `language` and `next`)."""
    if request.method != "POST":
        return redirect("/")
    return django_set_language(request)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No context processors that touch the database: the error may be the database itself.
    from django.template import loader

    return _plain_response(loader.get_template("errors/500.html").render({}), 500)


def csrf_failure(request, reason=""):
    security_log.warning("CSRF failure: path=%s reason=%s", request.path, reason)
    return render(request, "errors/403_csrf.html", status=403)


def _plain_response(body, status):
    from django.http import HttpResponse

    return HttpResponse(body, status=status)
