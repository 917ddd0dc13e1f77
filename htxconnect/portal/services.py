"""Writes of the public portal: articles and model-cooperative pages, each audited. Only agency
staff write; the actor is always given (core.actors.SYSTEM for the demo loader)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from htxconnect.core import audit

from . import audit_actions as actions
from . import images
from .models import Article, Showcase
from .queries import can_edit


def _check(actor) -> None:
    audit.check_actor(actor)
    if not audit.is_system(actor) and not can_edit(actor):
        raise PermissionDenied


def _author(actor):
    return actor if getattr(actor, "is_authenticated", False) and not audit.is_system(actor) else None


@transaction.atomic
def save_article(*, actor, article: Article) -> Article:
    """Create or update an article (its body is sanitised on save)."""
    _check(actor)
    creating = article.pk is None
    before = {} if creating else audit.snapshot(Article.objects.get(pk=article.pk))
    if creating and article.author_id is None:
        article.author = _author(actor)
    article.full_clean()
    article.save()
    if creating:
        audit.record(actions.ARTICLE_CREATED, actor=actor, obj=article, changes=audit.created(article))
    else:
        audit.record(actions.ARTICLE_UPDATED, actor=actor, obj=article, changes=audit.diff(before, audit.snapshot(article)))
    return article


@transaction.atomic
def save_showcase(*, actor, showcase: Showcase) -> Showcase:
    _check(actor)
    creating = showcase.pk is None
    before = {} if creating else audit.snapshot(Showcase.objects.get(pk=showcase.pk))
    showcase.full_clean()
    showcase.save()
    if creating:
        audit.record(actions.SHOWCASE_CREATED, actor=actor, obj=showcase, changes=audit.created(showcase))
    else:
        audit.record(actions.SHOWCASE_UPDATED, actor=actor, obj=showcase,
                     changes=audit.diff(before, audit.snapshot(showcase)))
    return showcase


def store_article_image(*, actor, upload) -> str:
    """Store a picture for an article's body (re-encoded without metadata) and return its URL; audited
    with where it was stored, so an image can be traced to who uploaded it."""
    _check(actor)
    from django.utils.translation import gettext as _

    url = images.store_inline_image(upload, field=_("Ảnh chèn vào bài"))
    audit.record(actions.IMAGE_UPLOADED, actor=actor, object_repr=url,
                 changes={"url": [None, url], "name": [None, getattr(upload, "name", "")]})
    return url
