"""Audit entries are append-only: neither an instance nor a queryset can change or remove them."""

import pytest

from htxconnect.core import audit
from htxconnect.core.actors import SYSTEM
from htxconnect.core.models import AuditEntry
from htxconnect.registry.audit_actions import ORGANIZATION_CREATED

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    return audit.record(ORGANIZATION_CREATED, actor=SYSTEM, object_repr="HTX Phước Thành", changes={"name": [None, "HTX Phước Thành"]})


def test_an_entry_cannot_be_saved_again(entry):
    entry.object_repr = "đã sửa"
    with pytest.raises(PermissionError):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).object_repr == "HTX Phước Thành"


def test_an_entry_cannot_be_deleted(entry):
    with pytest.raises(PermissionError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_queryset_refuses_update(entry):
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(object_repr="đã sửa")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().update(action="x")
    assert AuditEntry.objects.get(pk=entry.pk).object_repr == "HTX Phước Thành"


def test_the_queryset_refuses_delete(entry):
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == 1


def test_the_audit_log_page_offers_no_way_to_change_entries(clients, entry):
    """The page is read-only: it answers GET only and links to no edit or delete action."""
    client = clients["admin"]
    body = client.get("/audit/").content.decode()
    assert "HTX Phước Thành" in body
    assert 'method="post"' not in body.split('id="audit-page"')[1]
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/audit/", {"action": "x"}).status_code == 405, method
    assert AuditEntry.objects.get(pk=entry.pk).action == "registry.organization.created"


def test_no_url_of_the_project_edits_audit_entries():
    from django.urls import get_resolver

    from tests.test_authorization_matrix import all_patterns

    get_resolver()
    audit_routes = [(route, name) for route, name, _ in all_patterns() if "audit" in route]
    assert audit_routes == [("audit/", "core:audit_log")]
