"""The deployment check: per-process caches are refused outside the demo and the tests."""

import pytest

from htxconnect.core.checks import check_shared_cache

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}


@pytest.mark.parametrize("caches", [LOCMEM, {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}])
def test_per_process_cache_fails_in_production(settings, caches):
    settings.DJANGO_ENV, settings.CACHES = "production", caches
    errors = check_shared_cache()
    assert [e.id for e in errors] == ["htx.E001"] and errors[0].is_serious()


@pytest.mark.parametrize("env", ["demo", "test"])
def test_local_memory_is_fine_for_one_process_runs(settings, env):
    settings.DJANGO_ENV, settings.CACHES = env, LOCMEM
    assert check_shared_cache() == []


def test_shared_cache_passes(settings):
    settings.DJANGO_ENV, settings.CACHES = "production", REDIS
    assert check_shared_cache() == []


def test_the_check_is_registered_for_deploy():
    from django.core import checks

    assert check_shared_cache in checks.registry.registry.get_checks(include_deployment_checks=True)
