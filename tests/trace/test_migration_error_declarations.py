"""Migration trace 0004: events stored with an errorDeclaration before it get their columns and
correctiveEventID rows, so EXISTS_errorDeclaration / EQ_errorReason / EQ_correctiveEventID find them."""

import datetime

import pytest
from django.conf import settings

BEFORE = [("trace", "0003_query_fields_master_data")]
AFTER = [("trace", "0004_epcis_event_id_scope_error_declarations")]


@pytest.mark.django_db(transaction=True)
def test_backfill_of_declarations_stored_before_the_migration(migrate_to):
    apps = migrate_to(BEFORE)
    Event = apps.get_model("trace", "EPCISEvent")
    owner = apps.get_model(*settings.AUTH_USER_MODEL.split(".")).objects.create(username="migration-owner")
    when = datetime.datetime(2026, 3, 1, 1, 0, tzinfo=datetime.timezone.utc)
    common = dict(event_type="ObjectEvent", event_time=when, event_time_zone_offset="+07:00", record_time=when,
                  context=[], owner=owner)
    declared = Event.objects.create(event_id="urn:uuid:d", event={
        "type": "ObjectEvent", "errorDeclaration": {"declarationTime": "2026-03-02T09:00:00+07:00",
                                                    "reason": "urn:epcglobal:cbv:er:incorrect_data",
                                                    "correctiveEventIDs": ["urn:uuid:c1"]}}, **common)
    plain = Event.objects.create(event_id="urn:uuid:p", event={"type": "ObjectEvent"}, **common)

    apps = migrate_to(AFTER)
    Event = apps.get_model("trace", "EPCISEvent")
    EPC = apps.get_model("trace", "EPCISEventEPC")
    row = Event.objects.get(pk=declared.pk)
    assert row.error_reason == "incorrect_data"
    assert row.error_declaration_time == datetime.datetime(2026, 3, 2, 2, 0, tzinfo=datetime.timezone.utc)
    assert list(EPC.objects.filter(event_id=declared.pk).values_list("role", "epc")) == [("corrective", "urn:uuid:c1")]
    untouched = Event.objects.get(pk=plain.pk)
    assert untouched.error_declaration_time is None and untouched.error_reason == ""
