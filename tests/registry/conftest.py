import datetime

import pytest

from htxconnect.registry import services
from htxconnect.registry.models import Organization, OrganizationUser
from htxconnect.core.actors import SYSTEM


@pytest.fixture
def orgs(users):
    """Two cooperatives in the home province (79), one in the other agency's province (91)."""
    hong_duc = services.create_organization(actor=SYSTEM, name="HTX Hồng Đức", province_code="79", ward_code="25813",
                                            tax_code="0100233488", sectors=["trong-trot"], phone="0909123456")
    oi = services.create_organization(actor=SYSTEM, name="HTX Ổi Thanh Kiên", province_code="79", ward_code="25858",
                                      sectors=["cay-an-qua"])
    angiang = services.create_organization(actor=SYSTEM, name="HTX Nông nghiệp Long Bình", province_code="91")
    OrganizationUser.objects.create(user=users["coop_manager"], organization=oi, role="manager")
    return {"hong_duc": hong_duc, "oi": oi, "angiang": angiang}


@pytest.fixture
def today():
    return datetime.date.today()


def make_orgs(n, province="79", prefix="HTX Mẫu"):
    return [services.create_organization(actor=SYSTEM, name=f"{prefix} {i}", province_code=province) for i in range(n)]


@pytest.fixture
def org_factory():
    return make_orgs


Organization  # re-exported for tests


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded scans and photos go to a temporary folder, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
