"""The public portal's own content: news articles and model-cooperative pages (mô hình điểm).
Everything else the portal shows is read from the other apps' queries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from htxconnect.registry.validators import validate_photo_file

from .sanitize import clean_html


class ArticleQuerySet(models.QuerySet):
    def published(self, now=None):
        """Published articles whose publish time has come (scheduled ones appear by themselves)."""
        return self.filter(status=Article.Status.PUBLISHED, publish_at__lte=now or timezone.now())


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Bản nháp")
        PUBLISHED = "published", _("Xuất bản")

    title = models.CharField(_("tiêu đề"), max_length=300)
    slug = models.SlugField(_("đường dẫn"), max_length=200, unique=True,
                            help_text=_("Chữ thường không dấu, nối bằng gạch ngang, ví dụ: hoi-nghi-tong-ket-2020"))
    summary = models.TextField(_("tóm tắt"), max_length=600)
    body = models.TextField(_("nội dung (HTML)"))
    cover = models.ImageField(_("ảnh bìa"), upload_to="portal/articles/%Y/", blank=True,
                              validators=[validate_photo_file])
    cover_alt = models.CharField(_("mô tả ảnh bìa"), max_length=200, blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    publish_at = models.DateTimeField(_("thời điểm xuất bản"), default=timezone.now,
                                      help_text=_("Bài đã xuất bản hiện ra từ thời điểm này (đặt lịch đăng)."))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("tác giả"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-id"]
        verbose_name = _("bài viết")
        verbose_name_plural = _("bài viết")

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body = clean_html(self.body)
        super().save(*args, **kwargs)

    @property
    def is_visible(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.publish_at <= timezone.now()

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("portal:article_detail", args=[self.slug])


class Showcase(models.Model):
    """A model cooperative (mô hình điểm): a curated story about one registry organisation."""

    organization = models.OneToOneField("registry.Organization", on_delete=models.CASCADE,
                                        related_name="portal_showcase", verbose_name=_("tổ chức"))
    title = models.CharField(_("tiêu đề"), max_length=300)
    story = models.TextField(_("câu chuyện (HTML)"))
    is_published = models.BooleanField(_("công khai"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("mô hình điểm")
        verbose_name_plural = _("mô hình điểm")

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.story = clean_html(self.story)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("portal:showcase_detail", args=[self.pk])
