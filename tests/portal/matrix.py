"""Authorization-matrix entries of the public portal's URLs (merged into tests/test_authorization_matrix.py).

Real objects: a published article, a draft article (a 404 for everyone but agency staff, who
preview it), and a published model-cooperative page of `world.org`. Editing is for agency staff.
"""

from __future__ import annotations

from tests.world import WHO, everyone

KEYS = {"article", "draft_article", "article_pk", "showcase"}


def _answers(**by_who):
    default = by_who.pop("default")
    return {who: by_who.get(who, default) for who in WHO}


STAFF_WHO = ("admin", "leader", "officer", "officer_teammate", "other_officer", "other_leader")
STAFF_PAGE = _answers(default=403, anonymous="login", **{who: 200 for who in STAFF_WHO})
# The editor's picture upload: staff get 201 with the stored picture's URL.
UPLOAD = _answers(default=403, anonymous="login", **{who: 201 for who in STAFF_WHO})


def _picture(samples) -> dict:
    """A fresh 1×1 PNG for each person (an upload is read once)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1, 1), "white").save(out, "PNG")
    return {"image": SimpleUploadedFile("a.png", out.getvalue(), content_type="image/png")}
DRAFT = _answers(default=404, **{who: 200 for who in STAFF_WHO})  # a draft article, by person


def portal_samples(world, samples) -> dict:
    from django.utils import timezone

    from htxconnect.core.actors import SYSTEM
    from htxconnect.portal import services
    from htxconnect.portal.models import Article, Showcase

    published = Article.objects.filter(slug="tin-ma-tran").first() or services.save_article(actor=SYSTEM, article=Article(
        title="Tin ma trận", slug="tin-ma-tran", summary="Tóm tắt", body="<p>Nội dung</p>", status="published",
        publish_at=timezone.now()))
    draft = Article.objects.filter(slug="nhap-ma-tran").first() or services.save_article(actor=SYSTEM, article=Article(
        title="Nháp ma trận", slug="nhap-ma-tran", summary="Tóm tắt", body="<p>Nháp</p>", status="draft"))
    showcase = Showcase.objects.filter(organization=world.org).first() or services.save_showcase(
        actor=SYSTEM, showcase=Showcase(organization=world.org, title="Mô hình ma trận", story="<p>Câu chuyện</p>",
                                        is_published=True))
    return {"article": published.slug, "draft_article": draft.slug, "article_pk": published.pk,
            "showcase": showcase.pk}


def portal_matrix() -> dict:
    from tests.test_authorization_matrix import Case

    return {
        "portal:home": Case("/portal/", everyone(200)),
        "portal:article_list": Case("/portal/tin-tuc/", everyone(200)),
        "portal:article_detail": Case(lambda s: f"/portal/tin-tuc/{s['article']}/", everyone(200)),
        "portal:showcase_list": Case("/portal/mo-hinh-diem/", everyone(200)),
        "portal:showcase_detail": Case(lambda s: f"/portal/mo-hinh-diem/{s['showcase']}/", everyone(200)),
        "portal:library": Case("/portal/van-ban/?q=nghi+dinh", everyone(200)),
        "portal:statistics": Case("/portal/thong-ke/", everyone(200)),
        "portal:manage": Case("/portal/quan-tri/", STAFF_PAGE),
        "portal:article_create": Case("/portal/quan-tri/bai-viet/moi/", STAFF_PAGE),
        "portal:article_edit": Case(lambda s: f"/portal/quan-tri/bai-viet/{s['article_pk']}/", STAFF_PAGE),
        "portal:image_upload": Case("/portal/quan-tri/anh/", UPLOAD, method="post", data=_picture),
        "portal:showcase_create": Case("/portal/quan-tri/mo-hinh-diem/moi/", STAFF_PAGE),
        "portal:showcase_edit": Case(lambda s: f"/portal/quan-tri/mo-hinh-diem/{s['showcase']}/", STAFF_PAGE),
        "sitemap": Case("/sitemap.xml", everyone(200)),
    }


