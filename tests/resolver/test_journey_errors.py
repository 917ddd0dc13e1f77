"""A step its producer declared in error (EPCIS 2.0 errorDeclaration) is never shown as true."""

import pytest
from django.test import Client
from django.utils.html import strip_tags

from htxconnect.trace.epcis.capture import receive_document
from htxconnect.trace.models import CaptureJob

pytestmark = pytest.mark.django_db


def _declare(row, owner, reason):
    event = dict(row.event)
    event["errorDeclaration"] = {"declarationTime": "2026-11-13T09:00:00+07:00", "reason": reason}
    document = {"@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
                             {"htx": "https://htxconnect.vn/ns/epcis/"}],
                "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-11-13T09:00:00+07:00",
                "epcisBody": {"eventList": [event]}}
    job = receive_document(document, user=owner)
    assert job.status == CaptureJob.Status.SUCCESS, job.errors


def _journey_item(html: str, text: str) -> str:
    start = html.index(text)
    return html[html.rindex("<li", 0, start):html.index("</li>", start)]


def test_withdrawn_step_is_struck_through_with_the_reason(lot, journey, users, django_capture_on_commit_callbacks):
    client = Client()
    url = f"/scan/01/{lot.product.gtin}/10/{lot.code}/"
    assert "Đã rút lại" not in client.get(url).content.decode()  # cached now
    pack = journey[2]  # "Đóng gói tại Nhà sơ chế"
    with django_capture_on_commit_callbacks(execute=True):
        _declare(pack, users["coop_manager"], "did_not_occur")
    html = client.get(url).content.decode()  # the declaration purged the cached page
    item = _journey_item(html, "Đóng gói tại Nhà sơ chế")
    assert "<del>Đóng gói tại Nhà sơ chế" in item and "Đã rút lại: bước này không xảy ra." in item
    # The other steps are shown as they were.
    assert "<del>" not in _journey_item(html, "Thu hoạch tại Vườn ổi Phú Giáo")
    english = strip_tags(client.get(url + "?lang=en").content.decode())
    assert "Withdrawn: this step did not happen." in english


def test_corrected_step_says_it_was_wrong(lot, journey, users, clients):
    _declare(journey[0], users["coop_manager"], "incorrect_data")
    html = Client().get(f"/scan/01/{lot.product.gtin}/10/{lot.code}/").content.decode()
    item = _journey_item(html, "Thu hoạch tại Vườn ổi Phú Giáo")
    assert "<del>" in item and "Đã đính chính: thông tin của bước này ghi sai." in item
    # The staff lot page shows it too.
    staff = clients["coop_manager"].get(f"/trace/lots/{lot.pk}/").content.decode()
    assert "Đã đính chính: thông tin của bước này ghi sai." in _journey_item(staff, "Thu hoạch tại Vườn ổi Phú Giáo")
