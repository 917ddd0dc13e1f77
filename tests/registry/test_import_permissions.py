"""Every import/export view declares its permission rule. What each person gets from each URL,
on real objects, is in the project's authorization matrix (tests.registry.test_import_views.
import_matrix, merged by tests/test_authorization_matrix.py)."""


def test_every_view_declares_its_rule():
    from django.urls import get_resolver

    resolver = get_resolver("htxconnect.registry.import_urls")
    for pattern in resolver.url_patterns:
        assert hasattr(pattern.callback, "permission"), pattern.name
