"""sitemap.xml of the public pages (django.contrib.sitemaps): the portal's pages, published articles,
model cooperatives, and the public directory and market board."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from . import queries


class StaticPages(Sitemap):
    changefreq = "daily"

    def items(self):
        return ["portal:home", "portal:article_list", "portal:showcase_list", "portal:library", "portal:statistics",
                "registry:public_list", "market:board"]

    def location(self, item):
        return reverse(item)


class Articles(Sitemap):
    changefreq = "weekly"

    def items(self):
        return queries.published_articles()

    def lastmod(self, article):
        return article.updated_at


class Showcases(Sitemap):
    changefreq = "monthly"

    def items(self):
        return queries.public_showcases()

    def lastmod(self, showcase):
        return showcase.updated_at


SITEMAPS = {"pages": StaticPages, "articles": Articles, "showcases": Showcases}
