"""A test-only API built the way app routers are, to exercise auth and error answers."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.urls import include, path
from ninja import Field, NinjaAPI, Router, Schema

from htxconnect.accounts.models import ApiKey
from htxconnect.api import errors
from htxconnect.api.auth import API_AUTH
from htxconnect.core.permissions import ADMIN, STAFF, require_rule

router = Router()


class ItemIn(Schema):
    name: str = Field(min_length=3)
    quantity: int = Field(ge=1)


@router.post("/items")
def create_item(request, payload: ItemIn):
    user = require_rule(request, STAFF)
    return {"name": payload.name, "quantity": payload.quantity, "by": user.username}


@router.get("/admin-only")
def admin_only(request):
    require_rule(request, ADMIN)
    return {"ok": True}


@router.get("/keys/{key_id}")
def get_key(request, key_id: int):
    return {"prefix": get_object_or_404(ApiKey, pk=key_id).prefix}


@router.get("/denied")
def denied(request):
    raise PermissionDenied("object rule")


@router.post("/service-invalid")
def service_invalid(request):
    raise ValidationError({"tax_code": ["Mã số thuế phải có 10 chữ số."], "__all__": ["Hồ sơ chưa đủ."]})


@router.get("/open", auth=None)
def open_endpoint(request):
    return {"ok": True}


@router.get("/boom", auth=None)
def boom(request):
    raise RuntimeError("kaboom")


probe = NinjaAPI(urls_namespace="probe", auth=API_AUTH, docs_url=None, openapi_url=None)
errors.install(probe)
probe.add_router("/", router)

urlpatterns = [
    path("probe/", probe.urls),
    path("", include("htxconnect.urls")),
]
