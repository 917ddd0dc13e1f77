"""Staff forms → valid EPCIS 2.0 events (official schema) with the right CBV step and disposition."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from htxconnect.resolver import steps
from htxconnect.trace.epcis.capture import check_document
from htxconnect.trace.epcis.schema import iter_schema_errors
from htxconnect.trace.models import EPCISEvent, EPCISEventEPC

pytestmark = pytest.mark.django_db

EXPECTED = {
    "harvest": ("ObjectEvent", "commissioning", "active", "ADD"),
    "sort": ("ObjectEvent", "inspecting", "conformant", "OBSERVE"),
    "pack": ("ObjectEvent", "packing", "in_progress", "OBSERVE"),
    "ship": ("ObjectEvent", "shipping", "in_transit", "OBSERVE"),
    "receive": ("ObjectEvent", "receiving", "in_progress", "OBSERVE"),
    "process": ("TransformationEvent", "creating_class_instance", "active", ""),
}


@pytest.mark.parametrize("step", list(EXPECTED))
def test_each_step_is_a_valid_epcis_event(step, lot, places, users):
    farm, house, shop = places
    when = timezone.make_aware(datetime.datetime(2026, 11, 12, 8, 0))
    event = steps.build_event(step=steps.STEPS[step], lot=lot, when=when, location=house, quantity=50,
                              destination=shop if step == "ship" else None)
    document = steps.document_for([event])
    assert list(iter_schema_errors(document)) == []
    assert check_document(document).errors == []
    row = steps.record_step(actor=users["coop_manager"], lot=lot, step=step, when=when, location=house, quantity=50,
                            destination=shop if step == "ship" else None)
    stored = EPCISEvent.objects.get(pk=row.pk)
    kind, biz_step, disposition, action = EXPECTED[step]
    assert (stored.event_type, stored.biz_step, stored.disposition, stored.action) == (kind, biz_step, disposition, action)
    assert stored.public is True and stored.organization_id == lot.product.producer_id
    assert stored.event["eventTimeZoneOffset"] == "+07:00"
    # Indexed under the lot's class, whichever form names it (Digital Link or lgtin URN).
    assert EPCISEventEPC.objects.filter(event=stored, epc__contains=f"/01/{lot.product.gtin}/10/{lot.code}").exists()


def test_gln_place_becomes_digital_link(lot, places, users):
    house = places[1]
    row = steps.record_step(actor=users["coop_manager"], lot=lot, step="pack",
                            when=timezone.now(), location=house)
    assert row.event["bizLocation"]["id"] == f"https://id.gs1.org/414/{house.gln}"
    assert row.event["htx:placeName"] == house.name


def test_member_may_record_buyer_and_other_province_may_not(lot, users):
    steps.record_step(actor=users["coop_member"], lot=lot, step="harvest", when=timezone.now())
    for who in ("buyer", "other_officer"):
        with pytest.raises(PermissionDenied):
            steps.record_step(actor=users[who], lot=lot, step="harvest", when=timezone.now())


def test_step_form_through_the_page(clients, lot, places):
    r = clients["coop_member"].post(f"/trace/lots/{lot.pk}/step/", {
        "step": "pack", "when": "2026-11-12T09:15", "location": places[1].pk, "quantity": "40"})
    assert r.status_code == 302
    event = EPCISEvent.objects.get()
    assert event.biz_step == "packing"
    r = clients["coop_member"].post(f"/trace/lots/{lot.pk}/step/", {"step": "fly", "when": "x"})
    assert r.status_code == 200 and EPCISEvent.objects.count() == 1
