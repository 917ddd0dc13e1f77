"""Authorization-matrix entries of the programs' URLs (merged into tests/test_authorization_matrix.py).

Real objects, created on first use inside the test's transaction: a program of the home agency
(province 79) with a plan and a target, a support, a loan and an S&T task for a cooperative whose
manager is `u_coop_manager`, a policy of the home agency and a submitted application under it.
`u_coop_member` is linked to no organisation, the other agency's staff are outsiders.
"""

from __future__ import annotations

import datetime

from tests.world import WHO
from htxconnect.core.actors import SYSTEM


def _answers(**by_who):
    """The home agency's teammate answers as its officer; another cooperative's manager as the
    member linked to no cooperative of the sample (unless said)."""
    default = by_who.pop("default")
    by_who.setdefault("officer_teammate", by_who.get("officer", default))
    by_who.setdefault("coop_outsider", by_who.get("coop_member", default))
    return {who: by_who.get(who, default) for who in WHO}


def sample() -> dict:
    from django.core.files.base import ContentFile

    from htxconnect.accounts.models import Agency, User
    from htxconnect.programs import services
    from htxconnect.programs.models import Application
    from htxconnect.registry import services as registry_services
    from htxconnect.registry.models import Organization, OrganizationUser

    application = Application.objects.filter(title="Hồ sơ ma trận").first()
    if application is None:
        home = Agency.objects.get(province_code="79")
        coop = Organization.objects.filter(name="HTX Ma Trận Chương Trình").first()
        if coop is None:
            coop = registry_services.create_organization(actor=SYSTEM, name="HTX Ma Trận Chương Trình",
                                                         province_code="79")
            OrganizationUser.objects.create(user=User.objects.get(username="u_coop_manager"), organization=coop)
        program = services.create_program(actor=SYSTEM, agency=home, name="CT ma trận", start_year=2025, end_year=2026)
        group = services.add_content_group(actor=SYSTEM, program=program, number=1, title="Nhóm 1")
        plan = services.create_plan(actor=SYSTEM, program=program, year=2025)
        services.add_target(actor=SYSTEM, plan=plan, group=group, title="Mã vạch", indicator="orgs_supported",
                            params={"kinds": ["barcode"]}, value=5, unit="HTX")
        services.record_support(actor=SYSTEM, organization=coop, program=program, group=group, kind="barcode",
                                title="Mã vạch", given_on=datetime.date(2025, 3, 1))
        services.create_loan(actor=SYSTEM, agency=home, borrowers=[coop], fund="Quỹ", purpose="Vay ma trận",
                             principal=1_000_000, approved_on=datetime.date(2025, 1, 1))
        services.create_science_task(actor=SYSTEM, agency=home, host=coop, title="Nhiệm vụ ma trận")
        policy = services.create_policy(actor=SYSTEM, agency=home, number="1/ma-tran", title="Chính sách ma trận",
                                        issuer="UBND", issued_on=datetime.date(2025, 1, 1))
        item = services.add_support_item(actor=SYSTEM, policy=policy, code="1", name="Nội dung",
                                         required_documents=["Đơn"])
        # An item that asks for no documents: the API submits under it in one call.
        services.add_support_item(actor=SYSTEM, policy=policy, code="2", name="Nội dung không cần giấy tờ")
        application = services.create_application(
            actor=SYSTEM, organization=coop, item=item, title="Hồ sơ ma trận", amount_requested=1_000,
            documents={"Đơn": ContentFile(b"%PDF-1.4\n%%EOF\n", name="don.pdf")})
        services.transition_application(actor=SYSTEM, application_id=application.pk, action="submit")
    coop = application.organization
    program = coop.supports.get().program
    first_plan = program.plans.order_by("year").first()  # the copy case adds the next year's plan
    return {"program": program.pk, "plan": first_plan.pk, "target": first_plan.targets.get().pk,
            "support": coop.supports.get().pk, "loan": coop.loans.get().pk, "task": coop.hosted_tasks.get().pk,
            "policy": application.item.policy_id, "item": application.item_id, "application": application.pk,
            "organization": coop.pk, "item_without_documents": application.item.policy.items.get(code="2").pk}


AGENCY_STAFF = _answers(default=403, anonymous="login", admin=200, leader=200, officer=200, other_officer=200,
                        other_leader=200)
# A record of the home agency: its staff; the other agency's staff do not learn it exists.
HOME_STAFF = _answers(default=403, anonymous="login", admin=200, leader=200, officer=200, other_officer=404,
                      other_leader=404)
COOP = _answers(default=200, anonymous="login", buyer=403)
OFFICERS = _answers(default=403, anonymous="login", admin=200, officer=200, other_officer=200)
# A record of the home agency about the manager's cooperative: staff, and the cooperative's own manager.
OWN = _answers(default=404, anonymous="login", admin=200, leader=200, officer=200, coop_manager=200, buyer=403)
OWN_POST = {who: (302 if code == 200 else code) for who, code in OWN.items()}
API_COOP = _answers(default=200, anonymous=401, buyer=403)
API_STAFF = _answers(default=403, anonymous=401, admin=200, leader=200, officer=200, other_officer=200,
                     other_leader=200)
API_HOME_STAFF = {**API_STAFF, "other_officer": 404, "other_leader": 404}
API_OWN = {**OWN, "anonymous": 401}


def support_import_job() -> str:
    """A checked support import of the home officer (an upload is its uploader's alone): one good row
    for a cooperative of the home province, one with an error, so the preview, the errors workbook and the commit
    all have something to show. A new job each call: a commit uses its job up."""
    import io

    from django.core.files.base import ContentFile
    from openpyxl import Workbook

    from htxconnect.accounts.models import User
    from htxconnect.programs import supimport
    from htxconnect.registry.importer import jobs

    from htxconnect.registry import services as registry_services
    from htxconnect.registry.models import Organization

    # Its own cooperative: the sample's keeps exactly one support (sample() reads it back).
    if not Organization.objects.filter(name="HTX Ma Trận Nhập").exists():
        registry_services.create_organization(actor=SYSTEM, name="HTX Ma Trận Nhập", province_code="79")
    wb = Workbook()
    ws = wb.active
    ws.title = "Hỗ trợ"
    ws.append(["Tên đơn vị", "Loại hỗ trợ *", "Nội dung *", "Ngày hỗ trợ *"])
    ws.append(["HTX Ma Trận Nhập", "Tập huấn", "Tập huấn ma trận", "01/06/2025"])
    ws.append(["HTX Không Có Trong Sổ", "Tập huấn", "Tập huấn", "01/06/2025"])
    buffer = io.BytesIO()
    wb.save(buffer)
    officer = User.objects.get(username="u_officer")
    job = jobs.create(user_id=officer.pk, filename="ho-tro.xlsx", source=ContentFile(buffer.getvalue()),
                      kind=supimport.KIND)
    return supimport.run_check(job, actor=officer)["id"]


# A support import is its uploader's alone (the home officer): the administrator and the officer's
# teammate get 404 like the other agency's officer; those who may not import get 403 first.
IMPORT_JOB = _answers(default=403, anonymous="login", admin=404, officer=200, officer_teammate=404, other_officer=404)
IMPORT_JOB_POST = {**IMPORT_JOB, "officer": 302}


def _case(path, expect, method="get", data=None, headers=None, content_type=None):
    from tests.test_authorization_matrix import Case

    return Case(path, expect, method=method, data=data or {}, headers=headers or {}, content_type=content_type)


def programs_matrix() -> dict:
    s = lambda key: (lambda o: sample()[key])  # noqa: E731
    return {
        "programs:program_list": _case("/programs/", AGENCY_STAFF),
        "programs:program_detail": _case(lambda o: f"/programs/{s('program')(o)}/", HOME_STAFF),
        # Officers copy (302: done, or refused with a message once the next year exists); leaders approve only.
        "programs:plan_copy": _case(lambda o: f"/programs/plans/{s('plan')(o)}/copy/",
                                    _answers(default=403, anonymous="login", admin=302, officer=302,
                                             other_officer=404), method="post"),
        "programs:target_records": _case(lambda o: f"/programs/targets/{s('target')(o)}/", HOME_STAFF),
        "programs:support_list": _case("/programs/supports/", COOP),
        "programs:support_create": _case("/programs/supports/new/", OFFICERS),
        "programs:support_detail": _case(lambda o: f"/programs/supports/{s('support')(o)}/", OWN),
        "programs:support_import": _case("/programs/supports/import/", OFFICERS),
        "programs:support_import_template": _case("/programs/supports/import/template.xlsx", OFFICERS),
        "programs:support_import_job": _case(lambda o: f"/programs/supports/import/{support_import_job()}/",
                                             IMPORT_JOB),
        "programs:support_import_errors": _case(
            lambda o: f"/programs/supports/import/{support_import_job()}/errors.xlsx", IMPORT_JOB),
        # The officer's commit imports the good row (302 to the result); discarding removes the upload.
        "programs:support_import_commit": _case(
            lambda o: f"/programs/supports/import/{support_import_job()}/commit/", IMPORT_JOB_POST, method="post"),
        "programs:support_import_discard": _case(
            lambda o: f"/programs/supports/import/{support_import_job()}/discard/", IMPORT_JOB_POST, method="post"),
        "programs:policy_list": _case("/programs/policies/", COOP),
        "programs:policy_detail": _case(lambda o: f"/programs/policies/{s('policy')(o)}/", COOP),
        # Those with an organisation to apply for: the manager, the home province's staff, administrators.
        "programs:application_create": _case(lambda o: f"/programs/applications/new/?item={s('item')(o)}",
                                             _answers(default=403, anonymous="login", admin=200, leader=200,
                                                      officer=200, coop_manager=200, coop_outsider=200)),
        "programs:application_list": _case("/programs/applications/", COOP),
        "programs:application_detail": _case(lambda o: f"/programs/applications/{s('application')(o)}/", OWN),
        # start_review: the staff move it (or are told it is no longer "submitted"); the manager is told
        # the state does not allow it. All answered by a redirect to the page with the message.
        "programs:application_transition": _case(lambda o: f"/programs/applications/{s('application')(o)}/transition/",
                                                 OWN_POST, method="post", data={"action": "start_review"}),
        "programs:application_document": _case(lambda o: f"/programs/applications/{s('application')(o)}/documents/",
                                               OWN_POST, method="post"),
        "programs:loan_list": _case("/programs/loans/", COOP),
        "programs:loan_detail": _case(lambda o: f"/programs/loans/{s('loan')(o)}/", OWN),
        # A repayment of 1.000 đ of a 1.000.000 đ loan: recorded by those who may record it.
        "programs:loan_repay": _case(lambda o: f"/programs/loans/{s('loan')(o)}/repay/",
                                     _answers(default=403, anonymous="login", admin=302, officer=302,
                                              other_officer=404), method="post",
                                     data={"on": "2025-02-01", "amount": "1.000"}),
        "programs:task_list": _case("/programs/tasks/", COOP),
        "programs:task_detail": _case(lambda o: f"/programs/tasks/{s('task')(o)}/", OWN),
        "api:list_policies": _case("/api/v1/policies", API_COOP),
        "api:list_programs": _case("/api/v1/programs", API_STAFF),
        "api:program_targets": _case(lambda o: f"/api/v1/programs/{s('program')(o)}/targets", API_HOME_STAFF),
        "api:list_supports": _case("/api/v1/supports", API_COOP),
        "api:list_applications": _case("/api/v1/applications", API_COOP),
        # A real submission under the item that asks for no documents: the manager and the home staff
        # submit for the cooperative; others do not see it (404) or may not apply (403: leaders decide,
        # they do not apply).
        "api:submit_application": _case("/api/v1/applications",
                                        {**API_OWN, "other_officer": 404, "other_leader": 404, "leader": 403,
                                         **{who: 201 for who in ("admin", "officer", "officer_teammate",
                                                                 "coop_manager")}},
                                        method="post", content_type="application/json",
                                        data=lambda o: {"organization_id": s("organization")(o),
                                                        "item_id": s("item_without_documents")(o),
                                                        "title": "Hồ sơ qua API", "amount_requested": 1000}),
        "api:get_application": _case(lambda o: f"/api/v1/applications/{s('application')(o)}", API_OWN),
    }
