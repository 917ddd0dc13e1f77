"""Request ids and structured logs: every request gets an id (nginx's when trusted), sent back in
X-Request-ID; one log line per request with method, path, status, duration and user id; log lines
written during a request or a task run carry its id."""

import logging
import re
from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.test import Client

from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db

HEX32 = re.compile(r"[0-9a-f]{32}")


def request_lines(caplog):
    return [r for r in caplog.records if r.name == "htxconnect.request"]


def test_every_response_carries_a_new_request_id():
    a, b = Client().get("/healthz"), Client().get("/healthz")
    assert HEX32.fullmatch(a["X-Request-ID"]) and HEX32.fullmatch(b["X-Request-ID"])
    assert a["X-Request-ID"] != b["X-Request-ID"]


def test_a_client_cannot_choose_its_request_id_unless_behind_our_proxy(settings):
    settings.TRUST_X_REQUEST_ID = False
    sent = "0123456789abcdef0123456789abcdef"
    assert Client().get("/healthz", headers={"X-Request-ID": sent})["X-Request-ID"] != sent
    settings.TRUST_X_REQUEST_ID = True  # nginx overwrites the header: proxy_set_header X-Request-ID $request_id
    assert Client().get("/healthz", headers={"X-Request-ID": sent})["X-Request-ID"] == sent
    # even then, only an id-shaped value: no log injection through the header
    for bad in ("abc", "x" * 200, "abc def\n{\"level\":\"ERROR\"}", "<script>alert(1)</script>"):
        got = Client().get("/healthz", headers={"X-Request-ID": bad})["X-Request-ID"]
        assert got != bad and HEX32.fullmatch(got)


def test_one_line_per_request_with_the_signed_in_users_id_only(caplog, users):
    user = users["coop_manager"]
    client = signed_in_client(user)
    with caplog.at_level(logging.INFO, logger="htxconnect.request"):
        response = client.get("/accounts/profile/?q=secret-search")
    assert response.status_code == 200
    [line] = request_lines(caplog)
    assert line.request_id == response["X-Request-ID"]
    assert (line.method, line.path, line.status, line.route) == ("GET", "/accounts/profile/", 200, "accounts:profile")
    assert line.user_id == user.pk
    assert line.duration_ms >= 0
    # no personal data beyond the id, and no query string (search terms, tokens)
    text = line.getMessage() + repr(vars(line))
    assert user.username not in text and "secret-search" not in text


def test_the_log_line_never_loads_a_user_the_page_did_not_look_at(caplog, users, django_assert_num_queries):
    client = signed_in_client(users["coop_manager"])
    with caplog.at_level(logging.INFO, logger="htxconnect.request"):
        response = client.get("/healthz")
    [line] = request_lines(caplog)
    assert line.user_id is None and line.status == 200
    assert response.status_code == 200


def test_anonymous_and_errors(caplog):
    with caplog.at_level(logging.INFO, logger="htxconnect.request"):
        Client().get("/khong/co/trang.nay")
    [line] = request_lines(caplog)
    assert (line.status, line.user_id, line.route, line.levelname) == (404, None, "unmatched", "INFO")


def test_lines_written_during_a_request_carry_its_id(caplog):
    from htxconnect.core import health

    class BrokenConnection:
        vendor = "postgresql"

        def cursor(self):
            raise OperationalError("down")

    with mock.patch.object(health, "connection", BrokenConnection()), caplog.at_level(logging.INFO):
        response = Client().get("/readyz")
    [failure] = [r for r in caplog.records if r.name == "htxconnect.health"]
    assert failure.request_id == response["X-Request-ID"]
    assert failure.task_id is None


def test_task_runs_log_with_their_task_id(caplog):
    from tests.ops.tasks_for_tests import says_hello

    with caplog.at_level(logging.INFO):
        result = says_hello.enqueue("Lan")
    [hello] = [r for r in caplog.records if r.name == "tests.ops.tasks" and r.getMessage() == "hello Lan"]
    assert hello.task_id == str(result.id)
    assert hello.request_id is None  # enqueued outside a request
    [done] = [r for r in caplog.records if r.name == "htxconnect.task"]
    assert done.task_id == str(result.id)
    assert (done.task, done.task_status) == ("tests.ops.tasks_for_tests.says_hello", "successful")
    # after the run, lines are no longer tagged with it
    logging.getLogger("tests.ops.tasks").info("after")
    assert caplog.records[-1].task_id is None


def test_a_task_run_inside_a_request_carries_both_ids(caplog):
    """ImmediateBackend (the test settings) runs a task inside the request that queued it."""
    from htxconnect.core.logcontext import REQUEST_ID
    from tests.ops.tasks_for_tests import says_hello

    token = REQUEST_ID.set("req-0123456789")
    try:
        with caplog.at_level(logging.INFO):
            result = says_hello.enqueue("Minh")
    finally:
        REQUEST_ID.reset(token)
    [hello] = [r for r in caplog.records if r.name == "tests.ops.tasks"]
    assert (hello.request_id, hello.task_id) == ("req-0123456789", str(result.id))


def test_demo_lines_stay_plain_and_name_the_request():
    from htxconnect.core.logcontext import PlainFormatter

    formatter = PlainFormatter("%(levelname)s %(name)s %(message)s")
    record = logging.LogRecord("htxconnect.request", logging.INFO, __file__, 1, "GET / 200 3.0ms", None, None)
    record.request_id, record.task_id = "abc123", None
    assert formatter.format(record) == "INFO htxconnect.request GET / 200 3.0ms [request_id=abc123]"
    record.request_id = None
    assert formatter.format(record) == "INFO htxconnect.request GET / 200 3.0ms"
