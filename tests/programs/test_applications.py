"""The application workflow end to end through the pages, and every refusal the issue lists:
missing documents, amount over the maximum, a transition not allowed from the state or for the
role, two approvals of one application."""

import datetime
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from htxconnect.core.models import AuditEntry
from htxconnect.programs import services
from htxconnect.programs.models import Application, ApplicationStep, Support

from .conftest import PDF, pdf


def upload(name="don.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def draft(world, actor, amount=8_000_000, documents=True, **extra):
    return services.create_application(
        actor=actor, organization=world["coop"], item=world["item"], title="Tư vấn hợp đồng liên kết",
        amount_requested=amount, documents={"Đơn đề nghị hỗ trợ": pdf()} if documents else {},
        program=world["program"], group=world["groups"][1], **extra)


def move(application, actor, action, comment=""):
    return services.transition_application(actor=actor, application_id=application.pk, action=action, comment=comment)


@pytest.mark.django_db
def test_workflow_end_to_end_through_the_pages(world, clients, users, django_capture_on_commit_callbacks):
    coop, officer = clients["coop_manager"], clients["officer"]
    form = coop.get(f"/programs/applications/new/?item={world['item'].pk}")
    assert form.status_code == 200 and "Đơn đề nghị hỗ trợ" in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = coop.post(f"/programs/applications/new/?item={world['item'].pk}", {
            "organization": world["coop"].pk, "title": "Tư vấn hợp đồng liên kết", "amount_requested": "8.000.000",
            "total_cost": "10.000.000", "doc_0": upload(), "submit_now": "1"})
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/programs/applications/{application.pk}/"
    assert application.state == "submitted" and application.amount_requested == 8_000_000
    assert application.due_on == datetime.date.today() + datetime.timedelta(days=15)
    assert mail.outbox[-1].to == ["hongduc@example.vn", "u_coop_manager@example.vn"]

    page = officer.get(f"/programs/applications/{application.pk}/")
    html = page.content.decode()
    assert "Đủ điều kiện" in html and "Là hợp tác xã" in html  # the reviewer sees the evaluation
    with django_capture_on_commit_callbacks(execute=True):
        officer.post(f"/programs/applications/{application.pk}/transition/", {"action": "start_review"})
        officer.post(f"/programs/applications/{application.pk}/transition/",
                     {"action": "request_info", "comment": "Bổ sung hợp đồng liên kết."})
    assert Application.objects.get().state == "info_requested"
    assert "Bổ sung hợp đồng liên kết." in mail.outbox[-1].body
    coop.post(f"/programs/applications/{application.pk}/documents/", {"name": "Hợp đồng liên kết", "file": upload("hd.pdf")})
    coop.post(f"/programs/applications/{application.pk}/transition/", {"action": "submit"})
    officer.post(f"/programs/applications/{application.pk}/transition/", {"action": "start_review"})
    with django_capture_on_commit_callbacks(execute=True):
        officer.post(f"/programs/applications/{application.pk}/transition/",
                     {"action": "approve", "comment": "Đồng ý hỗ trợ 8.000.000 đ.", "group": world["groups"][1].pk})
    application.refresh_from_db()
    assert application.state == "approved" and "Đã phê duyệt" in mail.outbox[-1].subject
    support = Support.objects.get(application=application)  # approval created the support record
    assert (support.amount_state, support.amount_counterpart, support.kind, support.program_id, support.group.number) == (
        8_000_000, 2_000_000, "consulting", world["program"].pk, 2)
    officer.post(f"/programs/applications/{application.pk}/transition/",
                 {"action": "complete", "comment": "Đã nghiệm thu."})
    assert Application.objects.get().state == "completed"
    steps = list(ApplicationStep.objects.filter(application=application).values_list("to_state", flat=True))
    assert steps == ["submitted", "under_review", "info_requested", "submitted", "under_review", "approved", "completed"]
    actions = set(AuditEntry.objects.filter(object_type="programs.application").values_list("action", flat=True))
    assert {"programs.application.created", "programs.application.approved", "programs.application.completed"} <= actions
    timeline = coop.get(f"/registry/{world['coop'].pk}/?tab=timeline").content.decode()
    assert "Tư vấn hợp đồng liên kết" in timeline and "8.000.000 đ" in timeline


@pytest.mark.django_db
def test_a_mail_server_failing_after_the_commit_never_fails_the_transition(world, users,
                                                                           django_capture_on_commit_callbacks, caplog):
    """The submission is saved before the mail goes out: the mail is a task of the mail queue, queued
    with the change (decision 0027); a failing send fails the task (RQ retries it), never the
    transition (an error page would make the cooperative submit again)."""
    application = draft(world, users["coop_manager"])
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages",
                    side_effect=smtplib.SMTPServerDisconnected("Connection unexpectedly closed")):
        with django_capture_on_commit_callbacks(execute=True):
            moved = move(application, users["coop_manager"], "submit")
    assert moved.state == "submitted" and Application.objects.get().state == "submitted"
    assert "task htxconnect.programs.tasks.send_application_step failed" in caplog.text and mail.outbox == []


@pytest.mark.django_db
def test_submission_without_required_documents_is_refused(world, users, clients):
    application = draft(world, users["coop_manager"], documents=False)
    with pytest.raises(ValidationError) as error:
        move(application, users["coop_manager"], "submit")
    assert "Thiếu giấy tờ bắt buộc: Đơn đề nghị hỗ trợ" in str(error.value)
    assert Application.objects.get().state == "draft" and not ApplicationStep.objects.exists()
    # Through the page: the draft is kept and the message names what is missing.
    response = clients["coop_manager"].post(f"/programs/applications/new/?item={world['item'].pk}", {
        "organization": world["coop"].pk, "title": "Thiếu giấy", "amount_requested": "1000000", "submit_now": "1"},
        follow=True)
    assert "Thiếu giấy tờ bắt buộc" in response.content.decode()
    assert Application.objects.get(title="Thiếu giấy").state == "draft"


@pytest.mark.django_db
def test_amount_over_the_items_maximum_is_refused(world, users, clients):
    with pytest.raises(ValidationError) as error:
        draft(world, users["coop_manager"], amount=10_000_001)
    assert "10.000.001 đ vượt mức tối đa 10.000.000 đ" in str(error.value)
    response = clients["coop_manager"].post(f"/programs/applications/new/?item={world['item'].pk}", {
        "organization": world["coop"].pk, "title": "Quá mức", "amount_requested": "12.000.000"})
    assert response.status_code == 200 and "vượt mức tối đa" in response.content.decode()
    assert 'value="Quá mức"' in response.content.decode()  # input kept
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_share_cap_needs_the_total_cost(world, users):
    world["item"].max_share_percent = 50
    world["item"].save()
    with pytest.raises(ValidationError):
        draft(world, users["coop_manager"], amount=5_000_000)
    with pytest.raises(ValidationError) as error:
        draft(world, users["coop_manager"], amount=5_000_001, total_cost=10_000_000)
    assert "50% tổng chi phí" in str(error.value)
    assert draft(world, users["coop_manager"], amount=5_000_000, total_cost=10_000_000).pk


@pytest.mark.django_db
def test_transitions_refused_by_state_and_by_role(world, users):
    application = draft(world, users["coop_manager"])
    with pytest.raises(ValidationError):  # not from draft
        move(application, users["officer"], "approve", "ok")
    move(application, users["coop_manager"], "submit")
    with pytest.raises(PermissionDenied):  # the applicant cannot review their own application
        move(application, users["coop_manager"], "start_review")
    with pytest.raises(PermissionDenied):  # another agency's officer
        move(application, users["other_officer"], "start_review")
    move(application, users["leader"], "start_review")
    with pytest.raises(ValidationError) as error:  # a decision needs a comment
        move(application, users["officer"], "reject")
    assert "Cần ghi ý kiến" in str(error.value)
    move(application, users["officer"], "reject", "Không thuộc đối tượng.")
    with pytest.raises(ValidationError):
        move(application, users["officer"], "approve", "ok")
    assert not Support.objects.exists()


@pytest.mark.django_db
def test_a_second_approval_is_refused(world, users):
    application = draft(world, users["coop_manager"])
    move(application, users["coop_manager"], "submit")
    move(application, users["officer"], "start_review")
    move(application, users["officer"], "approve", "Đồng ý.")
    with pytest.raises(ValidationError):
        move(application, users["leader"], "approve", "Đồng ý.")
    assert Support.objects.count() == 1


@pytest.mark.django_db
def test_overdue_list(world, users, clients):
    application = draft(world, users["coop_manager"])
    move(application, users["coop_manager"], "submit")
    Application.objects.filter(pk=application.pk).update(due_on=datetime.date.today() - datetime.timedelta(days=1))
    on_time = draft(world, users["coop_manager"])
    move(on_time, users["coop_manager"], "submit")
    page = clients["officer"].get("/programs/applications/?overdue=1")
    assert [a.pk for a in page.context["page"]] == [application.pk]
    detail = clients["officer"].get(f"/programs/applications/{application.pk}/").content.decode()
    assert "Quá hạn xử lý" in detail


@pytest.mark.django_db
def test_applications_excel_export_is_formula_safe(world, users, clients):
    from io import BytesIO

    from openpyxl import load_workbook

    services.create_application(actor=users["coop_manager"], organization=world["coop"], item=world["item"],
                                title="=HYPERLINK(\"http://x\")", amount_requested=1_000_000)
    response = clients["officer"].get("/programs/applications/?format=xlsx&overdue=0")
    assert AuditEntry.objects.get(action="programs.export.applications").changes == {"filters": {"overdue": "0"}}
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet["C2"].value == "'=HYPERLINK(\"http://x\")" and sheet["C2"].data_type == "s"


@pytest.mark.django_db
def test_the_applicants_mail_is_a_task_of_the_mail_queue_queued_with_the_step(world, users, database_task_queue,
                                                                               django_capture_on_commit_callbacks):
    """Decision 0027: with the database queue the mail is a task row of the step's own transaction."""
    from django_tasks_db.models import DBTaskResult

    application = draft(world, users["coop_manager"])
    with django_capture_on_commit_callbacks(execute=False):
        move(application, users["coop_manager"], "submit")
    step = application.steps.order_by("pk").last()
    assert database_task_queue() == [("htxconnect.programs.tasks.send_application_step", [application.pk, step.pk])]
    assert set(DBTaskResult.objects.values_list("queue_name", flat=True)) == {"mail"} and mail.outbox == []
