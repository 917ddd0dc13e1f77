"""The audit-log page (/audit/): who may see which entries, filters, pagination, query count."""

import datetime
import re
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from htxconnect.core.actors import SYSTEM
from htxconnect.core.models import AuditEntry
from htxconnect.registry.audit_actions import ORGANIZATION_UPDATED

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def entry(action="registry.organization.updated", *, at=None, actor="", agency=None, object_type="",
          object_id="", object_repr="", changes=None, ip="") -> AuditEntry:
    """An entry as a service would write it, optionally at a given moment (created_at is automatic)."""
    values = dict(action=action, actor_repr=actor, agency_id=agency.pk if agency else None, object_type=object_type,
                  object_id=object_id, object_repr=object_repr, changes=changes or {}, ip=ip)
    if at is None:
        return AuditEntry.objects.create(**values)
    with mock.patch("django.utils.timezone.now", return_value=at):
        return AuditEntry.objects.create(**values)


def rows(response) -> list[str]:
    body = response.content.decode()
    table = re.search(r'<tbody>(.*?)</tbody>', body, re.S)
    return re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S) if table else []


def shown(response) -> set[str]:
    """object_repr of the entries on the page."""
    return {re.search(r'data-label="Đối tượng" class="text-break audit-object">([^<]*)', r).group(1) for r in rows(response)}


@pytest.fixture
def two_agencies(agencies):
    home, other = agencies
    entry(agency=home, actor="u_leader", object_repr="HTX Phước Thành")
    entry(agency=other, actor="u_other_leader", object_repr="HTX Mỹ Hòa Hưng")
    entry(agency=None, actor="hệ thống", object_repr="Cấu hình chung")
    return home, other


# --- who may see what ---------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(clients):
    response = clients["anonymous"].get("/audit/?actor=x")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/audit/")


@pytest.mark.parametrize("who", ["officer", "other_officer", "coop_manager", "coop_member", "buyer"])
def test_other_roles_get_403(clients, who, two_agencies):
    response = clients[who].get("/audit/")
    assert response.status_code == 403
    assert "HTX Phước Thành" not in response.content.decode()


def test_leader_sees_only_their_agency(clients, two_agencies):
    assert shown(clients["leader"].get("/audit/")) == {"HTX Phước Thành"}
    assert shown(clients["other_leader"].get("/audit/")) == {"HTX Mỹ Hòa Hưng"}


def test_leader_cannot_reach_another_agency_through_filters(clients, two_agencies):
    response = clients["leader"].get("/audit/", {"q": "Mỹ Hòa", "actor": "u_other_leader"})
    assert response.status_code == 200 and shown(response) == set()
    assert "Không có mục nào khớp với bộ lọc." in response.content.decode()


def test_admin_sees_all_with_the_agency_named(clients, two_agencies):
    response = clients["admin"].get("/audit/")
    assert shown(response) == {"HTX Phước Thành", "HTX Mỹ Hòa Hưng", "Cấu hình chung"}
    body = response.content.decode()
    assert "Sở KH&amp;CN HCM" in body and "LM HTX AG" in body


# --- what an entry shows --------------------------------------------------------------------------------


def test_entry_shows_local_time_actor_action_object_address_and_changes(clients, users, agencies):
    """Issue 9, a readable log: the action's Vietnamese name, Vietnamese field labels, names
    instead of ids, personal values masked, only the fields that changed."""
    entry("accounts.user.updated", at=datetime.datetime(2026, 3, 5, 16, 30, tzinfo=datetime.UTC), actor="u_admin",
          agency=users["leader"].agency, object_type="accounts.user", object_id=str(users["officer"].pk),
          object_repr="Phạm Thị Thu", ip="203.0.113.7",
          changes={"full_name": ["Pham Thi Thu", "Phạm Thị Thu"], "role": ["officer", "leader"],
                   "agency_id": [agencies[1].pk, agencies[0].pk],
                   "is_active": [True, False], "phone": [None, "0912345678"], "password": ["old-hash", "new-hash"],
                   "email": ["a@example.vn", "a@example.vn"],
                   "date_joined": ["2026-01-02T03:04:05+00:00", "2026-01-02T03:04:05+00:00"]})
    response = clients["leader"].get("/audit/")
    (row,) = rows(response)
    text = re.sub(r"<[^>]+>", "", row)
    assert "05/03/2026 23:30" in text  # 16:30 UTC is 23:30 in Asia/Ho_Chi_Minh
    assert "u_admin" in text and "203.0.113.7" in text
    assert "Sửa tài khoản" in text and "accounts.user.updated" not in text  # the name, not the code
    assert "Phạm Thị Thu" in text and "Người dùng" in text
    assert "Họ và tên: Pham Thi Thu → Phạm Thị Thu" in text
    assert "Vai trò: Cán bộ cơ quan → Lãnh đạo cơ quan" in text
    # The agency by its name, not its id.
    assert "Cơ quan: Liên minh Hợp tác xã tỉnh An Giang → Sở Khoa học và Công nghệ TP. Hồ Chí Minh" in text
    assert "Trạng thái hoạt động" not in text or "có → không" in text
    from htxconnect.accounts.models import User

    label = str(User._meta.get_field("is_active").verbose_name)
    assert f"{label[:1].upper() + label[1:]}: có → không" in text
    # A user's phone is masked like a person's: the change is shown, the number is not.
    assert "0912345678" not in row and "Số điện thoại: đã thêm (giá trị được ẩn)" in text
    assert "old-hash" not in row and "new-hash" not in row and "••••••" in row
    # Only what changed: the unchanged e-mail and the bookkeeping date are not listed.
    assert "a@example.vn" not in text and "Ngày tham gia" not in text and "date joined" not in text


def test_entry_with_unknown_type_and_free_form_changes(clients, users):
    entry("core.import.finished", agency=users["leader"].agency, object_type="nowhere.thing",
          changes={"rows": 12, "files": ["a.xlsx", "b.xlsx", "c.xlsx"]})
    text = re.sub(r"<[^>]+>", "", rows(clients["leader"].get("/audit/"))[0])
    # An action no longer declared shows its code; unknown keys their own names.
    assert "core.import.finished" in text and "nowhere.thing" in text
    assert "Số dòng: 12" in text and "Files: a.xlsx, b.xlsx, c.xlsx" in text


def test_coded_values_are_shown_by_name(clients, users):
    """Month bitmasks and administrative-unit codes read as a person writes them, the code kept beside
    the unit's name. Expected values: months 3–5 are bits 2–4 (4 + 8 + 16 = 28); code 91 is An Giang
    and 30316 Châu Đốc in the 2025 list of units (Decision 19/2025/QĐ-TTg)."""
    entry("market.offer.updated", agency=users["leader"].agency, object_type="market.offer",
          changes={"months_mask": [0, 28], "province_code": ["79", "91"], "ward_code": ["", "30316"]})
    text = re.sub(r"<[^>]+>", "", rows(clients["leader"].get("/audit/"))[0])
    assert "Tháng có hàng: (trống) → tháng 3, 4, 5" in text and "mask" not in text
    assert "Tỉnh An Giang (91)" in text and "(79)" in text
    assert "Phường Châu Đốc (30316)" in text


# --- filters -----------------------------------------------------------------------------------------------


@pytest.fixture
def varied(agencies):
    home, _ = agencies
    at = lambda d, h=10: datetime.datetime(2026, 3, d, h, 0, tzinfo=HCM)  # noqa: E731
    entry("registry.organization.created", at=at(1), actor="canbo.an", agency=home,
          object_type="registry.organization", object_repr="HTX Dứa Tân Phước")
    entry("registry.organization.updated", at=at(5, 23), actor="canbo.binh", agency=home,
          object_type="registry.organization", object_repr="HTX Bưởi Tân Triều")
    entry("registry.product.created", at=at(6, 0), actor="canbo.an", agency=home,
          object_type="registry.product", object_repr="Dứa Queen")
    entry("accounts.user.created", at=at(9), actor="lanhdao", agency=home,
          object_type="accounts.user", object_repr="Nguyễn Văn Bình")


@pytest.mark.parametrize("params, expected", [
    ({"actor": "canbo.an"}, {"HTX Dứa Tân Phước", "Dứa Queen"}),
    ({"actor": "CANBO"}, {"HTX Dứa Tân Phước", "HTX Bưởi Tân Triều", "Dứa Queen"}),
    ({"action": "registry.organization.created"}, {"HTX Dứa Tân Phước"}),  # one action, from the list
    ({"action": "registry."}, {"HTX Dứa Tân Phước", "HTX Bưởi Tân Triều", "Dứa Queen"}),  # a whole group
    ({"object_type": "registry.product"}, {"Dứa Queen"}),
    ({"date_from": "06/03/2026"}, {"Dứa Queen", "Nguyễn Văn Bình"}),  # 00:00 on the 6th, local time
    ({"date_to": "05/03/2026"}, {"HTX Dứa Tân Phước", "HTX Bưởi Tân Triều"}),  # 23:00 on the 5th included
    ({"date_from": "05/03/2026", "date_to": "06/03/2026"}, {"HTX Bưởi Tân Triều", "Dứa Queen"}),
    ({"q": "Tân"}, {"HTX Dứa Tân Phước", "HTX Bưởi Tân Triều"}),
    ({"q": "queen", "actor": "an"}, {"Dứa Queen"}),
    ({"q": "không có"}, set()),
])
def test_filters(clients, varied, params, expected):
    response = clients["leader"].get("/audit/", params)
    assert response.status_code == 200
    assert shown(response) == expected
    assert 'id="audit-filter-errors"' not in response.content.decode()


def test_object_type_choices_list_only_types_the_user_may_see(clients, varied, agencies):
    entry("trace.lot.created", agency=agencies[1], object_type="trace.lot", object_repr="Lô khác")
    body = clients["leader"].get("/audit/").content.decode()
    select = re.search(r'<select name="object_type".*?</select>', body, re.S).group(0)
    assert 'value="registry.product"' in select and 'value="accounts.user"' in select
    assert "trace.lot" not in select


@pytest.mark.parametrize("params, field, message", [
    ({"date_from": "31/02/2026"}, "date_from",
     "Từ ngày: “31/02/2026” không phải ngày hợp lệ. Nhập theo dạng dd/mm/yyyy, ví dụ 05/03/2026."),
    ({"date_to": "2026-03-05"}, "date_to", "Đến ngày: “2026-03-05” không phải ngày hợp lệ."),
    ({"date_to": "hôm qua"}, "date_to", "Đến ngày: “hôm qua” không phải ngày hợp lệ."),
    ({"date_from": "01/01/0001"}, "date_from", "Từ ngày: năm 1 nằm ngoài khoảng cho phép (1900–2100)."),
    ({"date_from": "09/03/2026", "date_to": "01/03/2026"}, "date_to",
     "Đến ngày: 01/03/2026 trước Từ ngày 09/03/2026; ngày kết thúc phải bằng hoặc sau ngày bắt đầu."),
    ({"object_type": "khong.co"}, "object_type", "Loại đối tượng: “khong.co” không có trong nhật ký bạn được xem."),
    ({"action": "registry.organization"}, "action",
     "Hành động: “registry.organization” không có trong danh sách; hãy chọn trong danh sách."),
])
def test_bad_filter_input_gets_a_vietnamese_error_and_keeps_the_input(clients, varied, params, field, message):
    response = clients["leader"].get("/audit/", {**params, "actor": "canbo.an"})
    assert response.status_code == 200
    body = response.content.decode()
    errors = re.search(r'id="audit-filter-errors">(.*?)</div>', body, re.S).group(1)
    assert message in errors
    widget = re.search(rf'<(input|select)[^>]*name="{field}"[^>]*>', body).group(0)
    assert "is-invalid" in widget
    if field != "object_type" and "date_from" in params and field == "date_from":
        assert f'value="{params["date_from"]}"' in widget
    assert 'value="canbo.an"' in body  # the other fields keep their input…
    assert shown(response) <= {"HTX Dứa Tân Phước", "Dứa Queen"}  # …and still apply


def test_bad_date_input_is_kept_in_the_field(clients, varied):
    body = clients["leader"].get("/audit/", {"date_to": "32/13/2026"}).content.decode()
    assert re.search(r'<input[^>]*name="date_to"[^>]*value="32/13/2026"', body)


# --- pagination and query count -----------------------------------------------------------------------------


def _many(agency, n):
    AuditEntry.objects.bulk_create(
        AuditEntry(action="registry.organization.updated", actor_repr=f"canbo{i}", agency_id=agency.pk,
                   object_type="registry.organization", object_repr=f"HTX số {i:03d}",
                   changes={"name": [f"cũ {i}", f"mới {i}"]}, ip="10.0.0.1") for i in range(n))


def test_fifty_entries_a_page(clients, agencies):
    _many(agencies[0], 120)
    client = clients["admin"]
    assert len(rows(client.get("/audit/"))) == 50
    assert len(rows(client.get("/audit/", {"page": 3}))) == 20
    assert len(rows(client.get("/audit/", {"page": "không-phải-số"}))) == 50
    assert len(rows(client.get("/audit/", {"page": 99}))) == 20  # past the end: the last page
    body = client.get("/audit/", {"page": 2, "action": "registry."}).content.decode()
    assert "Trang 2/3" in body and "?action=registry.&amp;page=3" in body and "?action=registry.&amp;page=1" in body


def _queries(client, params=None):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/audit/", params or {}).status_code == 200
    return len(ctx.captured_queries)


def test_a_constant_number_of_queries_whatever_the_page_holds(clients, agencies):
    client = clients["admin"]
    _many(agencies[0], 2)
    few = _queries(client)
    _many(agencies[1], 150)
    assert _queries(client) == few
    assert _queries(client, {"page": 2, "actor": "canbo", "date_from": "01/01/2026"}) == few


def test_query_count(clients, agencies, django_assert_num_queries):
    _many(agencies[0], 60)
    client = clients["leader"]
    client.get("/audit/")  # warm the session
    # session, user, OTP device; object types, count, page; session save (savepoint, update, release)
    with django_assert_num_queries(9):
        client.get("/audit/", {"action": "registry."})


def test_htmx_request_gets_the_filter_block_with_errors(clients, varied):
    response = clients["leader"].get("/audit/", {"date_from": "99/99/2026"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="audit-page"' in body and "Từ ngày: “99/99/2026” không phải ngày hợp lệ." in body


def test_leader_sees_changes_in_their_province_by_those_without_an_agency(users):
    """A cooperative manager (no agency) changes a record in province 79: the leaders of the
    agency in 79 see it, the other province's leader does not."""
    from htxconnect.core import audit
    from htxconnect.core.queries import audit_entries_visible_to

    entry = audit.record(ORGANIZATION_UPDATED, actor=users["coop_manager"], province_code="79",
                         object_repr="HTX Ổi Thanh Kiên")
    assert entry.agency_id is None
    assert entry in audit_entries_visible_to(users["leader"])
    assert entry not in audit_entries_visible_to(users["other_leader"])
    assert entry in audit_entries_visible_to(users["admin"])
    assert not audit_entries_visible_to(users["officer"]).exists()


def test_province_is_taken_from_the_record_when_it_has_one(users):
    from htxconnect.core import audit

    class Place:  # any record with a province_code attribute
        province_code = "91"
        pk = None
        agency_id = None

        class _meta:
            label_lower = "tests.place"

        def __str__(self):
            return "Nơi thử"

    assert audit.record(ORGANIZATION_UPDATED, actor=SYSTEM, obj=Place()).province_code == "91"


def test_action_filter_is_a_list_of_registered_actions_by_name(clients, varied):
    from htxconnect.core import audit

    body = clients["leader"].get("/audit/").content.decode()
    select = re.search(r'<select name="action".*?</select>', body, re.S).group(0)
    for item in audit.registered_actions():
        assert f'value="{item.code}"' in select
    assert ">Sửa tổ chức</option>" in select and ">Đăng nhập sai</option>" in select
    assert '<optgroup label="Sổ đăng ký">' in select and 'value="registry."' in select


def test_related_objects_are_named_in_a_fixed_number_of_queries(clients, agencies, users):
    """Names instead of ids: one query per kind of related object, whatever the page holds."""
    def make(n):
        AuditEntry.objects.bulk_create(
            AuditEntry(action="accounts.user.role_changed", actor_repr="u_admin", agency_id=agencies[0].pk,
                       object_type="accounts.user", object_id=str(users["officer"].pk), object_repr="u_officer",
                       changes={"agency_id": [agencies[1].pk, agencies[0].pk]}) for _ in range(n))
    client = clients["admin"]
    make(2)
    few = _queries(client)
    make(40)
    assert _queries(client) == few
    text = re.sub(r"<[^>]+>", "", rows(client.get("/audit/"))[0])
    assert "Liên minh Hợp tác xã tỉnh An Giang → Sở Khoa học và Công nghệ TP. Hồ Chí Minh" in text
