"""The public portal through the test client: sanitised HTML, scheduled publishing, who edits,
drafts hidden from the public, the key figures, the library search, the sitemap and Open Graph."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from htxconnect.core.actors import SYSTEM
from htxconnect.core.models import AuditEntry
from htxconnect.portal import queries, services
from htxconnect.portal.models import Article, Showcase
from tests.portal.matrix import DRAFT
from tests.world import WHO

pytestmark = pytest.mark.django_db


def _article(slug="bai", status="published", publish_at=None, body="<p>Nội dung</p>"):
    return services.save_article(actor=SYSTEM, article=Article(
        title=f"Bài {slug}", slug=slug, summary="Tóm tắt bài", body=body, status=status,
        publish_at=publish_at or timezone.now()))


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(out, "PNG")
    return out.getvalue()


def _form(**extra):
    data = {"title": "Hội nghị kết nối", "slug": "hoi-nghi-ket-noi", "summary": "Tóm tắt", "cover_alt": "",
            "body": '<p onclick="steal()">Xin chào</p><script>alert(1)</script><a href="javascript:alert(2)">x</a>',
            "status": "published", "publish_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
    data.update(extra)
    return data


def test_a_script_in_the_body_is_stripped_on_save():
    article = _article(body='<p onmouseover="x()">Tin</p><script>alert("x")</script><img src="x" onerror="y()">')
    article.refresh_from_db()
    assert "<script" not in article.body and "alert" not in article.body
    assert "onmouseover" not in article.body and "onerror" not in article.body
    assert "<p>Tin</p>" in article.body


def test_an_officer_writes_an_article_through_the_editor_and_the_public_reads_it_clean(world):
    response = world.client("officer").post("/portal/quan-tri/bai-viet/moi/", _form())
    assert response.status_code == 302
    article = Article.objects.get(slug="hoi-nghi-ket-noi")
    assert article.author == world.people["officer"]
    assert AuditEntry.objects.filter(action="portal.article.created").count() == 1
    page = world.client("anonymous").get("/portal/tin-tuc/hoi-nghi-ket-noi/").content.decode()
    assert "Xin chào" in page and "<script>alert(1)" not in page and "steal()" not in page
    assert "javascript:alert" not in page


def test_a_cover_that_is_not_an_image_is_refused_and_a_real_one_accepted(world):
    client = world.client("officer")
    fake = SimpleUploadedFile("anh.png", b"not an image at all", content_type="image/png")
    response = client.post("/portal/quan-tri/bai-viet/moi/", {**_form(), "cover": fake})
    assert response.status_code == 200
    assert "không phải ảnh" in response.content.decode()
    assert not Article.objects.exists()
    real = SimpleUploadedFile("anh.png", _png(), content_type="image/png")
    response = client.post("/portal/quan-tri/bai-viet/moi/", {**_form(), "cover": real, "cover_alt": "Hội nghị"})
    assert response.status_code == 302
    assert Article.objects.get().cover.name.startswith("portal/articles/")


def test_only_agency_staff_edit(world):
    for who in ("coop_manager", "coop_member", "buyer"):
        assert world.client(who).post("/portal/quan-tri/bai-viet/moi/", _form()).status_code == 403, who
    assert world.client("anonymous").post("/portal/quan-tri/bai-viet/moi/", _form()).status_code == 302
    assert not Article.objects.exists()
    with pytest.raises(PermissionDenied):
        services.save_article(actor=world.people["coop_manager"], article=Article(
            title="x", slug="x", summary="x", body="x"))
    with pytest.raises(Exception):
        services.save_article(actor=None, article=Article(title="x", slug="x", summary="x", body="x"))


def test_a_draft_is_a_404_for_the_public_and_a_preview_for_staff(world):
    _article("nhap", status="draft")
    for who in WHO:
        assert world.client(who).get("/portal/tin-tuc/nhap/").status_code == DRAFT[who], who
    assert "Bài nhap" not in world.client("anonymous").get("/portal/tin-tuc/").content.decode()


def test_a_scheduled_article_appears_when_its_time_comes(world, time_machine):
    time_machine.move_to(datetime.datetime(2026, 5, 1, 8, 0, tzinfo=datetime.timezone.utc))
    _article("hen-gio", publish_at=datetime.datetime(2026, 5, 2, 8, 0, tzinfo=datetime.timezone.utc))
    anonymous = world.client("anonymous")
    assert anonymous.get("/portal/tin-tuc/hen-gio/").status_code == 404
    assert "Bài hen-gio" not in anonymous.get("/portal/tin-tuc/").content.decode()
    time_machine.move_to(datetime.datetime(2026, 5, 2, 8, 1, tzinfo=datetime.timezone.utc))
    assert anonymous.get("/portal/tin-tuc/hen-gio/").status_code == 200
    assert "Bài hen-gio" in anonymous.get("/portal/tin-tuc/").content.decode()


def test_home_shows_live_key_figures_and_links(world):
    from tests.market.matrix import new_offer

    before = {f.key: f.value for f in queries.key_figures()}
    new_offer(world, "khóm")
    after = {f.key: f.value for f in queries.key_figures()}
    assert after["offers"] == before["offers"] + 1
    assert after["cooperatives"] >= 2  # world.org and world.other_org are public cooperatives
    page = world.client("anonymous").get("/portal/").content.decode()
    for link in ("/registry/public/", "/market/", "/portal/van-ban/", "/portal/tin-tuc/"):
        assert f'href="{link}' in page
    assert 'property="og:title"' in page


def test_home_in_english(world):
    client = world.client("anonymous")
    client.post("/i18n/setlang/", {"language": "en", "next": "/portal/"})
    page = client.get("/portal/").content.decode()
    assert "Key figures" in page and "Model cooperatives" in page


def test_library_search_is_accent_insensitive(agencies):
    from htxconnect.programs import services as programs_services

    agency = agencies[0]
    programs_services.create_policy(actor=SYSTEM, agency=agency, number="98/2018/NĐ-CP",
                                    title="Nghị định về chính sách khuyến khích phát triển hợp tác, liên kết",
                                    issuer="Chính phủ", issued_on=datetime.date(2018, 7, 5))
    programs_services.create_policy(actor=SYSTEM, agency=agency, number="1804/QĐ-TTg", title="Quyết định hỗ trợ HTX",
                                    issuer="Thủ tướng Chính phủ", issued_on=datetime.date(2020, 11, 13))
    assert [p.number for p in queries.library("nghi dinh lien ket")] == ["98/2018/NĐ-CP"]
    assert [p.number for p in queries.library("98/2018/nd-cp")] == ["98/2018/NĐ-CP"]
    assert len(queries.library("")) == 2


def test_showcase_links_to_the_directory_and_strips_scripts(world):
    showcase = services.save_showcase(actor=SYSTEM, showcase=Showcase(
        organization=world.org, title="Mô hình điểm", story="<p>Câu chuyện</p><script>x()</script>", is_published=True))
    page = world.client("anonymous").get(f"/portal/mo-hinh-diem/{showcase.pk}/").content.decode()
    assert f"/registry/public/{world.org.pk}/" in page and "<script>x()" not in page
    showcase.is_published = False
    services.save_showcase(actor=SYSTEM, showcase=showcase)
    assert world.client("anonymous").get(f"/portal/mo-hinh-diem/{showcase.pk}/").status_code == 404


def test_sitemap_lists_published_articles_only(world):
    _article("cong-khai")
    _article("chua-dang", status="draft")
    xml = world.client("anonymous").get("/sitemap.xml").content.decode()
    assert "/portal/tin-tuc/cong-khai/" in xml and "chua-dang" not in xml
    assert "/registry/public/" in xml and "/market/" in xml


def test_article_page_carries_open_graph_tags(world):
    _article("og")
    page = world.client("anonymous").get("/portal/tin-tuc/og/").content.decode()
    assert '<meta property="og:type" content="article">' in page
    assert '<meta property="og:title" content="Bài og">' in page
    assert 'property="og:url" content="http://testserver/portal/tin-tuc/og/"' in page


def test_demo_articles_and_model_cooperative(db, settings, tmp_path):
    from htxconnect.accounts import demo as accounts_demo
    from htxconnect.portal import demo
    from htxconnect.registry import demo as registry_demo

    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    accounts_demo.load(out)
    registry_demo.load_seed(out)
    demo.load(out)
    demo.load(out)  # idempotent
    assert published_slugs() == {"an-giang-so-ket-6-thang-dau-nam-2020", "binh-duong-chuong-trinh-phoi-hop-2016-2020"}
    an_giang = Article.objects.get(slug="an-giang-so-ket-6-thang-dau-nam-2020")
    # Figures quoted from the seed article (An Giang, 13/07/2020).
    for fact in ("9/7/2020", "08 đơn vị", "06 HTX", "2.500.000 đồng", "03 buổi kết nối cung cầu", "04 buổi hội thảo"):
        assert fact in an_giang.body, fact
    binh_duong = Article.objects.get(slug="binh-duong-chuong-trinh-phoi-hop-2016-2020")
    for fact in ("02 hợp tác xã", "05 HTX", "03 HTX", "06 tỷ 900 triệu đồng", "150 lượt"):
        assert fact in binh_duong.body, fact
    showcase = Showcase.objects.get()
    assert showcase.organization.name == "HTX Ổi Thanh Kiên" and showcase in queries.public_showcases()


def published_slugs():
    return set(queries.published_articles().values_list("slug", flat=True))


def test_the_public_directory_and_market_board_carry_open_graph_tags(world):
    for path in ("/registry/public/", "/market/"):
        page = world.client("anonymous").get(path).content.decode()
        assert '<meta property="og:type" content="website">' in page, path
        assert f'<meta property="og:url" content="http://testserver{path}">' in page, path


def test_the_site_root_is_the_portal_for_anonymous_visitors_and_the_workspace_for_everyone_signed_in(world):
    """`/` (core:home, public in the authorization matrix) is the portal's home page for an anonymous
    visitor, with a plain "Đăng nhập" link; a signed-in person gets their workspace there."""
    anonymous = world.client("anonymous").get("/")
    page = anonymous.content.decode()
    assert anonymous.status_code == 200
    assert "Khoa học, công nghệ và thị trường cho hợp tác xã" in page and 'id="figures"' in page
    assert '<a class="btn btn-sm btn-light order-sm-last" href="/accounts/login/">' in page
    assert 'name="password"' not in page  # the form is one click away, not the page itself
    for who in WHO:
        if who == "anonymous":
            continue
        response = world.client(who).get("/")
        assert response.status_code == 200, who
        assert 'id="figures"' not in response.content.decode(), who
    # Signed-in people reading the portal get a way back to their workspace instead of "Đăng nhập".
    portal = world.client("officer").get("/portal/").content.decode()
    assert "Vào hệ thống" in portal and 'href="/accounts/login/"><i' not in portal
