"""Audit entries of registry records carry the acting officer's or leader's agency, so the leaders
of that agency see them; cooperative-manager and system writes carry no agency."""

import pytest
from django.urls import reverse

from htxconnect.core.actors import SYSTEM
from htxconnect.core.models import AuditEntry
from htxconnect.registry import services

pytestmark = pytest.mark.django_db


def last_entry(action):
    return AuditEntry.objects.filter(action=action).latest("id")


def test_officer_write_is_recorded_for_their_agency(orgs, users, clients):
    services.update_organization(actor=users["officer"], organization=orgs["hong_duc"], members_count=12)
    entry = last_entry("registry.organization.updated")
    assert entry.agency_id == users["officer"].agency_id
    product = services.create_product(actor=users["leader"], producer=orgs["hong_duc"], name="Gạo")
    assert last_entry("registry.product.created").agency_id == users["leader"].agency_id
    # The agency's leader sees both entries, the other agency's leader none.
    html = clients["leader"].get(reverse("core:audit_log")).content.decode()
    assert "HTX Hồng Đức" in html and product.name in html
    other = clients["other_leader"].get(reverse("core:audit_log")).content.decode()
    assert "HTX Hồng Đức" not in other


def test_other_province_officer_writes_for_their_own_agency(orgs, users):
    services.update_organization(actor=users["other_officer"], organization=orgs["angiang"], members_count=7)
    assert last_entry("registry.organization.updated").agency_id == users["other_officer"].agency_id


@pytest.mark.parametrize("who", ["coop_manager", None])
def test_manager_and_system_writes_carry_no_agency(orgs, users, who):
    actor = users[who] if who else SYSTEM
    services.update_organization(actor=actor, organization=orgs["oi"], members_count=30)
    assert last_entry("registry.organization.updated").agency_id is None


def test_admin_write_carries_no_agency(orgs, users):
    services.update_organization(actor=users["admin"], organization=orgs["hong_duc"], members_count=5)
    assert users["admin"].agency_id is None
    assert last_entry("registry.organization.updated").agency_id is None
