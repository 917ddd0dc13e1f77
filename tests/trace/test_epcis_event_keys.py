"""(owner, eventID) keys in a table that is not partitioned (docs/decisions/0029-epcis-event-key-table.md).

On PostgreSQL the event table is partitioned by record_time, so its own unique constraint holds
(owner, eventID, record_time) and lets one eventID be stored again in another month. The key
table's primary key is (owner, eventID) on both databases: capture finds an owner's stored
eventIDs by inserting the keys of a document, and looks at the event table only for those."""

import datetime
import re

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from htxconnect.core import partitions
from htxconnect.trace.epcis.capture import claim_event_ids
from htxconnect.trace.models import EPCISEvent, EPCISEventKey

from .conftest import make_document, object_event

UTC = datetime.timezone.utc
JANUARY = datetime.datetime(2026, 1, 20, 3, 0, tzinfo=UTC)
APRIL = datetime.datetime(2026, 4, 2, 23, 30, tzinfo=UTC)
PG = connection.vendor == "postgresql"

pytestmark = pytest.mark.django_db


def keys_of(user):
    return set(EPCISEventKey.objects.filter(owner=user).values_list("event_id", flat=True))


def test_every_stored_event_has_its_key_and_new_event_ids_are_not_looked_up(api):
    assert api.capture(make_document([object_event(1)])).status_code == 202
    events = [object_event(i) for i in range(10, 15)]
    with CaptureQueriesContext(connection) as queries:
        response = api.capture(make_document(events))
    assert response.status_code == 202 and response.json()["storedCount"] == 5
    # Nothing was stored under these eventIDs: the keys' insert said so, the event table is not read.
    tables_read = [re.search(r'FROM "?(\w+)', q["sql"])[1] for q in queries
                   if q["sql"].lstrip().upper().startswith("SELECT") and " FROM " in q["sql"]]
    assert "trace_epcisevent" not in tables_read
    stored = set(EPCISEvent.objects.filter(owner=api.user).values_list("event_id", flat=True))
    assert keys_of(api.user) == stored == {object_event(i)["eventID"] for i in [1, 10, 11, 12, 13, 14]}


def test_an_event_id_stored_in_another_month_is_found(api, time_machine):
    if PG:  # January and April have their own partitions, as ensure_partitions makes them
        partitions.ensure_partitions(months_back=0, months_ahead=4, now=JANUARY)
    time_machine.move_to(JANUARY, tick=False)
    original = object_event(1)
    assert api.capture(make_document([original])).status_code == 202

    time_machine.move_to(APRIL, tick=False)
    again = api.capture(make_document([original]))
    assert again.status_code == 202 and again.json()["storedCount"] == 0 and again.json()["duplicateCount"] == 1
    changed = api.capture(make_document([object_event(1, disposition="damaged")]))
    assert changed.status_code == 400
    assert [e.get("eventID") for e in changed.json()["errors"]] == [original["eventID"]]
    stored = EPCISEvent.objects.get(event_id=original["eventID"])
    assert stored.record_time == JANUARY and stored.disposition == "in_transit"
    if PG:
        with connection.cursor() as cursor:
            cursor.execute("SELECT tableoid::regclass::text FROM trace_epcisevent WHERE event_id = %s",
                           [original["eventID"]])
            assert cursor.fetchall() == [("trace_epcisevent_p202601",)]


def test_the_key_table_refuses_an_event_id_twice_where_the_event_table_would_not(users):
    owner, other = users["coop_manager"], users["buyer"]
    EPCISEventKey.objects.create(owner=owner, event_id="urn:uuid:k")
    EPCISEventKey.objects.create(owner=other, event_id="urn:uuid:k")  # per owner (0011)
    with pytest.raises(IntegrityError), transaction.atomic():
        EPCISEventKey.objects.create(owner=owner, event_id="urn:uuid:k")
    if PG:
        # The partitioned event table alone takes the same eventID in two months: why the keys exist.
        common = dict(event_type="ObjectEvent", event_time=JANUARY, event_time_zone_offset="+00:00",
                      event={}, context=[], owner=owner)
        partitions.ensure_partitions(months_back=0, months_ahead=4, now=JANUARY)
        EPCISEvent.objects.create(event_id="urn:uuid:k", record_time=JANUARY, **common)
        EPCISEvent.objects.create(event_id="urn:uuid:k", record_time=APRIL, **common)
        assert EPCISEvent.objects.filter(owner=owner, event_id="urn:uuid:k").count() == 2


def test_claiming_keys_returns_the_free_event_ids_and_a_rollback_frees_them(users):
    owner = users["coop_manager"]
    EPCISEventKey.objects.create(owner=owner, event_id="urn:uuid:taken")
    with transaction.atomic():
        assert claim_event_ids(owner, ["urn:uuid:new", "urn:uuid:taken", "urn:uuid:b"]) == {"urn:uuid:new", "urn:uuid:b"}
        assert claim_event_ids(owner, ["urn:uuid:new"]) == set()  # taken now, by this transaction
        transaction.set_rollback(True)
    assert keys_of(owner) == {"urn:uuid:taken"}
    assert claim_event_ids(owner, []) == set()
    # Any text an eventID may hold goes through the array parameter unchanged.
    odd = ['urn:x:a,b', 'urn:x:"quoted"', "urn:x:back\\slash", "urn:x:{brace}", "urn:x:NULL", "urn:x:ở Việt Nam", "urn:x: sp "]
    assert claim_event_ids(owner, odd) == set(odd) and keys_of(owner) == {"urn:uuid:taken", *odd}
    assert claim_event_ids(owner, odd) == set()


def test_a_key_whose_event_is_gone_does_not_block_its_event_id(api):
    """An event deleted (or its month's partition dropped for archiving) leaves its key: capturing
    the eventID again stores it as new, under the same key."""
    assert api.capture(make_document([object_event(1)])).status_code == 202
    EPCISEvent.objects.filter(event_id=object_event(1)["eventID"]).delete()
    assert keys_of(api.user) == {object_event(1)["eventID"]}
    response = api.capture(make_document([object_event(1, disposition="damaged")]))
    assert response.status_code == 202, response.content
    assert response.json()["storedCount"] == 1 and response.json()["duplicateCount"] == 0
    assert EPCISEvent.objects.get(event_id=object_event(1)["eventID"]).disposition == "damaged"
    assert keys_of(api.user) == {object_event(1)["eventID"]}


BEFORE = [("trace", "0009_capturejob_created_at_default")]
AFTER = [("trace", "0010_epcis_event_keys")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_every_stored_event_its_key(migrate_to):
    apps = migrate_to(BEFORE)
    Event = apps.get_model("trace", "EPCISEvent")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    owner, other = User.objects.create(username="keys-owner"), User.objects.create(username="keys-other")
    common = dict(event_type="ObjectEvent", event_time=JANUARY, event_time_zone_offset="+00:00", record_time=JANUARY,
                  event={}, context=[])
    for user, event_id in ((owner, "urn:uuid:a"), (owner, "urn:uuid:shared"), (other, "urn:uuid:shared")):
        Event.objects.create(event_id=event_id, owner=user, **common)

    Key = migrate_to(AFTER).get_model("trace", "EPCISEventKey")
    assert set(Key.objects.values_list("owner_id", "event_id")) == {
        (owner.pk, "urn:uuid:a"), (owner.pk, "urn:uuid:shared"), (other.pk, "urn:uuid:shared")}
    with transaction.atomic():  # capture now finds them by their keys
        assert claim_event_ids(owner, ["urn:uuid:a", "urn:uuid:shared", "urn:uuid:new"]) == {"urn:uuid:new"}
        transaction.set_rollback(True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_commits", [True, False])
def test_a_key_being_stored_makes_the_other_capture_wait_for_the_outcome(users, first_commits):
    """Without the advisory lock: while the first transaction holds a key, the second claims nothing.
    PostgreSQL makes its insert of the same key wait for the first, then it finds the key taken (the
    first committed) or free (it rolled back). SQLite lets one writer at a time: the test database
    (shared in-memory) refuses the second writer at once, and its claim, made again once the first
    has ended, gives the same outcome."""
    import threading

    from django.db import OperationalError, connections

    owner = users["coop_manager"]
    outcome = {}

    def second():
        try:
            with transaction.atomic():
                outcome["claimed"] = claim_event_ids(owner, ["urn:uuid:x", "urn:uuid:y"])
        except OperationalError as error:
            outcome["refused"] = str(error)
        finally:
            connections.close_all()

    def run_second(wait):
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=wait)
        return thread

    with transaction.atomic():
        assert claim_event_ids(owner, ["urn:uuid:x"]) == {"urn:uuid:x"}
        thread = run_second(1.0)
        assert "claimed" not in outcome  # nothing claimed while the first transaction is open
        if PG:
            assert thread.is_alive()  # waiting on the key being stored
        else:
            assert "locked" in outcome["refused"]
        if not first_commits:
            transaction.set_rollback(True)
    thread.join(timeout=30)
    assert not thread.is_alive()
    if not PG:
        run_second(30)
    assert outcome["claimed"] == ({"urn:uuid:y"} if first_commits else {"urn:uuid:x", "urn:uuid:y"})
    assert keys_of(owner) == ({"urn:uuid:x", "urn:uuid:y"})
