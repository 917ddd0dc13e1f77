"""The public portal: home page with key figures, news, model cooperatives, the library of legal
documents; and the editor pages of agency staff."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from htxconnect.core.db_router import use_replica
from htxconnect.core.permissions import STAFF, public, requires

from . import images, queries, services, statistics
from .forms import ArticleForm, ShowcaseForm
from .models import Article, Showcase


@public
@use_replica
def home(request):
    return render(request, "portal/home.html", {"section": "home",
        "figures": queries.key_figures(), "articles": queries.published_articles()[:3],
        "showcases": queries.public_showcases()[:3]})


@public
@use_replica
def article_list(request):
    page = Paginator(queries.published_articles(), queries.ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "portal/article_list.html", {"section": "news", "page": page, "can_edit": queries.can_edit(request.user)})


@public
@use_replica
def article_detail(request, slug):
    article = queries.access_article(request.user, slug)
    return render(request, "portal/article_detail.html", {"section": "news", "article": article,
                                                          "can_edit": queries.can_edit(request.user)})


@public
@use_replica
def showcase_list(request):
    return render(request, "portal/showcase_list.html", {"section": "showcases",
        "showcases": queries.public_showcases(), "can_edit": queries.can_edit(request.user)})


@public
@use_replica
def showcase_detail(request, pk):
    showcase = queries.access_showcase(request.user, pk)
    return render(request, "portal/showcase_detail.html", {"section": "showcases",
        "showcase": showcase, "products": queries.showcase_products(showcase),
        "in_directory": queries.is_in_directory(showcase), "can_edit": queries.can_edit(request.user)})


@public
@use_replica
def library(request):
    q = request.GET.get("q", "").strip()
    return render(request, "portal/library.html", {"section": "library", "q": q, "policies": queries.library(q)})


@public
def statistics_page(request):
    """Public figures computed live: tables with their charts, no personal data."""
    tables = statistics.public_statistics()
    return render(request, "portal/statistics.html", {"section": "statistics", "tables": tables,
                                                      "options": [t.option() for t in tables]})


# --- Editors (agency staff) -------------------------------------------------------------------------------


@requires(STAFF)
def manage(request):
    return render(request, "portal/manage.html", {"articles": queries.scope_articles(request.user),
                                                  "showcases": queries.scope_showcases(request.user)})


def _edit(request, form_class, instance, save, done, template):
    form = form_class(request.POST or None, request.FILES or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        obj = save(actor=request.user, **{form_class._meta.model._meta.model_name: form.save(commit=False)})
        messages.success(request, _("Đã lưu."))
        return redirect(done(obj))
    return render(request, template, {"form": form, "object": instance if instance.pk else None})


@requires(STAFF)
def article_create(request):
    return _edit(request, ArticleForm, Article(), lambda actor, article: services.save_article(actor=actor, article=article),
                 lambda a: "portal:manage", "portal/article_form.html")


@requires(STAFF)
def article_edit(request, pk):
    article = queries.access_editable_article(request.user, pk)
    return _edit(request, ArticleForm, article, lambda actor, article: services.save_article(actor=actor, article=article),
                 lambda a: "portal:manage", "portal/article_form.html")


@requires(STAFF)
def showcase_create(request):
    return _edit(request, ShowcaseForm, Showcase(),
                 lambda actor, showcase: services.save_showcase(actor=actor, showcase=showcase),
                 lambda s: "portal:manage", "portal/showcase_form.html")


@requires(STAFF)
def showcase_edit(request, pk):
    showcase = queries.access_showcase(request.user, pk)
    return _edit(request, ShowcaseForm, showcase,
                 lambda actor, showcase: services.save_showcase(actor=actor, showcase=showcase),
                 lambda s: "portal:manage", "portal/showcase_form.html")


@requires(STAFF)
@require_POST
def image_upload(request):
    """A picture for an article's body (editor.js): checked, re-encoded without metadata, stored;
    answers {"url": …} to insert, or 400 {"error": …} in Vietnamese naming the field and the rule."""
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"error": _("Ảnh chèn vào bài: chưa chọn tệp ảnh.")}, status=400)
    try:
        url = services.store_article_image(actor=request.user, upload=upload)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse({"url": url}, status=201)
