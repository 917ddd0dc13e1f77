"""A URLconf for one test: a one-segment page of 10+ characters beside the resolver's URLs."""

from django.http import HttpResponse
from django.urls import include, path

from htxconnect.core.permissions import public


@public
def page(request):
    return HttpResponse("ok")


urlpatterns = [
    path("cooperatives/", page, name="cooperatives"),
    path("", include("htxconnect.resolver.urls")),
]
