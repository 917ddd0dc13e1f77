"""Owners, teammates and outsiders: the people every permission test needs.

healthchecks' hc/test.py gives each test alice (owner), bob (her teammate) and charlie (an
outsider). HTX Connect has two kinds of ownership, so it has two trios, built on the `users`
fixture of tests/conftest.py (agency "home" in province 79, agency "other" in province 91):

| trio        | owner                     | teammate                          | outsider                               |
|-------------|---------------------------|-----------------------------------|----------------------------------------|
| agency data | `officer` (home agency)   | `officer_teammate` (home agency)  | `other_officer`, `other_leader` (other)|
| cooperative | `coop_manager` of `org`   | `coop_member`, member of `org`    | `coop_outsider`, manager of `other_org` in the SAME province |

plus `admin`, `leader` (home agency), `buyer` and `anonymous`. `World.samples` holds one real
object of each kind, owned as the table says; an authorization case names a real id, so a 404 means
"not yours", never "does not exist".

How a new app (programs, events, market…) uses it:

1. In `tests/<app>/matrix.py`, write `<app>_samples(world) -> dict` that creates one object of
   each of the app's kinds with its services, owned by `world.org` / the home agency, acting as
   `world.people["admin"]` (or the owner), and returns their ids; idempotent (look up first).
2. Write `<app>_matrix() -> dict[url name, Case]`, each Case with `expect=answers(...)`: say, per
   trio, what the owner, the teammate and the outsider get (200 / 302 / 403 / 404 / "login").
   A path is a callable `lambda s: f"/x/{s['thing']}/"` over the samples; for a POST that
   destroys its object, use `fresh=` (called once per person) so each person hits a live object.
3. Merge it in tests/test_authorization_matrix.py (`MATRIX.update(<app>_matrix())`, and
   `SAMPLES.append(<app>_samples)`). `test_every_url_is_in_the_matrix` fails until every URL of
   the app has an entry; `test_matrix_ids_exist` fails when a path names no existing object.

Feature tests use the same trios: `world.client("coop_outsider")` gets a signed-in client.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

# Everyone the matrix asks, in order. Kept apart from the fixtures so matrices can import it.
WHO = ["anonymous", "admin", "leader", "officer", "officer_teammate", "other_officer", "other_leader",
       "coop_manager", "coop_member", "coop_outsider", "buyer"]
STAFF_OWNER_SIDE = ("leader", "officer", "officer_teammate")
STAFF_OUTSIDERS = ("other_officer", "other_leader")


def answers(*, staff, coop_owner, coop_teammate, admin=None, staff_outsider=None, coop_outsider=None,
            buyer=403, anonymous="login", **exceptions) -> dict:
    """Expected answers per person, said per trio. Defaults: the admin answers as the home staff,
    outsiders as 404 when insiders may see (they may not know the object exists), buyers 403."""
    def outsider_default(insider):
        return 404 if insider in (200, 302) else insider

    table = {
        "anonymous": anonymous,
        "admin": staff if admin is None else admin,
        **{who: staff for who in STAFF_OWNER_SIDE},
        **{who: outsider_default(staff) if staff_outsider is None else staff_outsider for who in STAFF_OUTSIDERS},
        "coop_manager": coop_owner,
        "coop_member": coop_teammate,
        "coop_outsider": outsider_default(coop_owner) if coop_outsider is None else coop_outsider,
        "buyer": buyer,
    }
    unknown = set(exceptions) - set(table)
    assert not unknown, f"unknown people: {unknown}"
    table.update(exceptions)
    return table


def everyone(code) -> dict:
    return {who: code for who in WHO}


def signed_in(code, anonymous="login") -> dict:
    return {who: (anonymous if who == "anonymous" else code) for who in WHO}


def only(allowed: set, code=200, others=403, anonymous="login") -> dict:
    return {who: anonymous if who == "anonymous" else (code if who in allowed else others) for who in WHO}


@dataclass
class World:
    people: dict
    home: object
    other: object
    org: object = None
    other_org: object = None
    samples: dict = field(default_factory=dict)

    def client(self, who):
        from django.test import Client

        from tests.conftest import signed_in_client

        return Client() if who == "anonymous" else signed_in_client(self.people[who])


def build_world(users, agencies) -> World:
    from htxconnect.registry import services
    from htxconnect.registry.models import OrganizationUser
    from htxconnect.core.roles import Role
    from tests.conftest import make_user

    home, other = agencies
    people = {who: users[who] for who in WHO if who in users}
    people["officer_teammate"] = make_user("u_officer_teammate", Role.OFFICER, home)
    people["coop_outsider"] = make_user("u_coop_outsider", Role.COOP_MANAGER)
    admin = people["admin"]
    org = services.create_organization(actor=admin, name="HTX Ma Trận", province_code="79", ward_code="25813")
    other_org = services.create_organization(actor=admin, name="HTX Láng Giềng", province_code="79",
                                             ward_code="25813")
    OrganizationUser.objects.create(user=people["coop_manager"], organization=org,
                                    role=OrganizationUser.Role.MANAGER)
    OrganizationUser.objects.create(user=people["coop_member"], organization=org, role=OrganizationUser.Role.MEMBER)
    OrganizationUser.objects.create(user=people["coop_outsider"], organization=other_org,
                                    role=OrganizationUser.Role.MANAGER)
    assert set(people) == set(WHO) - {"anonymous"}
    return World(people=people, home=home, other=other, org=org, other_org=other_org)


@pytest.fixture
def world(users, agencies):
    return build_world(users, agencies)
