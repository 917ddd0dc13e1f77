"""One registry of audit action types, and explicit actors (issue 9).

- every `audit.record(...)` in the code names a declared action (a constant from an app's
  audit_actions.py), never a string literal or an f-string: checked on the source and at run time;
- every action has a Vietnamese name;
- `None` is no actor: services and the audit refuse it; the system actor is explicit, skips the
  permission checks and is shown as "hệ thống (<what acted>)";
- the audit never reads the current request: the address comes with the actor or explicitly.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

from htxconnect.core import audit
from htxconnect.core.actors import SYSTEM, system_actor
from htxconnect.core.models import AuditEntry

SOURCE = pathlib.Path(__file__).resolve().parents[2] / "htxconnect"


@pytest.fixture
def orgs(users):
    from htxconnect.registry import services

    return {"oi": services.create_organization(actor=SYSTEM, name="HTX Ổi Thanh Kiên", province_code="79")}


def _python_files():
    return [p for p in SOURCE.rglob("*.py") if "migrations" not in p.parts]


RECORDING_HELPERS = {"_record"}  # programs.services._record(action, obj, …)


def _record_calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "record" and \
                    isinstance(func.value, ast.Name) and func.value.id == "audit":
                yield node
            # An app's own recording helper passes its first argument on as the action.
            elif isinstance(func, ast.Name) and func.id in RECORDING_HELPERS:
                yield node


def test_every_audit_call_names_a_registered_constant_not_a_string():
    """A string or f-string as the action (or a string built at run time) is refused on sight."""
    offenders, calls = [], 0
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in _record_calls(tree):
            calls += 1
            first = call.args[0] if call.args else None
            if first is None or any(isinstance(n, (ast.Constant, ast.JoinedStr, ast.BinOp)) and
                                    not (isinstance(n, ast.Constant) and not isinstance(n.value, str))
                                    for n in ast.walk(first)):
                offenders.append(f"{path.relative_to(SOURCE.parent)}:{call.lineno}")
    assert calls > 40  # the scan really looked at the services
    assert not offenders, "audit.record with a free-text action: " + ", ".join(offenders)


def test_only_the_audit_module_writes_entries():
    writers = []
    for path in _python_files():
        text = path.read_text(encoding="utf-8")
        if "AuditEntry.objects.create" in text or "AuditEntry(" in text.replace("class AuditEntry(", ""):
            writers.append(path.relative_to(SOURCE).as_posix())
    assert writers == ["core/audit.py"]


def test_every_declaration_is_a_literal_code_with_a_vietnamese_name():
    declared = []
    for path in SOURCE.rglob("audit_actions.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "action":
                code = node.args[0]
                assert isinstance(code, ast.Constant) and isinstance(code.value, str), f"{path}:{node.lineno}"
                declared.append(code.value)
    assert len(declared) == len(set(declared)), "an action code declared twice"
    registered = {a.code for a in audit.registered_actions()}
    assert set(declared) <= registered  # all loaded at start-up (CoreConfig.ready)
    for item in audit.registered_actions():
        label = str(item.label)
        assert label and label != item.code and "." not in label, item.code
    # The list: these events exist as action types.
    for code in ("accounts.login.succeeded", "accounts.login.failed", "accounts.login.locked_out",
                 "accounts.login.logged_out", "accounts.second_factor.succeeded", "accounts.second_factor.failed",
                 "accounts.api_key.used", "accounts.user.role_changed", "registry.export.organizations",
                 "registry.export.products", "registry.person.exported", "resolver.lot.exported",
                 "resolver.printrun.exported", "registry.export.import_errors", "programs.export.supports",
                 "programs.export.applications"):
        assert code in registered, code


@pytest.mark.django_db
def test_record_refuses_a_string_an_unregistered_action_and_a_missing_actor():
    with pytest.raises(TypeError):
        audit.record("registry.organization.updated", actor=SYSTEM)
    with pytest.raises(TypeError):
        audit.record(audit.Action("tests.made.up", "Bịa ra"), actor=SYSTEM)
    from htxconnect.registry.audit_actions import ORGANIZATION_UPDATED

    with pytest.raises(TypeError):
        audit.record(ORGANIZATION_UPDATED, actor=None)
    with pytest.raises(TypeError):
        audit.record(ORGANIZATION_UPDATED)  # the actor is a required argument
    assert not AuditEntry.objects.exists()


def test_action_codes_are_dotted_and_declared_once():
    with pytest.raises(ValueError):
        audit.action("Sửa tổ chức", "Sửa tổ chức")
    with pytest.raises(ValueError):
        audit.action("registry.organization.updated", "Một tên khác")


def test_action_label_of_an_undeclared_code_is_the_code():
    assert audit.action_label("registry.organization.updated") == "Sửa tổ chức"
    assert audit.action_label("old.removed.action") == "old.removed.action"


# --- Explicit actors ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_services_refuse_none_as_actor(orgs):
    from htxconnect.registry import services

    with pytest.raises(TypeError):
        services.update_organization(actor=None, organization=orgs["oi"], members_count=3)
    with pytest.raises(TypeError):
        services.create_organization(actor=None, name="HTX Không Ai", province_code="79")


@pytest.mark.django_db
def test_programs_services_refuse_none_as_actor(agencies):
    from htxconnect.programs import services

    with pytest.raises(TypeError):
        services.create_program(actor=None, agency=agencies[0], name="CT", start_year=2025, end_year=2026)
    program = services.create_program(actor=SYSTEM, agency=agencies[0], name="CT", start_year=2025, end_year=2026)
    with pytest.raises(TypeError):
        services.create_plan(actor=None, program=program, year=2025)
    entry = AuditEntry.objects.get(action="programs.program.created")
    assert entry.actor is None and entry.actor_repr == "hệ thống" and entry.agency_id == agencies[0].pk


@pytest.mark.django_db
def test_the_system_actor_skips_permission_checks_and_is_named_in_the_log(orgs, users):
    from django.core.exceptions import PermissionDenied

    from htxconnect.registry import services

    with pytest.raises(PermissionDenied):  # a buyer may not edit a cooperative
        services.update_organization(actor=users["buyer"], organization=orgs["oi"], members_count=3)
    services.update_organization(actor=system_actor("load_demo"), organization=orgs["oi"], members_count=3)
    entry = AuditEntry.objects.get(action="registry.organization.updated")
    assert entry.actor is None and entry.actor_repr == "hệ thống (load_demo)"
    assert entry.ip == ""


@pytest.mark.django_db
def test_the_audit_does_not_guess_the_actor_from_a_request(orgs, users, rf):
    """Even inside a request the audit writes what it is given: no ambient user, no ambient address."""
    from htxconnect.core import middleware
    from htxconnect.registry import services

    request = rf.get("/", REMOTE_ADDR="203.0.113.9")
    request.user = users["admin"]

    def view(req):
        # The service is told the system acts, although an administrator is signed in.
        services.update_organization(actor=SYSTEM, organization=orgs["oi"], members_count=4)

    middleware.ActorAddressMiddleware(view)(request)
    entry = AuditEntry.objects.get(action="registry.organization.updated")
    assert entry.actor is None and entry.actor_repr == "hệ thống" and entry.ip == ""


def test_the_audit_module_has_no_request_state():
    text = (SOURCE / "core" / "audit.py").read_text(encoding="utf-8")
    assert "request_context" not in text and "contextvars" not in text
    assert "ContextVar" not in (SOURCE / "core" / "request_context.py").read_text(encoding="utf-8")


@pytest.mark.django_db
def test_a_page_audits_the_signed_in_user_and_their_address(as_user, users):
    """Through the web: the middleware hands the address to the user, the service records both."""
    client = as_user(users["officer"])
    response = client.post("/accounts/profile/", {"full_name": "Trần Thị Mai", "email": "mai@example.vn",
                                                  "phone": "", "job_title": "Chuyên viên"},
                           REMOTE_ADDR="192.0.2.44")
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="accounts.user.profile_updated")
    assert entry.actor == users["officer"] and entry.ip == "192.0.2.44"
    assert entry.agency_id == users["officer"].agency_id
