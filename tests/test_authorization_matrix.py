"""The authorization matrix: every URL pattern of the project, for every person, gets the answer
written here. A URL missing from MATRIX fails `test_every_url_is_in_the_matrix`, so a new page
cannot be added without deciding who may open it.

People (tests/world.py): for agency data and for cooperative data an owner, a teammate and an
outsider, plus the administrator, a leader, a buyer and an anonymous visitor. Paths name REAL
objects (the samples, built by each app's `*_samples`): `test_matrix_ids_exist` checks that each
object-specific path resolves to an object that exists, so a 404 proves "not yours", never "no
such id". Expected answers are status codes; a redirect to the login page is "login".
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Callable

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.world import WHO, answers, everyone, only, signed_in  # noqa: F401 - helpers used below and by importers

STAFF = {"admin", "leader", "officer", "officer_teammate", "other_officer", "other_leader"}
SIGNED_IN = set(WHO) - {"anonymous"}


@dataclass
class Case:
    """How to call one URL pattern and what each person gets. `path` may be a callable over the
    samples, and so may `data` (a body naming sample ids); `content_type` sends `data` as that type
    (JSON for the API); `fresh(world, samples)` gives each person their own samples for a POST that
    destroys its object (deleting, erasing)."""

    path: Callable[[dict], str] | str
    expect: dict
    method: str = "get"
    data: dict | Callable = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    fresh: Callable | None = None
    content_type: str | None = None


def _user_pk(samples, who):
    return samples["people"][who]


def _unlock_token(samples):
    from django.core import signing

    return signing.dumps({"u": _user_pk(samples, "officer")}, salt="htx.login-unlock.link")


# url name → Case. Paths may be callables taking the `objects` fixture (sample records).
MATRIX: dict[str, Case] = {
    # --- core ---
    "core:home": Case("/", everyone(200)),
    "core:set_language": Case("/i18n/setlang/", everyone(302), method="post",
                              data={"language": "en", "next": "/"}),
    "core:audit_log": Case("/audit/", only({"admin", "leader", "other_leader"})),
    # A private file (a certification scan of world.org): whoever may see the organisation; everyone
    # else, anonymous visitors included, 404 (a guessed name learns nothing). Every prefix and its
    # rule: tests/core/test_private_files.py.
    "core:private_file": Case(lambda s: f"/files/{s['private_file']}",
                              answers(staff=200, coop_owner=200, coop_teammate=200, buyer=404, anonymous=404)),
    # --- accounts ---
    "accounts:login": Case("/accounts/login/", signed_in(302, anonymous=200)),
    "accounts:logout": Case("/accounts/logout/", everyone("login"), method="post"),
    # Unlock links: the request is mailed (or not) and always lands on the login page; a valid
    # e-mailed link shows its confirmation button to whoever opens it (the token is the secret).
    "accounts:unlock_request": Case("/accounts/unlock/", everyone("login"), method="post",
                                    data={"username": "officer"}),
    "accounts:unlock_confirm": Case(lambda s: f"/accounts/unlock/{_unlock_token(s)}/", everyone(200)),
    "accounts:otp_verify": Case("/accounts/otp/verify/", signed_in(302)),
    "accounts:otp_setup": Case("/accounts/otp/setup/", signed_in(200)),
    "accounts:otp_backup_codes": Case("/accounts/otp/backup-codes/", signed_in(200)),
    # Each person tries to delete the home officer's own (fresh) authenticator: only the officer may.
    "accounts:otp_device_delete": Case(lambda s: f"/accounts/otp/devices/{s['device']}/delete/",
                                       {**signed_in(404), "officer": 302}, method="post", fresh=lambda w, s: fresh_device(w, s)),
    "accounts:profile": Case("/accounts/profile/", signed_in(200)),
    "accounts:password_change": Case("/accounts/password/change/", signed_in(200)),
    "accounts:password_reset": Case("/accounts/password/reset/", everyone(200)),
    "accounts:password_reset_done": Case("/accounts/password/reset/sent/", everyone(200)),
    "accounts:password_reset_confirm": Case("/accounts/password/reset/MQ/bad-token/", everyone(200)),
    "accounts:password_reset_complete": Case("/accounts/password/reset/done/", everyone(200)),
    "accounts:user_list": Case("/accounts/users/", only({"admin", "leader", "other_leader"})),
    "accounts:user_create": Case("/accounts/users/new/", only({"admin"})),
    "accounts:user_edit": Case(lambda s: f"/accounts/users/{_user_pk(s, 'officer')}/", only({"admin"})),
    # The administrator targets their own account: refused with a message, nothing changes.
    "accounts:user_deactivate": Case(lambda s: f"/accounts/users/{_user_pk(s, 'admin')}/deactivate/",
                                     only({"admin"}, code=302), method="post"),
    "accounts:user_activate": Case(lambda s: f"/accounts/users/{_user_pk(s, 'admin')}/activate/",
                                   only({"admin"}, code=302), method="post"),
    "accounts:user_reset_two_factor": Case(lambda s: f"/accounts/users/{_user_pk(s, 'buyer')}/reset-two-factor/",
                                           only({"admin"}, code=302), method="post"),
    # A key's own rate limit: the administrator only, not even the key's owner (the cooperative manager).
    "accounts:api_key_rate_limit": Case(
        lambda s: f"/accounts/users/{_user_pk(s, 'coop_manager')}/api-keys/{s['api_key']}/rate-limit/",
        only({"admin"}, code=302), method="post", data=lambda s: {f"key-{s['api_key']}-rate_limit": "5000"}),
    # --- API frame ---
    "api:openapi-json": Case("/api/v1/openapi.json", everyone(200)),
    "api:openapi-view": Case("/api/v1/docs", everyone(200)),
    "api:api-root": Case("/api/v1/", everyone(200)),
    "api:not-found": Case("/api/v1/khong-co", everyone(404)),
    "api:me": Case("/api/v1/me", signed_in(200, anonymous=401)),
    # --- operations ---
    "healthz": Case("/healthz", everyone(200)),
    "readyz": Case("/readyz", everyone(200)),
    # Off without METRICS_TOKEN (the test settings); with one, only its bearer: tests/ops/test_metrics.py
    "metrics": Case("/metrics", everyone(404)),
}

from tests.registry.matrix import registry_matrix, registry_samples  # noqa: E402

MATRIX.update(registry_matrix())

from tests.registry.test_import_views import import_matrix  # noqa: E402

MATRIX.update(import_matrix())
# An import job is its uploader's alone (the home officer here): everyone else who may import gets
# 404, even the administrator and the officer's teammate; those who may not import get 403 first.
IMPORT_JOB = {**import_matrix()["registry_import:job"].expect, "officer_teammate": 404, "admin": 404,
              "officer": 200}
MATRIX.update({
    "registry_import:job": Case(lambda s: f"/registry/import/{s['import_job']}/", IMPORT_JOB),
    "registry_import:progress": Case(lambda s: f"/registry/import/{s['import_job']}/progress/", IMPORT_JOB),
    "registry_import:commit": Case(lambda s: f"/registry/import/{s['import_job']}/commit/",
                                   {**IMPORT_JOB, "officer": 302}, method="post", data={"do": "commit"},
                                   fresh=lambda w, s: fresh_import_job(w, s)),
    "registry_import:discard": Case(lambda s: f"/registry/import/{s['import_job']}/discard/",
                                    {**IMPORT_JOB, "officer": 302}, method="post",
                                    fresh=lambda w, s: fresh_import_job(w, s)),
    "registry_import:errors": Case(lambda s: f"/registry/import/{s['checked_import_job']}/errors.xlsx", IMPORT_JOB),
})

from tests.resolver.matrix import resolver_matrix, resolver_samples  # noqa: E402

MATRIX.update(resolver_matrix())

from tests.programs.matrix import programs_matrix  # noqa: E402

MATRIX.update(programs_matrix())

from tests.events.matrix import events_matrix, events_samples  # noqa: E402

MATRIX.update(events_matrix())

from tests.events.matrix_followup import FOLLOWUP_KEYS, followup_matrix, followup_samples  # noqa: E402

MATRIX.update(followup_matrix())

from tests.reports.matrix import dashboard_matrix, reports_matrix  # noqa: E402

MATRIX.update(reports_matrix())
MATRIX.update(dashboard_matrix())

from tests.market.matrix import market_matrix, market_samples  # noqa: E402

MATRIX.update(market_matrix())

from tests.portal.matrix import KEYS as PORTAL_KEYS, portal_matrix, portal_samples  # noqa: E402

MATRIX.update(portal_matrix())

# --- trace: EPCIS 2.0 repository (machine API: 401 rather than a login redirect) ---
# Events, captures, queries and subscriptions belong to the user who sent them (coop_manager here);
# administrators read every event and capture; queries and subscriptions are their owner's alone.
EPCIS_OWNER = {**signed_in(404, anonymous=401), "admin": 200, "coop_manager": 200}
EPCIS_PRIVATE = {**signed_in(404, anonymous=401), "coop_manager": 200}
MATRIX.update({
    "trace:epcis_context": Case("/epcis/context/epcis-context.jsonld", everyone(200)),
    "trace:epcis_capture": Case("/epcis/capture", signed_in(200, anonymous=401)),
    "trace:epcis_capture_detail": Case(lambda s: f"/epcis/capture/{s['capture']}", EPCIS_OWNER),
    "trace:epcis_events": Case("/epcis/events", signed_in(200, anonymous=401)),
    "trace:epcis_event": Case(lambda s: f"/epcis/events/{s['event']}", EPCIS_OWNER),
    "trace:epcis_event_types": Case("/epcis/eventTypes", signed_in(200, anonymous=401)),
    "trace:epcis_event_type": Case("/epcis/eventTypes/ObjectEvent", signed_in(200, anonymous=401)),
    "trace:epcis_event_type_events": Case("/epcis/eventTypes/ObjectEvent/events", signed_in(200, anonymous=401)),
    "trace:epcis_epc": Case(lambda s: f"/epcis/epcs/{s['epc']}", EPCIS_OWNER),
    "trace:epcis_epc_events": Case(lambda s: f"/epcis/epcs/{s['epc']}/events", signed_in(200, anonymous=401)),
    "trace:epcis_queries": Case("/epcis/queries", signed_in(200, anonymous=401)),
    "trace:epcis_query": Case(lambda s: f"/epcis/queries/{s['query']}", EPCIS_PRIVATE),
    "trace:epcis_query_events": Case(lambda s: f"/epcis/queries/{s['query']}/events", EPCIS_PRIVATE),
    "trace:epcis_subscriptions": Case(lambda s: f"/epcis/queries/{s['query']}/subscriptions", EPCIS_PRIVATE),
    "trace:epcis_subscription": Case(lambda s: f"/epcis/queries/{s['query']}/subscriptions/{s['subscription']}",
                                     EPCIS_PRIVATE),
    "trace:epcis_root": Case("/epcis/", signed_in(200, anonymous=401)),
    "trace:epcis_epcs": Case("/epcis/epcs", signed_in(200, anonymous=401)),
    "trace:epcis_bizSteps": Case("/epcis/bizSteps", signed_in(200, anonymous=401)),
    "trace:epcis_bizSteps_item": Case("/epcis/bizSteps/shipping", signed_in(200, anonymous=401)),
    "trace:epcis_bizSteps_events": Case("/epcis/bizSteps/shipping/events", signed_in(200, anonymous=401)),
    "trace:epcis_dispositions": Case("/epcis/dispositions", signed_in(200, anonymous=401)),
    "trace:epcis_dispositions_item": Case("/epcis/dispositions/in_transit", signed_in(200, anonymous=401)),
    "trace:epcis_dispositions_events": Case("/epcis/dispositions/in_transit/events", signed_in(200, anonymous=401)),
    "trace:epcis_readPoints": Case("/epcis/readPoints", signed_in(200, anonymous=401)),
    "trace:epcis_readPoints_item": Case("/epcis/readPoints/urn:uuid:none", signed_in(404, anonymous=401)),
    "trace:epcis_readPoints_events": Case("/epcis/readPoints/urn:uuid:none/events", signed_in(200, anonymous=401)),
    "trace:epcis_bizLocations": Case("/epcis/bizLocations", signed_in(200, anonymous=401)),
    "trace:epcis_bizLocations_item": Case("/epcis/bizLocations/urn:uuid:none", signed_in(404, anonymous=401)),
    "trace:epcis_bizLocations_events": Case("/epcis/bizLocations/urn:uuid:none/events",
                                            signed_in(200, anonymous=401)),
    "trace:epcis_not_found": Case("/epcis/no/such/resource", everyone(404)),
    # The methods that write. Anyone signed in may capture and define queries of their own; a query's
    # subscriptions and its deletion are its owner's alone (the others do not learn that it exists).
    "trace:epcis_capture#POST": Case("/epcis/capture", signed_in(202, anonymous=401), method="post",
                                     data=lambda s: _epcis_document(), content_type="application/ld+json"),
    "trace:epcis_events#POST": Case("/epcis/events", signed_in(201, anonymous=401), method="post",
                                    data=lambda s: _epcis_event(), content_type="application/ld+json"),
    "trace:epcis_queries#POST": Case("/epcis/queries", signed_in(201, anonymous=401), method="post",
                                     data=lambda s: {"name": f"Q{next(_SERIAL)}",
                                                     "query": {"eventType": ["ObjectEvent"]}},
                                     content_type="application/json"),
    "trace:epcis_query#DELETE": Case(lambda s: f"/epcis/queries/{s['query']}", {**EPCIS_PRIVATE, "coop_manager": 204},
                                     method="delete", fresh=lambda w, s: fresh_epcis_query(w, s)),
    "trace:epcis_subscriptions#POST": Case(lambda s: f"/epcis/queries/{s['query']}/subscriptions",
                                           {**EPCIS_PRIVATE, "coop_manager": 201}, method="post",
                                           data={"dest": "https://hooks.example.com/htx", "stream": True},
                                           content_type="application/json"),
    "trace:epcis_subscription#DELETE": Case(
        lambda s: f"/epcis/queries/{s['query']}/subscriptions/{s['subscription']}",
        {**EPCIS_PRIVATE, "coop_manager": 204}, method="delete", fresh=lambda w, s: fresh_epcis_subscription(w, s)),
})

# Patterns that are not pages of ours (none yet); each needs a reason.
NOT_IN_MATRIX: dict[str, str] = {}


def _walk(resolver, prefix="", namespace=None):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = ":".join(x for x in (namespace, pattern.namespace) if x) or None
            yield from _walk(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name, pattern.callback


def all_patterns():
    return list(_walk(get_resolver()))


def url_name(key: str) -> str:
    """The URL name of a matrix key: `name`, or `name#METHOD` for a second method of the same URL."""
    return key.split("#", 1)[0]


def test_every_url_is_in_the_matrix():
    missing = [(route, name) for route, name, _ in all_patterns()
               if name not in MATRIX and name not in NOT_IN_MATRIX]
    assert not missing, f"URL patterns without an entry in the authorization matrix: {missing}"
    stale = {url_name(key) for key in MATRIX} - {name for _, name, _ in all_patterns()}
    assert not stale, f"Matrix entries for URLs that no longer exist: {stale}"
    wrong = [key for key in MATRIX if "#" in key and key.split("#", 1)[1] != MATRIX[key].method.upper()]
    assert not wrong, f"`name#METHOD` keys whose case sends another method: {wrong}"


def _route_shape(route: str) -> str:
    """`api/v1/x/<int:pk>/y` and `/api/v1/x/{pk}/y` both become `api/v1/x/{}/y`."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", route).lstrip("/")


def covered_operations() -> set[tuple[str, str]]:
    """(METHOD, route shape) of every matrix case."""
    routes = {name: route for route, name, _ in all_patterns()}
    return {(case.method.upper(), _route_shape(routes[url_name(key)])) for key, case in MATRIX.items()
            if url_name(key) in routes}


def test_every_api_operation_is_in_the_matrix():
    """Every operation of /api/v1 (read from the OpenAPI schema clients see: path AND method) has a
    case that sends that method to that path. The URL-name check above cannot see a method that
    shares its URL pattern with another."""
    from htxconnect.api.urls import iter_operations

    operations = {(method, _route_shape(path)) for path, method, _auth in iter_operations()}
    assert len(operations) >= 15  # the enumeration itself works (15 operations at the time of writing)
    missing = sorted(operations - covered_operations())
    assert not missing, f"API operations without a case in the authorization matrix: {missing}"


# Answers every method alike (404 problem+json): nothing behind it to authorise.
CATCH_ALL = {"trace:epcis_not_found"}
# Methods the probe below sends to every EPCIS and resolver URL.
PROBED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Machine endpoints (the EPCIS binding, the Digital Link resolver and the scan pages) say which methods they
# take; a method they do not refuse with 405 must have its own case.
MACHINE_ENDPOINTS = ("trace:epcis_", "resolver:well_known", "resolver:digital_link", "resolver:compressed_link",
                     "resolver:scan_", "resolver:report")


def test_every_epcis_and_resolver_method_is_in_the_matrix(world, samples):
    """Probe every EPCIS and resolver endpoint with each method as the administrator: a method that is
    not answered 405 is one the endpoint takes, and must have its own case (`name#METHOD`)."""
    client = world.client("admin")
    covered = covered_operations()
    routes = {name: route for route, name, _ in all_patterns()}
    missing, probed = [], 0
    for key, case in MATRIX.items():
        if "#" in key or not key.startswith(MACHINE_ENDPOINTS) or key in CATCH_ALL:
            continue
        path = case.path(samples) if callable(case.path) else case.path
        for method in PROBED_METHODS:
            if (method, _route_shape(routes[key])) in covered:
                continue
            response = client.generic(method, path, data=b"", content_type="application/json")
            probed += 1
            if response.status_code != 405:
                missing.append((key, method, response.status_code))
    assert probed > 100, probed
    assert not missing, f"methods taken by EPCIS/resolver endpoints without a case: {missing}"


def test_every_page_view_declares_its_permission():
    """Django views carry the rule from core.permissions; API endpoints declare auth in ninja."""
    undeclared = [
        (route, name) for route, name, callback in all_patterns()
        if not route.startswith("api/") and not hasattr(callback, "permission")
        and not hasattr(getattr(callback, "view_class", None), "permission")
    ]
    assert not undeclared, f"views without a declared permission: {undeclared}"


def trace_samples(world, samples) -> dict:
    from htxconnect.trace.epcis.capture import receive_document
    from htxconnect.trace.epcis.subscriptions import create_query, create_subscription
    from htxconnect.trace.models import EPCISEvent
    from tests.trace.conftest import make_document, object_event

    owner = world.people["coop_manager"]
    epc = "urn:epc:id:sgtin:893777001.0001.MT-1"
    job = receive_document(make_document([object_event(1, epcList=[epc])]), user=owner, synchronous=True)
    event = EPCISEvent.objects.get(event_id="urn:uuid:00000000-0000-4000-8000-000000000001")
    query = create_query(user=owner, name="LoMaTran", definition={"eventType": ["ObjectEvent"]})
    subscription = create_subscription(user=owner, query=query,
                                       body={"dest": "https://hooks.example.com/htx", "stream": True})
    return {"capture": job.pk, "event": event.event_id, "epc": epc, "query": query.name,
            "subscription": subscription.pk}


_SERIAL = itertools.count(1000)


def _epcis_event() -> dict:
    from tests.trace.conftest import object_event

    return {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            **object_event(next(_SERIAL), epcList=["urn:epc:id:sgtin:893777001.0001.MT-2"])}


def _epcis_document() -> dict:
    from tests.trace.conftest import make_document

    event = _epcis_event()
    del event["@context"]
    return make_document([event])


def fresh_epcis_query(world, samples) -> dict:
    from htxconnect.trace.epcis.subscriptions import create_query

    query = create_query(user=world.people["coop_manager"], name=f"Xoa{next(_SERIAL)}",
                         definition={"eventType": ["ObjectEvent"]})
    return samples.fresh(query=query.name)


def fresh_epcis_subscription(world, samples) -> dict:
    from htxconnect.trace.epcis.subscriptions import create_query, create_subscription

    query = create_query(user=world.people["coop_manager"], name=f"Huy{next(_SERIAL)}",
                         definition={"eventType": ["ObjectEvent"]})
    subscription = create_subscription(user=world.people["coop_manager"], query=query,
                                       body={"dest": "https://hooks.example.com/htx", "stream": True})
    return samples.fresh(query=query.name, subscription=subscription.pk)


def fresh_import_job(world, samples) -> dict:
    from htxconnect.registry.importer import jobs
    from tests.registry.fixtures.workbooks import org, workbook

    source = world.tmp / f"import-{len(list(world.tmp.iterdir()))}.xlsx"
    source.write_bytes(workbook({"organizations": [org("HTX Nhập Thử", address="xã Tân Hiệp, tỉnh Bình Dương"),
                                                   org("HTX Sai Mã Số Thuế", tax_code="123")]}))
    job = jobs.create(user_id=world.people["officer"].pk, filename="to-chuc.xlsx", source=source)
    return samples.fresh(import_job=job["id"]) if isinstance(samples, Samples) else {"import_job": job["id"]}


def checked_import_job(world, samples) -> dict:
    """An import job that has been checked: its preview and its errors workbook (one bad row) exist."""
    from htxconnect.registry.importer import pipeline

    job_id = fresh_import_job(world, {})["import_job"]
    pipeline.run_check(job_id)
    return {"checked_import_job": job_id}


def private_file_samples(world, samples) -> dict:
    """A scan attached to the sample certification of world.org, stored as its form would store it."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from htxconnect.registry.models import Certification

    cert = Certification.objects.get(pk=samples["certification"])
    name = default_storage.save(cert._meta.get_field("document").generate_filename(cert, "ban-quet.pdf"),
                                ContentFile(b"%PDF-1.4\n%%EOF\n"))
    Certification.objects.filter(pk=cert.pk).update(document=name)
    return {"private_file": name}


def accounts_samples(world, samples) -> dict:
    from htxconnect.accounts import apikeys
    from htxconnect.core.actors import SYSTEM

    key, _raw = apikeys.issue_key(world.people["coop_manager"], "máy quét", by=SYSTEM)
    return {"people": {who: user.pk for who, user in world.people.items()}, **fresh_device(world, {}),
            "api_key": key.pk}


def fresh_device(world, samples) -> dict:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=world.people["officer"], name="điện thoại cũ", confirmed=True)
    return samples.fresh(device=device.pk) if isinstance(samples, Samples) else {"device": device.pk}


# Each app adds the builder of its samples here (see tests/world.py), with the keys it provides.
# Samples are built on first use, so a case only pays for the objects its path names.
SAMPLES = [
    ({"org", "product", "certification", "ip", "ocop", "person", "grant", "membership"}, lambda world, samples: registry_samples(world)),
    ({"gtin", "lot", "lot_code", "run", "link"}, resolver_samples),
    ({"capture", "event", "epc", "query", "subscription"}, trace_samples),
    ({"people", "device", "api_key"}, accounts_samples),
    ({"private_file"}, private_file_samples),
    ({"import_job"}, lambda world, samples: fresh_import_job(world, samples)),
    ({"checked_import_job"}, checked_import_job),
    ({"published_event", "draft_event", "registration", "ticket"}, events_samples),
    (FOLLOWUP_KEYS, followup_samples),
    ({"offer", "demand", "connection", "deal", "buyer"}, market_samples),
    (PORTAL_KEYS, portal_samples),
]


class Samples(dict):
    """{key: id} of the sample objects, each group built by its builder when first asked for."""

    def __init__(self, world, parent=None):
        super().__init__()
        self.world, self.parent = world, parent

    def __missing__(self, key):
        if self.parent is not None:  # a fresh copy shares everything else with its parent
            return self.parent[key]
        for keys, build in SAMPLES:
            if key in keys:
                self.update({k: v for k, v in build(self.world, self).items() if k in keys})
                return self[key]
        raise KeyError(key)

    def fresh(self, **values):
        copy = Samples(self.world, parent=self)
        copy.update(values)
        return copy


@pytest.fixture
def samples(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # import jobs and label sheets are files
    world.tmp = tmp_path
    return Samples(world)


@pytest.fixture
def matrix_clients(world):
    return {who: world.client(who) for who in WHO}


def _answer(response):
    if response.status_code in (301, 302) and "/accounts/login/" in response.get("Location", ""):
        return "login"
    return response.status_code


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_matrix(name, world, samples, matrix_clients):
    case = MATRIX[name]
    got, want, paths = {}, {}, {}
    for who in WHO:
        mine = case.fresh(world, samples) if case.fresh else samples
        path = case.path(mine) if callable(case.path) else case.path
        data = case.data(mine) if callable(case.data) else case.data
        body = {"content_type": case.content_type} if case.content_type else {}
        response = getattr(matrix_clients[who], case.method)(path, data=data, headers=case.headers, **body)
        got[who], want[who], paths[who] = _answer(response), case.expect[who], path
    mismatches = {who: (got[who], want[who]) for who in WHO if got[who] != want[who]}
    assert not mismatches, f"{name} {case.method.upper()} {paths['admin']}: (got, expected) {mismatches}"


def test_every_case_says_what_each_person_gets():
    incomplete = {name: set(WHO) ^ set(case.expect) for name, case in MATRIX.items() if set(case.expect) != set(WHO)}
    assert not incomplete, incomplete


def test_matrix_ids_exist(world, samples):
    """No case passes on "no such id": in every case someone gets a success (2xx or 3xx), unless
    the case is listed below with its reason; and the sample ids resolve to rows."""
    vacuous = [name for name, case in MATRIX.items()
               if not any(isinstance(code, int) and 200 <= code < 400 for code in case.expect.values())
               and name not in NOBODY_SUCCEEDS]
    assert not vacuous, f"cases where nobody reaches the object (ids that do not exist?): {vacuous}"
    from htxconnect.registry.models import Organization, Person, Product
    from htxconnect.resolver.models import Link, Lot, PrintRun

    for model, key in ((Organization, "org"), (Product, "product"), (Person, "person"), (Lot, "lot"),
                       (PrintRun, "run"), (Link, "link")):
        assert model.objects.filter(pk=samples[key]).exists(), key


# Cases in which nobody succeeds, on purpose.
NOBODY_SUCCEEDS = {
    "api:not-found": "the API's answer for an unknown path",
    "trace:epcis_not_found": "the EPCIS binding's answer for an unknown resource",
    "trace:epcis_readPoints_item": "a place no event names is 404 for everyone (the lists and /events cases get 200)",
    "trace:epcis_bizLocations_item": "a place no event names is 404 for everyone (the lists and /events cases get 200)",
    "accounts:logout": "signing out always lands on the login page",
    "accounts:unlock_request": "asking for an unlock link always lands on the login page (it tells nobody which accounts exist)",
    "metrics": "no person's session opens /metrics: only METRICS_TOKEN does (tests/ops/test_metrics.py)",
}
