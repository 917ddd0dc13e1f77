import datetime

import pytest
from django.core import mail
from django.core.management import call_command

from htxconnect.registry import services
from htxconnect.registry.tasks import run_expiry_reminders, send_expiry_reminders

pytestmark = pytest.mark.django_db


def test_expiry_reminder_sent_once(orgs, users):
    today = datetime.date.today()
    services.update_organization(actor=SYSTEM, organization=orgs["oi"], email="oi@example.vn")
    cert = services.create_certification(actor=SYSTEM, organization=orgs["oi"], type="vietgap", number="VG-1",
                                         issue_date=today - datetime.timedelta(days=700),
                                         expiry_date=today + datetime.timedelta(days=15))
    assert run_expiry_reminders() == 1
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {"oi@example.vn", users["coop_manager"].email}
    assert "VG-1" in mail.outbox[0].body
    call_command("send_expiry_reminders")
    send_expiry_reminders.enqueue()
    assert len(mail.outbox) == 1  # never twice
    # Renewal resets the reminder.
    services.update_certification(actor=SYSTEM, certification=cert, expiry_date=today + datetime.timedelta(days=30))
    assert run_expiry_reminders() == 1


# --- OCOP re-rating reminders (issue 4 part 6) -------------------------------------------------------

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.urls import reverse  # noqa: E402

from htxconnect.registry.models import OcopRating, add_months  # noqa: E402
from htxconnect.core.actors import SYSTEM

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _rating(org, product_name, months_ago, today, number="15/QĐ-UBND"):
    product = org.products.filter(name=product_name).first() or services.create_product(
        actor=SYSTEM, producer=org, name=product_name)
    return services.create_ocop_rating(actor=SYSTEM, product=product, stars=4, decision_number=number,
                                       decision_date=add_months(today, -months_ago))


@pytest.fixture
def oi_documents(orgs):
    """Documents of HTX Ổi Thanh Kiên already in the registry: a scanned VietGAP certificate and a
    collective-mark title; plus a certificate without a scan (not reusable)."""
    today = datetime.date.today()
    services.update_organization(actor=SYSTEM, organization=orgs["oi"], email="oi@example.vn")
    services.create_certification(actor=SYSTEM, organization=orgs["oi"], type="vietgap", number="VG-SCAN",
                                  issue_date=today - datetime.timedelta(days=300),
                                  expiry_date=today + datetime.timedelta(days=400),
                                  document=SimpleUploadedFile("vietgap.pdf", PDF, "application/pdf"))
    services.create_certification(actor=SYSTEM, organization=orgs["oi"], type="haccp", number="NO-SCAN",
                                  issue_date=today - datetime.timedelta(days=300))
    services.create_ip_right(actor=SYSTEM, owner=orgs["oi"], kind="collective_mark", name="Ổi Thanh Kiên",
                             status="granted", number="NH-123", application_date=today - datetime.timedelta(days=900),
                             grant_date=today - datetime.timedelta(days=500),
                             document=SimpleUploadedFile("vanbang.pdf", PDF, "application/pdf"))
    return orgs


def test_ocop_rerating_reminder_sent_once_with_reusable_documents(oi_documents, users):
    today = datetime.date.today()
    due = _rating(oi_documents["oi"], "Ổi ruột đỏ", 32, today)          # lapses in 4 months
    _rating(oi_documents["oi"], "Ổi nữ hoàng", 12, today)                # 2 years left: not yet
    assert run_expiry_reminders() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert set(message.to) == {"oi@example.vn", users["coop_manager"].email}
    assert "OCOP" in message.subject
    assert "Ổi ruột đỏ" in message.body and "Ổi nữ hoàng" not in message.body
    assert due.valid_until.strftime("%d/%m/%Y") in message.body
    assert reverse("registry:ocop_rerating", args=[due.pk]) in message.body
    assert "VG-SCAN" in message.body and "NH-123" in message.body and "NO-SCAN" not in message.body
    call_command("send_expiry_reminders")
    send_expiry_reminders.enqueue()
    assert len(mail.outbox) == 1  # never twice
    assert OcopRating.objects.get(pk=due.pk).reminder_sent_on == today


def test_no_ocop_reminder_once_re_rated_or_expired(orgs):
    today = datetime.date.today()
    services.update_organization(actor=SYSTEM, organization=orgs["oi"], email="oi@example.vn")
    _rating(orgs["oi"], "Ổi ruột đỏ", 33, today)
    _rating(orgs["oi"], "Ổi ruột đỏ", 1, today, number="99/QĐ")  # already re-rated
    _rating(orgs["oi"], "Ổi cũ", 37, today)                        # lapsed already
    assert run_expiry_reminders() == 0
    assert mail.outbox == []


def test_ocop_rerating_page_lists_reusable_documents(oi_documents, clients, today):
    due = _rating(oi_documents["oi"], "Ổi ruột đỏ", 32, today)
    url = reverse("registry:ocop_rerating", args=[due.pk])
    for who in ("coop_manager", "officer"):
        response = clients[who].get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert due.valid_until.strftime("%d/%m/%Y") in html
        assert "VG-SCAN" in html and "NH-123" in html and "NO-SCAN" not in html
        assert 'href="/files/registry/certifications/' in html and 'href="/files/registry/ip/' in html
    assert clients["other_officer"].get(url).status_code == 404
    # Linked from the expiring page.
    assert url in clients["officer"].get(reverse("registry:expiring")).content.decode()


def test_reusable_documents_include_granted_marks_and_flag_lapsed(orgs, today):
    from htxconnect.registry import queries

    mark = services.create_ip_right(actor=SYSTEM, owner=orgs["hong_duc"], kind="certification_mark", name="Hóc Môn",
                                    status="granted", grant_date=today - datetime.timedelta(days=100),
                                    document=SimpleUploadedFile("nhcn.pdf", PDF, "application/pdf"))
    services.grant_ip_usage(actor=SYSTEM, ip_right=mark, grantee=orgs["oi"])
    services.create_certification(actor=SYSTEM, organization=orgs["oi"], type="vietgap", number="VG-OLD",
                                  issue_date=today - datetime.timedelta(days=900),
                                  expiry_date=today - datetime.timedelta(days=10),
                                  document=SimpleUploadedFile("old.pdf", PDF, "application/pdf"))
    docs = queries.reusable_documents(orgs["oi"], today=today)
    assert [d.is_valid for d in docs] == [True, False]  # valid first
    assert "Hóc Môn" in docs[0].title
    assert "VG-OLD" in docs[1].title
