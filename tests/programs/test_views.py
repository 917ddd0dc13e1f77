"""Program pages: recording a support in one form, bad input kept and explained, scope of lists,
the eligibility check on a policy page, Excel export, the cooperative's timeline."""

import datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from htxconnect.programs import services
from htxconnect.core.models import AuditEntry
from htxconnect.programs.models import Support
from htxconnect.core.actors import SYSTEM


@pytest.mark.django_db
def test_officer_records_a_support_in_one_form(world, clients):
    response = clients["officer"].post("/programs/supports/new/", {
        "organization": world["coop"].pk, "program": world["program"].pk, "group": world["groups"][2].pk,
        "kind": "training", "title": "Tập huấn thương mại điện tử", "given_on": "2025-04-10",
        "amount_state": "12.500.000", "amount_counterpart": "0", "participants": "45"})
    support = Support.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/programs/supports/{support.pk}/"
    assert (support.amount_state, support.participants, support.agency_id, support.group.number) == (
        12_500_000, 45, world["home"].pk, 3)


@pytest.mark.django_db
def test_bad_support_input_is_explained_and_kept(world, clients, agencies):
    foreign = services.create_program(actor=SYSTEM, agency=world["home"], name="Khác", start_year=2025, end_year=2025)
    group = services.add_content_group(actor=SYSTEM, program=foreign, number=1, title="Nhóm khác")
    response = clients["officer"].post("/programs/supports/new/", {
        "organization": world["coop"].pk, "program": world["program"].pk, "group": group.pk, "kind": "iso",
        "title": "ISO 9001", "given_on": "2023-01-05", "amount_state": "-5", "amount_counterpart": "0"})
    html = response.content.decode()
    assert response.status_code == 200 and not Support.objects.exists()
    assert "không thuộc chương trình đã chọn" in html and 'value="ISO 9001"' in html
    response = clients["officer"].post("/programs/supports/new/", {
        "organization": world["coop"].pk, "program": world["program"].pk, "kind": "iso", "title": "ISO 9001",
        "given_on": "2023-01-05", "amount_state": "0", "amount_counterpart": "0"})
    assert "nằm ngoài giai đoạn của chương trình (2024–2026)" in response.content.decode()
    assert not Support.objects.exists()


@pytest.mark.django_db
def test_supports_list_scope_and_formula_safe_export(world, clients):
    services.record_support(actor=SYSTEM, organization=world["coop"], program=world["program"], kind="barcode",
                            title="=1+1", given_on=datetime.date(2025, 1, 2))
    services.record_support(actor=SYSTEM, organization=world["outside"], agency=world["other"], kind="iso",
                            title="ISO An Giang", given_on=datetime.date(2025, 1, 2))
    assert [s.title for s in clients["coop_manager"].get("/programs/supports/").context["page"]] == ["=1+1"]
    assert [s.title for s in clients["other_officer"].get("/programs/supports/").context["page"]] == ["ISO An Giang"]
    assert clients["coop_member"].get("/programs/supports/").context["page"].paginator.count == 0
    sheet = load_workbook(BytesIO(clients["officer"].get("/programs/supports/?format=xlsx").content)).active
    assert sheet["B2"].value == "HTX Hồng Đức" and sheet["D2"].value == "'=1+1"
    (entry,) = AuditEntry.objects.filter(action="programs.export.supports")  # every export is audited
    assert entry.actor.username == "u_officer" and entry.agency_id == entry.actor.agency_id
    assert entry.object_repr.startswith("ho-tro-") and entry.changes == {"filters": {}}


@pytest.mark.django_db
def test_eligibility_check_on_the_policy_page(world, clients):
    page = clients["officer"].get(f"/programs/policies/{world['policy'].pk}/", {"organization": world["coop"].pk})
    html = page.content.decode()
    assert "Đủ điều kiện" in html and "Trụ sở tại" in html
    # An organisation outside the officer's province is not a choice: the field says so, no crash.
    page = clients["officer"].get(f"/programs/policies/{world['policy'].pk}/", {"organization": world["outside"].pk})
    assert page.status_code == 200 and page.context["evaluation"] is None and page.context["form"].errors


@pytest.mark.django_db
def test_cooperative_page_timeline_shows_its_supports(world, clients):
    services.record_support(actor=SYSTEM, organization=world["coop"], program=world["program"],
                            kind="collective_mark_fee", title="Phí nhãn hiệu tập thể", amount_state=2_500_000,
                            given_on=datetime.date(2025, 5, 6))
    html = clients["coop_manager"].get(f"/registry/{world['coop'].pk}/?tab=timeline").content.decode()
    assert "Phí nhãn hiệu tập thể – 2.500.000 đ" in html and "06/05/2025" in html
    other = clients["other_officer"].get(f"/registry/{world['coop'].pk}/?tab=timeline")
    assert other.status_code == 404


@pytest.mark.django_db
def test_program_page_does_not_show_unrecorded_amounts_as_zero(world, clients):
    """A support recorded without an amount (the seed articles give none) is not "0 đ" of budget."""
    services.record_support(actor=SYSTEM, organization=world["coop"], program=world["program"], kind="barcode",
                            title="Mã vạch", given_on=datetime.date(2025, 1, 2))
    html = clients["officer"].get(f"/programs/{world['program'].pk}/").content.decode()
    assert "chưa ghi" in html and "0 đ" not in html
    services.record_support(actor=SYSTEM, organization=world["coop"], program=world["program"], kind="iso",
                            title="ISO", given_on=datetime.date(2025, 1, 3), amount_state=2_500_000)
    assert "2.500.000 đ" in clients["officer"].get(f"/programs/{world['program'].pk}/").content.decode()
