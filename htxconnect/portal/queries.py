"""What the public portal reads: its own articles and model-cooperative pages, and the key figures
and legal documents read from the other apps' queries (the portal sits above them all)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from htxconnect.core.permissions import is_staff_role
from htxconnect.core.text import fold
from htxconnect.events.models import Attendance, EventKind
from htxconnect.market import queries as market_queries
from htxconnect.programs import queries as programs_queries
from htxconnect.programs.models import Support
from htxconnect.registry import queries as registry_queries
from htxconnect.registry.models import Organization, Product

from .models import Article, Showcase

ARTICLES_PER_PAGE = 10
COOPERATIVE_KINDS = (Organization.Kind.COOPERATIVE, Organization.Kind.COOPERATIVE_UNION,
                     Organization.Kind.COOPERATIVE_GROUP)


def can_edit(user) -> bool:
    """Agency staff (officers, leaders, administrators) write the portal's articles and pages."""
    return is_staff_role(user)


# --- Key figures ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: int


def key_figures(today=None) -> list[Figure]:
    """The home page's figures, computed live: nothing is stored or cached."""
    today = today or timezone.localdate()
    public_orgs = registry_queries.public_organizations()
    cooperatives = public_orgs.filter(kind__in=COOPERATIVE_KINDS).count()
    supports = Support.objects.count()
    trainees = Attendance.objects.filter(session__event__kind=EventKind.COURSE,
                                         session__starts_at__year=today.year).count()
    ocop = Product.objects.filter(ocop_ratings__isnull=False, producer__in=public_orgs).distinct().count()
    offers = market_queries.public_offers(today).count()
    return [
        Figure("cooperatives", _("Hợp tác xã, tổ hợp tác trong danh bạ"), cooperatives),
        Figure("supports", _("Lượt hỗ trợ đã ghi nhận"), supports),
        Figure("trainees", _("Lượt học viên tập huấn năm %(year)s") % {"year": today.year}, trainees),
        Figure("ocop", _("Sản phẩm OCOP"), ocop),
        Figure("offers", _("Chào bán đang mở trên chợ"), offers),
    ]


# --- Articles ---------------------------------------------------------------------------------------------


def published_articles(now=None):
    return Article.objects.published(now).select_related("author")


def scope_articles(user):
    """Editors see every article (drafts and scheduled ones too); everyone else the published ones."""
    return Article.objects.all() if can_edit(user) else published_articles()


def access_article(user, slug: str) -> Article:
    """An article by its slug: a draft or a scheduled article is a 404 for the public."""
    article = scope_articles(user).select_related("author").filter(slug=slug).first()
    if article is None:
        raise Http404(_("Không tìm thấy bài viết."))
    return article


def access_editable_article(user, pk: int) -> Article:
    article = Article.objects.filter(pk=pk).first() if can_edit(user) else None
    if article is None:
        raise Http404(_("Không tìm thấy bài viết."))
    return article


# --- Model cooperatives -------------------------------------------------------------------------------------


def public_showcases():
    return Showcase.objects.select_related("organization").filter(
        is_published=True, organization__in=registry_queries.public_organizations())


def scope_showcases(user):
    """Editors see every page (unpublished ones too); everyone else the published ones."""
    return Showcase.objects.select_related("organization") if can_edit(user) else public_showcases()


def access_showcase(user, pk: int) -> Showcase:
    showcase = scope_showcases(user).filter(pk=pk).first()
    if showcase is None:
        raise Http404(_("Không tìm thấy mô hình điểm."))
    return showcase


def showcase_products(showcase: Showcase):
    return Product.objects.filter(producer=showcase.organization, is_public=True).prefetch_related("ocop_ratings")


def is_in_directory(showcase: Showcase) -> bool:
    return registry_queries.public_organizations().filter(pk=showcase.organization_id).exists()


# --- Library of legal documents -----------------------------------------------------------------------------


def library(q: str = "") -> list:
    """Policies in force (programs' queries), searched by number or title without accents:
    "nghi dinh 98" finds "Nghị định 98/2018/NĐ-CP"."""
    policies = list(programs_queries.public_policies())
    words = fold(q).split()
    if not words:
        return policies
    return [p for p in policies if all(w in fold(f"{p.number} {p.title} {p.issuer}") for w in words)]


