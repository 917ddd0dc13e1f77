"""Runs the resolver's authorization-matrix entries (until they are merged into the project matrix)."""

import pytest

from tests.resolver.matrix import resolver_matrix
from tests.test_authorization_matrix import WHO, _answer

CASES = resolver_matrix()


@pytest.mark.parametrize("name", sorted(CASES))
def test_resolver_matrix(name, clients):
    case = CASES[name]
    path = case.path({}) if callable(case.path) else case.path
    got = {who: _answer(getattr(clients[who], case.method)(path, data=case.data)) for who in WHO}
    mismatches = {who: (got[who], case.expect[who]) for who in WHO if got[who] != case.expect[who]}
    assert not mismatches, f"{name} {case.method.upper()} {path}: (got, expected) {mismatches}"


def test_every_resolver_url_has_an_entry():
    from htxconnect.resolver import urls

    names = {f"resolver:{p.name}" for p in urls.urlpatterns}
    assert names == set(CASES)
