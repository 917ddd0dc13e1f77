"""The programs' API: the same scope and services as the pages."""

import datetime
import json

import pytest

from htxconnect.programs import services
from htxconnect.programs.models import Application
from htxconnect.core.actors import SYSTEM


def post(client, payload):
    return client.post("/api/v1/applications", data=json.dumps(payload), content_type="application/json")


@pytest.mark.django_db
def test_targets_with_progress(world, clients):
    target = services.add_target(actor=SYSTEM, plan=world["plan"], group=world["groups"][0], title="Mã vạch",
                                 indicator="orgs_supported", params={"kinds": ["barcode"]}, value=4, unit="HTX")
    services.record_support(actor=SYSTEM, organization=world["coop"], program=world["program"], kind="barcode",
                            title="Mã vạch", given_on=datetime.date(2025, 2, 1))
    body = clients["officer"].get(f"/api/v1/programs/{world['program'].pk}/targets").json()
    assert body == [{"id": target.pk, "year": 2025, "group": 1, "title": "Mã vạch", "indicator": "orgs_supported",
                     "unit": "HTX", "value": 4, "actual": 1, "percent": 25,
                     "records_url": f"/programs/targets/{target.pk}/"}]
    assert clients["other_officer"].get(f"/api/v1/programs/{world['program'].pk}/targets").status_code == 404


@pytest.mark.django_db
def test_cooperative_submits_through_the_api(world, clients):
    world["item"].required_documents = []
    world["item"].save()
    response = post(clients["coop_manager"], {"organization_id": world["coop"].pk, "item_id": world["item"].pk,
                                              "title": "Tư vấn liên kết", "amount_requested": 5_000_000})
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "submitted"
    listed = clients["coop_manager"].get("/api/v1/applications").json()
    assert [a["title"] for a in listed] == ["Tư vấn liên kết"]


@pytest.mark.django_db
def test_api_refusals_leave_nothing_behind(world, clients):
    too_much = post(clients["coop_manager"], {"organization_id": world["coop"].pk, "item_id": world["item"].pk,
                                              "title": "Quá mức", "amount_requested": 10_000_001})
    assert too_much.status_code == 422 and "vượt mức tối đa" in too_much.content.decode()
    no_documents = post(clients["coop_manager"], {"organization_id": world["coop"].pk, "item_id": world["item"].pk,
                                                  "title": "Thiếu giấy", "amount_requested": 1_000_000})
    assert no_documents.status_code == 422 and "Đơn đề nghị hỗ trợ" in no_documents.content.decode()
    other_coop = post(clients["coop_manager"], {"organization_id": world["outside"].pk, "item_id": world["item"].pk,
                                                "title": "Không phải HTX của tôi", "amount_requested": 1})
    assert other_coop.status_code == 404
    assert not Application.objects.exists()
