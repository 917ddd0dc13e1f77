"""Shared fixtures: one user of every role, two agencies in different provinces.

`as_role(role)` returns a test client signed in as that role (staff pass two-factor
authentication the way the OTP middleware checks it), so every feature can be tested for who
may and who may not.
"""

import os

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from htxconnect.core.roles import Role
from tests.migration_states import migrate_to  # noqa: F401 - data migrations tested on old rows
from tests.world import world  # noqa: F401 - the owner/teammate/outsider fixture

ROLES = [r.value for r in Role]

# Property tests: no per-example deadline. On two cores shared with other work, a slow example
# (the first call warms caches, a database round trip, a busy neighbour) is not a failure; a
# deadline there only makes runs flaky. HYPOTHESIS_PROFILE=thorough runs more examples.
hypothesis_settings.register_profile("htx", deadline=None, print_blob=True)
hypothesis_settings.register_profile("thorough", deadline=None, print_blob=True, max_examples=1000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "htx"))


@pytest.fixture(autouse=True)
def clean_cache():
    """Each test starts with an empty cache: throttling counters, cached pages and buffered
    scans must not leak from one test (and its database) into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
PASSWORD = "Mat-khau-thu-nghiem-2026"


@pytest.fixture
def agencies(db):
    from htxconnect.accounts.models import Agency

    home = Agency.objects.create(name="Sở Khoa học và Công nghệ TP. Hồ Chí Minh", short_name="Sở KH&CN HCM",
                                 kind=Agency.Kind.DOST, province_code="79", province_name="Thành phố Hồ Chí Minh")
    other = Agency.objects.create(name="Liên minh Hợp tác xã tỉnh An Giang", short_name="LM HTX AG",
                                  kind=Agency.Kind.ALLIANCE, province_code="91", province_name="Tỉnh An Giang")
    return home, other


def make_user(username, role, agency=None, **extra):
    from htxconnect.accounts.models import User

    user = User.objects.create_user(username=username, password=PASSWORD, role=role, agency=agency,
                                    email=f"{username}@example.vn", full_name=extra.pop("full_name", username), **extra)
    if role in (Role.ADMIN, Role.LEADER, Role.OFFICER):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    return user


@pytest.fixture
def users(agencies):
    """{role: user} plus "other_officer" and "other_leader" of the second agency."""
    home, other = agencies
    result = {}
    for role in ROLES:
        agency = home if role in (Role.LEADER, Role.OFFICER) else None
        result[role] = make_user(f"u_{role}", role, agency)
    result["other_officer"] = make_user("u_other_officer", Role.OFFICER, other)
    result["other_leader"] = make_user("u_other_leader", Role.LEADER, other)
    return result


def signed_in_client(user) -> Client:
    """A client with a session for `user`, two-factor verified when the user has a device."""
    client = Client()
    client.force_login(user)
    device = user.totpdevice_set.first() if hasattr(user, "totpdevice_set") else None
    if device is not None:
        from django_otp import DEVICE_ID_SESSION_KEY

        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def as_user():
    return signed_in_client


@pytest.fixture
def clients(users):
    """{name: client} for anonymous, every role and the other agency's officer."""
    result = {"anonymous": Client()}
    for name, user in users.items():
        result[name] = signed_in_client(user)
    return result


@pytest.fixture
def database_task_queue(settings):
    """The demo's task queue (django-tasks-db) instead of the immediate one; returns a function listing
    the queued tasks as (task path, args). core.outbox writes them in the caller's transaction, so a
    test that does not run the after-commit callbacks still finds them (decision 0027)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}}

    def queued():
        from django_tasks_db.models import DBTaskResult

        return [(row.task_path, row.args_kwargs["args"]) for row in DBTaskResult.objects.order_by("enqueued_at")]

    return queued


@pytest.fixture
def compiles(monkeypatch):
    """The number of SQL compilations since the fixture started (queries compiled once,
    htxconnect/core/compiled.py, compile no more on later calls)."""
    from django.db.models.sql.compiler import SQLCompiler

    count = [0]
    as_sql = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        count[0] += 1
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    return count
