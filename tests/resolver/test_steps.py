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


def test_member_may_record_buyer_and_other_province_may_not(lot, places, users):
    farm = places[0]
    steps.record_step(actor=users["coop_member"], lot=lot, step="harvest", when=timezone.now(), location=farm,
                      quantity=10)
    for who in ("buyer", "other_officer"):
        with pytest.raises(PermissionDenied):
            steps.record_step(actor=users[who], lot=lot, step="harvest", when=timezone.now(), location=farm,
                              quantity=10)


def test_step_form_through_the_page(clients, lot, places):
    r = clients["coop_member"].post(f"/trace/lots/{lot.pk}/step/", {
        "step": "pack", "when": "2026-11-12T09:15", "location": places[1].pk, "quantity": "40"})
    assert r.status_code == 302
    event = EPCISEvent.objects.get()
    assert event.biz_step == "packing"
    r = clients["coop_member"].post(f"/trace/lots/{lot.pk}/step/", {"step": "fly", "when": "x"})
    assert r.status_code == 200 and EPCISEvent.objects.count() == 1
    assert "Bước “fly” không có trong danh sách" in r.content.decode()


# --- Essentials: a step is refused without them ------------------------------------------------------


@pytest.mark.parametrize("step, kwargs, field", [
    ("harvest", {"quantity": 10}, "location"),             # a harvest needs its place …
    ("harvest", {"location": 0}, "quantity"),              # … and its quantity
    ("harvest", {"location": 0, "quantity": 0}, "quantity"),
    ("harvest", {"location": 0, "quantity": 5, "uom": "XYZ"}, "uom"),
    ("pack", {}, "location"),
    ("ship", {"location": 1}, "destination"),
    ("process", {}, "location"),
])
def test_step_without_its_essentials_is_refused(lot, places, users, step, kwargs, field):
    from django.core.exceptions import ValidationError

    kwargs = {k: places[v] if k == "location" else v for k, v in kwargs.items()}
    with pytest.raises(ValidationError) as exc:
        steps.record_step(actor=users["coop_member"], lot=lot, step=step, when=timezone.now(), **kwargs)
    assert field in exc.value.message_dict
    assert EPCISEvent.objects.count() == 0


def test_harvest_records_quantity_with_its_unit(lot, places, users):
    row = steps.record_step(actor=users["coop_member"], lot=lot, step="harvest", when=timezone.now(),
                            location=places[0], quantity=2, uom="TNE")
    assert row.event["quantityList"][0]["quantity"] == 2.0 and row.event["quantityList"][0]["uom"] == "TNE"


# --- The staff form: only the chosen step's fields, prefilled from the lot --------------------------------


def test_step_page_first_offers_the_steps(clients, lot):
    r = clients["coop_member"].get(f"/trace/lots/{lot.pk}/step/")
    html = r.content.decode()
    assert r.status_code == 200
    for key in ("harvest", "sort", "pack", "ship", "receive", "process"):
        assert f'href="?step={key}"' in html
    assert 'name="when"' not in html


def _field_names(html):
    import re

    return set(re.findall(r'name="([a-z_]+)"', html)) - {"csrfmiddlewaretoken"}


def test_harvest_form_shows_only_harvest_fields_prefilled_from_the_lot(clients, lot, places):
    r = clients["coop_member"].get(f"/trace/lots/{lot.pk}/step/?step=harvest")
    html = r.content.decode()
    assert _field_names(html) >= {"step", "when", "location", "quantity", "uom", "note"}
    assert not _field_names(html) & {"destination", "output_lot"}
    assert "Nơi thu hoạch" in html
    # the lot's origin (the farm) is selected and its quantity, 120, filled in
    assert f'<option value="{places[0].pk}" selected>' in html
    assert 'name="quantity" value="120' in html


def test_ship_and_process_forms_show_their_own_fields(clients, lot):
    ship = _field_names(clients["coop_member"].get(f"/trace/lots/{lot.pk}/step/?step=ship").content.decode())
    assert "destination" in ship and "output_lot" not in ship
    process = _field_names(clients["coop_member"].get(f"/trace/lots/{lot.pk}/step/?step=process").content.decode())
    assert "output_lot" in process and "destination" not in process


def test_harvest_form_without_place_keeps_input_and_names_the_field(clients, lot):
    r = clients["coop_member"].post(f"/trace/lots/{lot.pk}/step/?step=harvest", {
        "step": "harvest", "when": "2026-11-12T09:15", "location": "", "quantity": "35", "uom": "KGM"})
    html = r.content.decode()
    assert r.status_code == 200 and EPCISEvent.objects.count() == 0
    assert "Nơi thu hoạch" in html and 'value="35' in html
