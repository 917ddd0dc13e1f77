"""Every EPCIS URL for every role (the rows to copy into tests/test_authorization_matrix.py)."""

import pytest

WHO = ["anonymous", "admin", "leader", "officer", "coop_manager", "coop_member", "buyer",
       "other_officer", "other_leader"]


def signed_in(code):
    return {who: 401 if who == "anonymous" else code for who in WHO}


EPC = "urn:epc:id:sgtin:893000000.0001.1"
ROWS = {
    "/epcis/context/epcis-context.jsonld": {who: 200 for who in WHO},
    "/epcis/capture": signed_in(200),
    "/epcis/capture/00000000-0000-0000-0000-000000000000": signed_in(404),
    "/epcis/events": signed_in(200),
    "/epcis/events/urn:uuid:none": signed_in(404),
    "/epcis/eventTypes": signed_in(200),
    "/epcis/eventTypes/ObjectEvent": signed_in(200),
    "/epcis/eventTypes/ObjectEvent/events": signed_in(200),
    f"/epcis/epcs/{EPC}": signed_in(404),
    f"/epcis/epcs/{EPC}/events": signed_in(200),
    "/epcis/no/such/resource": {who: 404 for who in WHO},
}


@pytest.mark.parametrize("path", sorted(ROWS))
def test_epcis_matrix(clients, path):
    got = {who: clients[who].get(path).status_code for who in WHO}
    assert got == ROWS[path]


def test_every_epcis_view_declares_its_permission():
    from django.urls import get_resolver

    from htxconnect.core.permissions import PUBLIC, SIGNED_IN

    resolver = get_resolver()
    for path in ROWS:
        callback = resolver.resolve(path).func
        assert callback.permission in (PUBLIC, SIGNED_IN), path
