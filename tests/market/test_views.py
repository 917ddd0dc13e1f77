"""The market through the test client and its services: posting, ranked matches with their
reasons, bad input, connections and their privacy, contracts, the matching task, the demo."""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from htxconnect.market import matching, services
from htxconnect.market.models import Connection, Demand, Match, Message, Offer
from tests.market.matrix import _product, new_demand, new_offer
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


def _demand_post(buyer_pk, **extra):
    today = timezone.localdate()
    data = {"buyer": buyer_pk, "product_name": "Thơm", "quantity": "2", "unit": "tan", "frequency": "weekly",
            "required_certifications": [], "province_code": "79", "price_min": "10.000", "price_max": "13.000",
            "starts_on": today.strftime("%d/%m/%Y"), "ends_on": (today + datetime.timedelta(days=30)).strftime("%d/%m/%Y")}
    data.update(extra)
    return data


def test_thom_khom_and_dua_match_each_other(world):
    khom, dua = new_offer(world, "khom"), new_offer(world, "Dứa")
    demand = new_demand(world, "thơm")
    assert khom.concept_id == dua.concept_id == demand.concept_id is not None
    found = [r.offer.pk for r in matching.matches_for_demand(demand)]
    assert set(found) == {khom.pk, dua.pk}
    product = next(r for r in matching.matches_for_demand(demand) if r.offer.pk == khom.pk).components[0]
    assert product.text == "cùng sản phẩm: khóm = thơm = dứa"


def test_matching_reads_a_fixed_number_of_queries_whatever_the_number_of_offers(world, django_assert_num_queries):
    demand = new_demand(world, "thơm")
    new_offer(world, "khóm")
    new_offer(world, "xoài")  # another product: not even read
    # candidates (1) + their certificates (1) + vocabulary terms (1) + concept name (1)
    with django_assert_num_queries(4):
        assert len(matching.matches_for_demand(demand)) == 1
    for _ in range(5):
        new_offer(world, "thơm")
    with django_assert_num_queries(4):
        assert len(matching.matches_for_demand(demand)) == 6


def test_buyer_posts_a_demand_and_sees_ranked_matches_with_reasons(market):
    client = market.client("buyer")
    buyer = market.people["buyer"].market_buyers.first()
    response = client.post("/market/demands/new/", _demand_post(buyer.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"]).content.decode()
    assert "cùng sản phẩm: khóm = thơm = dứa" in page
    assert "số lượng: có 20 tấn" in page and "/100" in page


@pytest.mark.parametrize("field, value, message", [
    ("price_max", "9.000", "Khoảng giá bị ngược: giá từ 10.000 đ lớn hơn giá đến 9.000 đ."),
    ("unit", "thùng", "Đơn vị “thùng” không dùng được"),
    ("required_certifications", ["fairtrade"], "Loại chứng nhận “fairtrade” không có trong danh mục"),
    ("quantity", "hai tấn", "Số lượng mỗi lần giao: “hai tấn” không phải số lượng"),
    ("price_min", "10k", "Giá từ (đ/đơn vị): “10k” không phải số tiền"),
])
def test_bad_demand_input_gets_a_clear_message(market, field, value, message):
    client = market.client("buyer")
    buyer = market.people["buyer"].market_buyers.first()
    response = client.post("/market/demands/new/", _demand_post(buyer.pk, **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Demand.objects.filter(product_name="Thơm").exists()


def test_the_service_refuses_an_unknown_certification_type_too(market):
    buyer = market.people["buyer"].market_buyers.first()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Loại chứng nhận “halal” không có trong danh mục"):
        services.create_demand(actor=SYSTEM, buyer=buyer, product_name="thơm", quantity=1, unit="kg",
                               starts_on=timezone.localdate(), ends_on=timezone.localdate(), province_code="79",
                               required_certifications=["halal"])


def test_offer_with_inverted_prices_or_a_minimum_above_the_quantity_is_refused(market):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.create_offer(actor=SYSTEM, organization=market.org, product=_product(market), quantity=Decimal(10),
                              unit="kg", months=[1], expires_on=timezone.localdate(), price_min=30000, price_max=20000,
                              min_order=Decimal(20))
    text = " ".join(error.value.messages)
    assert "Khoảng giá bị ngược" in text and "Đơn hàng tối thiểu (20) không được lớn hơn số lượng chào bán (10)" in text


def test_messages_with_html_are_stored_as_typed_and_shown_escaped(market):
    connection_pk = market.samples["connection"]
    client = market.client("buyer")
    client.post(f"/market/connections/{connection_pk}/messages/", {"body": "<script>alert('x')</script><b>giá?</b>"})
    assert Message.objects.filter(body="<script>alert('x')</script><b>giá?</b>").exists()
    page = market.client("coop_manager").get(f"/market/connections/{connection_pk}/").content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&lt;b&gt;giá?&lt;/b&gt;" in page
    assert "<script>alert" not in page


def test_bursts_of_messages_are_rate_limited(market):
    connection_pk = market.samples["connection"]
    client = market.client("buyer")
    for n in range(services.MESSAGE_LIMIT):
        client.post(f"/market/connections/{connection_pk}/messages/", {"body": f"tin {n}"})
    response = client.post(f"/market/connections/{connection_pk}/messages/", {"body": "một tin nữa"}, follow=True)
    assert "Bạn đã gửi 20 tin nhắn trong thời gian ngắn" in response.content.decode()
    assert not Message.objects.filter(body="một tin nữa").exists()


@pytest.mark.parametrize("who", ["coop_outsider", "other_officer"])
def test_reading_a_connection_that_is_not_yours_is_refused(market, who):
    assert market.client(who).get(f"/market/connections/{market.samples['connection']}/").status_code == 403
    assert market.client(who).get(f"/market/deals/{market.samples['deal']}/contract.docx").status_code == 403


def test_contacts_show_only_when_both_sides_agree(world):
    from tests.market.matrix import _buyer

    connection = services.request_connection(actor=world.people["buyer"], offer_id=new_offer(world).pk,
                                              demand_id=new_demand(world).pk)
    buyer = _buyer(world)
    page = world.client("coop_manager").get(f"/market/connections/{connection.pk}/").content.decode()
    assert buyer.phone not in page and "chỉ hiện khi cả hai bên đồng ý" in page
    response = world.client("coop_manager").post(f"/market/connections/{connection.pk}/accept/")
    assert response.status_code == 302
    page = world.client("coop_manager").get(f"/market/connections/{connection.pk}/").content.decode()
    assert buyer.phone in page
    assert Connection.objects.get(pk=connection.pk).stage == Connection.Stage.CONTACTED


def test_anonymous_board_lists_offers_and_demands_without_contacts(market):
    client = market.client("anonymous")
    offers = client.get("/market/?q=thom").content.decode()
    assert "khóm ma trận" in offers
    demands = client.get("/market/?show=demands&q=khom").content.decode()
    assert "thơm" in demands
    detail = client.get(f"/market/demands/{market.samples['demand']}/").content.decode()
    assert "Siêu thị Ma Trận" not in detail and "0280000000" not in detail and "mua@example.vn" not in detail


def test_contract_docx_is_produced_with_the_decree_98_parts(market):
    response = market.client("buyer").get(f"/market/deals/{market.samples['deal']}/contract.docx")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as docx:
        xml = docx.read("word/document.xml").decode()
    for text in ("HỢP ĐỒNG LIÊN KẾT SẢN XUẤT VÀ TIÊU THỤ SẢN PHẨM", "Nghị định số 98/2018/NĐ-CP", "HTX Ma Trận",
                 "Siêu thị Ma Trận", "Giải quyết tranh chấp", "120.000 đ"):
        assert text in xml


def test_stage_pipeline_and_deliveries(market):
    pk = market.samples["connection"]
    client = market.client("coop_manager")
    client.post(f"/market/connections/{pk}/deal/")  # a GET-less post with nothing: the form says what is missing
    deal = Connection.objects.get(pk=pk).deal
    client.post(f"/market/deals/{deal.pk}/deliveries/", {"delivered_on": "05/03/2026", "quantity": "2,5"})
    assert Connection.objects.get(pk=pk).stage == Connection.Stage.DELIVERING
    assert deal.deliveries.get().quantity == Decimal("2.50")
    response = client.post(f"/market/connections/{pk}/stage/", {"stage": "samples"}, follow=True)
    assert "Chỉ chuyển kết nối tới giai đoạn sau" in response.content.decode()


def test_new_demand_is_matched_after_commit_and_the_top_matches_notified(world, django_capture_on_commit_callbacks):
    world.people["coop_manager"].email = "coop@example.vn"
    world.people["coop_manager"].save()
    offer = new_offer(world, "khóm")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        demand = new_demand(world, "thơm")
    assert not Match.objects.filter(demand=demand).exists()  # nothing before the commit
    mail.outbox.clear()
    for callback in callbacks:
        callback()
    match = Match.objects.get(demand=demand, offer=offer)
    assert match.reasons[0]["text"].startswith("cùng sản phẩm")
    assert any("coop@example.vn" in m.to for m in mail.outbox)


def test_matching_and_vocabulary_tasks_are_queued_with_the_write(world, database_task_queue,
                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        demand = new_demand(world, "thơm")
        concept = demand.concept
        services.add_term(actor=SYSTEM, concept=concept, term="trái khóm đặc sản")
    assert sorted(database_task_queue()) == [("htxconnect.market.services.match_demand_task", [demand.pk]),
                                             ("htxconnect.market.services.resolve_unknown_task", [])]


def test_officers_see_connections_per_supply_demand_session(market):
    from htxconnect.events import services as event_services

    today = timezone.localdate()
    session = event_services.create_event(actor=SYSTEM, agency=market.home, kind="supply_demand", title="Phiên cung cầu",
                                          starts_on=today, ends_on=today, venue="Hội trường")
    services.request_connection(actor=market.people["buyer"], offer_id=new_offer(market).pk,
                                demand_id=market.samples["demand"], session_event_id=session.pk)
    page = market.client("officer").get("/market/stats/").content.decode()
    assert f"#{session.pk}" in page
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="không phải phiên kết nối cung cầu"):
        services.request_connection(actor=market.people["buyer"], offer_id=new_offer(market).pk,
                                    demand_id=market.samples["demand"], session_event_id=session.pk + 999)


def test_vocabulary_grows_on_its_page(market):
    from htxconnect.market.models import ProductConcept

    dua = ProductConcept.objects.get(key="dua")
    response = market.client("officer").post("/market/vocabulary/", {"concept": dua.pk, "term": "trái khóm",
                                                                      "region": "Hậu Giang"})
    assert response.status_code == 302
    from htxconnect.market.vocabulary import Vocabulary

    assert Vocabulary.load().concept_of("trai khom") == dua.pk
    assert market.client("coop_manager").post("/market/vocabulary/", {"concept": dua.pk, "term": "x"}).status_code == 403


def test_demo_matches_thom_with_khom(db, settings, tmp_path):
    from htxconnect.accounts import demo as accounts_demo
    from htxconnect.market import demo
    from htxconnect.registry import demo as registry_demo

    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    accounts_demo.load(out)
    registry_demo.load_seed(out)
    demo.load(out)
    demo.load(out)  # idempotent
    demand = Demand.objects.get(product_name="thơm")
    best = matching.matches_for_demand(demand)[0]
    assert best.offer.title == "khóm Bến Bà Chi"
    assert "cùng sản phẩm: khóm = thơm = dứa" in best.summary and "VietGAP còn hiệu lực" in best.summary
    assert Offer.objects.count() == 3 and Connection.objects.get().stage == Connection.Stage.SIGNED


def test_access_fetchers_owner_teammate_outsider(market):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from htxconnect.market import queries

    people = market.people
    services.close_offer(actor=SYSTEM, offer_id=market.samples["offer"])
    # A closed offer: its cooperative (manager and member) and the province's officers still see it.
    for who in ("coop_manager", "coop_member", "officer", "admin"):
        assert queries.access_offer(people[who], market.samples["offer"]).pk == market.samples["offer"]
    for who in ("coop_outsider", "other_officer", "buyer"):
        with pytest.raises(Http404):
            queries.access_offer(people[who], market.samples["offer"])
    with pytest.raises(PermissionDenied):
        queries.access_managed_offer(people["coop_member"], market.samples["offer"])
    assert queries.access_connection(people["coop_member"], market.samples["connection"])
    with pytest.raises(PermissionDenied):
        queries.access_connection(people["coop_outsider"], market.samples["connection"])


def test_public_board_in_english(market):
    from django.conf import settings

    client = market.client("anonymous")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/market/?q=khom").content.decode()
    assert "Supply–demand market board" in page and "All certifications" in page
    assert "khóm ma trận" in page


def test_api_lists_the_board_and_a_demands_matches_with_reasons(market):
    offers = market.client("anonymous").get("/api/v1/market/offers?q=dua").json()
    assert [o["name"] for o in offers] == ["khóm ma trận"] and "phone" not in offers[0]
    matches = market.client("buyer").get(f"/api/v1/market/demands/{market.samples['demand']}/matches").json()
    assert matches[0]["offer_id"] == market.samples["offer"]
    assert matches[0]["reasons"][0]["text"] == "cùng sản phẩm: khóm = thơm = dứa"
    bad = market.client("buyer").post("/api/v1/market/demands", {
        "buyer_id": market.samples["buyer"], "product_name": "thơm", "quantity": "1", "unit": "tan", "province_code": "79",
        "starts_on": "2030-01-01", "ends_on": "2030-02-01", "price_min": 30000, "price_max": 20000},
        content_type="application/json")
    assert bad.status_code in (400, 422) and "Khoảng giá bị ngược" in bad.content.decode()


def test_a_contract_becomes_a_support_application(market, settings, tmp_path):
    from htxconnect.programs import services as program_services
    from htxconnect.programs.models import Application

    settings.MEDIA_ROOT = tmp_path
    policy = program_services.create_policy(actor=SYSTEM, agency=market.home, number="98/2018/NĐ-CP", issuer="Chính phủ",
                                            issued_on=datetime.date(2018, 7, 5), title="Liên kết")
    item = program_services.add_support_item(actor=SYSTEM, policy=policy, code="8.1", name="Tư vấn liên kết",
                                             kind="consulting", max_amount=300_000_000)
    client = market.client("coop_manager")
    assert "98/2018/NĐ-CP – 8.1. Tư vấn liên kết" in client.get(f"/market/deals/{market.samples['deal']}/apply/").content.decode()
    response = client.post(f"/market/deals/{market.samples['deal']}/apply/", {"item": item.pk, "amount_requested": "50.000.000"})
    assert response.status_code == 302, response.content.decode()[:3000]
    application = Application.objects.get()
    assert application.organization == market.org and application.amount_requested == 50_000_000
    assert "Hợp đồng liên kết" in application.description and "Siêu thị Ma Trận" in application.title


def test_reminders_are_mailed_once_on_their_day(market):
    people = market.people
    people["buyer"].email = "buyer@example.vn"
    people["buyer"].save()
    day = timezone.localdate() + datetime.timedelta(days=3)
    market.client("buyer").post(f"/market/connections/{market.samples['connection']}/reminder/",
                                {"remind_on": day.strftime("%d/%m/%Y"), "note": "Gọi hỏi mẫu"})
    mail.outbox.clear()
    assert services.send_due_reminders(today=day - datetime.timedelta(days=1)) == 0
    assert services.send_due_reminders(today=day) == 1
    assert services.send_due_reminders(today=day) == 0  # claimed: never twice
    assert len(mail.outbox) == 1 and "Gọi hỏi mẫu" in mail.outbox[0].body and "buyer@example.vn" in mail.outbox[0].to


def test_the_cooperative_timeline_shows_offers_and_contracts(market):
    from htxconnect.registry import queries as registry_queries

    texts = [item.text for item in registry_queries.timeline(market.org, market.people["coop_manager"])]
    assert "Chào bán: khóm ma trận" in texts
    assert "Hợp đồng liên kết với Siêu thị Ma Trận: Khóm" in texts
