"""User management: administrators create, edit and deactivate; leaders read their agency."""

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from htxconnect.accounts import services
from htxconnect.accounts.models import User
from htxconnect.core.models import AuditEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Mat-khau-ban-dau-2026"


def new_user_data(agency=None, **extra):
    data = {"username": "canbo.moi", "full_name": "Hoàng Văn Nam", "job_title": "Chuyên viên",
            "email": "nam@khcn.gov.vn", "phone": "0281234567", "role": "officer",
            "agency": agency.pk if agency else "", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    data.update(extra)
    return data


@pytest.mark.parametrize("who", ["officer", "coop_manager", "coop_member", "buyer", "other_officer"])
def test_non_leaders_get_403(clients, who):
    assert clients[who].get("/accounts/users/").status_code == 403
    assert clients[who].get("/accounts/users/new/").status_code == 403


def test_leader_sees_only_their_agency_and_cannot_edit(users, clients):
    response = clients["leader"].get("/accounts/users/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "u_officer" in body and "u_leader" in body
    assert "u_other_officer" not in body and "u_buyer" not in body and "u_admin" not in body
    assert "/accounts/users/new/" not in body
    assert clients["leader"].get(f"/accounts/users/{users['officer'].pk}/").status_code == 403
    # Filtering by the other agency does not widen the view.
    other_agency = users["other_officer"].agency_id
    body = clients["leader"].get(f"/accounts/users/?agency={other_agency}").content.decode()
    assert "u_other_officer" not in body


def test_admin_lists_everyone_and_filters(users, clients, agencies):
    body = clients["admin"].get("/accounts/users/").content.decode()
    for username in ("u_officer", "u_other_officer", "u_buyer", "u_admin"):
        assert username in body
    body = clients["admin"].get("/accounts/users/?role=buyer").content.decode()
    assert "u_buyer" in body and "u_officer" not in body
    body = clients["admin"].get(f"/accounts/users/?agency={agencies[1].pk}").content.decode()
    assert "u_other_officer" in body and ">u_officer<" not in body
    body = clients["admin"].get("/accounts/users/?q=other_lead").content.decode()
    assert "u_other_leader" in body and ">u_buyer<" not in body


def test_user_list_query_count_does_not_grow(users, clients, django_assert_max_num_queries, agencies):
    for i in range(15):
        User.objects.create_user(username=f"extra{i}", password=PASSWORD, role="officer", agency=agencies[i % 2])
    with django_assert_max_num_queries(12):
        assert clients["admin"].get("/accounts/users/").status_code == 200


def test_admin_creates_an_officer_without_agency_gets_field_error(clients):
    response = clients["admin"].post("/accounts/users/new/", new_user_data(agency=None))
    assert response.status_code == 400
    form = response.context["form"]
    assert "agency" in form.errors
    assert "bắt buộc chọn cơ quan" in form.errors["agency"][0]
    body = response.content.decode()
    assert 'value="canbo.moi"' in body  # input is kept
    assert not User.objects.filter(username="canbo.moi").exists()


def test_admin_creates_an_officer_and_it_is_audited_without_password(clients, agencies):
    response = clients["admin"].post("/accounts/users/new/", new_user_data(agency=agencies[0]))
    assert response.status_code == 302
    user = User.objects.get(username="canbo.moi")
    assert user.role == "officer" and user.agency == agencies[0] and user.check_password(NEW_PASSWORD)
    assert not user.is_superuser and not user.is_staff
    entry = AuditEntry.objects.get(action="accounts.user.created")
    assert entry.object_id == str(user.pk)
    assert entry.actor.username == "u_admin"
    assert "password" not in entry.changes
    assert user.password not in str(entry.changes)
    assert entry.changes["role"] == [None, "officer"]
    # The new officer enrols two-factor authentication at first sign-in.
    client = Client()
    response = client.post("/accounts/login/", {"username": "canbo.moi", "password": NEW_PASSWORD})
    assert response["Location"] == "/accounts/otp/setup/"


def test_create_form_validation_messages(users, clients):
    response = clients["admin"].post("/accounts/users/new/", new_user_data(
        username="u_OFFICER", role="buyer", agency=users["officer"].agency, phone="12", password2="khac"))
    errors = response.context["form"].errors
    assert response.status_code == 400
    assert "đã có người dùng" in errors["username"][0]
    assert "không thuộc cơ quan nào" in errors["agency"][0]
    assert "không hợp lệ" in errors["phone"][0]
    assert "không khớp" in errors["password2"][0]


def test_weak_initial_password_is_refused(clients, agencies):
    response = clients["admin"].post("/accounts/users/new/", new_user_data(
        agency=agencies[0], password1="12345678", password2="12345678"))
    assert response.status_code == 400
    assert "password1" in response.context["form"].errors


def test_admin_edits_role_and_agency(users, clients, agencies):
    target = users["coop_member"]
    response = clients["admin"].post(f"/accounts/users/{target.pk}/", {
        "full_name": "Đỗ Thị Lan", "job_title": "", "email": target.email, "phone": "",
        "role": "officer", "agency": agencies[1].pk})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == "officer" and target.agency == agencies[1]
    # A change of role or agency has its own action type (issue 9: audit every change of role or agency),
    # with the administrator, their agency and their address.
    entry = AuditEntry.objects.get(action="accounts.user.role_changed")
    assert entry.changes == {"role": ["coop_member", "officer"], "agency_id": [None, agencies[1].pk]}
    assert entry.actor == users["admin"] and entry.object_id == str(target.pk)
    assert entry.ip == "127.0.0.1"
    # The other details changed by the same form are a separate "updated" entry.
    assert AuditEntry.objects.get(action="accounts.user.updated").changes == {
        "full_name": ["u_coop_member", "Đỗ Thị Lan"]}


def test_edit_to_officer_without_agency_is_a_field_error(users, clients):
    target = users["buyer"]
    response = clients["admin"].post(f"/accounts/users/{target.pk}/", {
        "full_name": "B", "job_title": "", "email": "", "phone": "", "role": "leader", "agency": ""})
    assert response.status_code == 400
    assert "agency" in response.context["form"].errors
    target.refresh_from_db()
    assert target.role == "buyer"


def test_service_turns_the_constraint_into_a_field_error(users):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as excinfo:
        services.create_user(username="x1", password=NEW_PASSWORD, role="leader", agency=None, actor=users["admin"])
    assert "agency" in excinfo.value.message_dict


def test_admin_cannot_change_own_role(users, clients):
    admin = users["admin"]
    response = clients["admin"].post(f"/accounts/users/{admin.pk}/", {
        "full_name": "A", "job_title": "", "email": admin.email, "phone": "", "role": "buyer", "agency": ""})
    assert response.status_code == 400
    admin.refresh_from_db()
    assert admin.role == "admin"


def test_deactivate_and_reactivate(users, clients):
    target = users["officer"]
    officer_client = clients["officer"]
    assert clients["admin"].get(f"/accounts/users/{target.pk}/deactivate/").status_code == 405
    response = clients["admin"].post(f"/accounts/users/{target.pk}/deactivate/")
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    assert User.objects.filter(pk=target.pk).exists()  # never deleted
    # Their open session no longer works, and they cannot sign in.
    assert officer_client.get("/accounts/profile/").status_code == 302
    response = Client().post("/accounts/login/", {"username": "u_officer", "password": PASSWORD})
    assert response.status_code == 401
    assert AuditEntry.objects.filter(action="accounts.user.deactivated", object_id=str(target.pk)).exists()
    clients["admin"].post(f"/accounts/users/{target.pk}/activate/")
    target.refresh_from_db()
    assert target.is_active
    assert AuditEntry.objects.filter(action="accounts.user.reactivated").exists()


def test_admin_cannot_deactivate_self(users, clients):
    response = clients["admin"].post(f"/accounts/users/{users['admin'].pk}/deactivate/", follow=True)
    assert "không thể tự khóa" in response.content.decode()
    users["admin"].refresh_from_db()
    assert users["admin"].is_active


def test_admin_resets_two_factor(users, clients):
    target = users["officer"]
    clients["admin"].post(f"/accounts/users/{target.pk}/reset-two-factor/")
    assert not TOTPDevice.objects.filter(user=target).exists()
    assert AuditEntry.objects.filter(action="accounts.user.two_factor_reset").exists()
    # The officer's verified session is no longer verified and must enrol again.
    response = clients["officer"].get("/accounts/profile/")
    assert response["Location"].startswith("/accounts/otp/verify/")
    follow = clients["officer"].get(response["Location"])
    assert follow["Location"].startswith("/accounts/otp/setup/")


def test_non_admin_writes_are_refused_and_change_nothing(users, clients):
    target = users["buyer"]
    for who in ("leader", "officer", "other_leader"):
        assert clients[who].post(f"/accounts/users/{target.pk}/deactivate/").status_code == 403
        assert clients[who].post("/accounts/users/new/", new_user_data()).status_code == 403
    target.refresh_from_db()
    assert target.is_active
    assert not User.objects.filter(username="canbo.moi").exists()


def test_search_folds_vietnamese(users, clients):
    users["coop_member"].full_name = "Đỗ Thị Lan"
    users["coop_member"].save()
    body = clients["admin"].get("/accounts/users/?q=do+thi+lan").content.decode()
    assert "Đỗ Thị Lan" in body and ">u_buyer<" not in body
    body = clients["admin"].get("/accounts/users/?q=ĐỖ").content.decode()
    assert "Đỗ Thị Lan" in body
