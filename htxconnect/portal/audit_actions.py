"""Audit action types of the public portal: news articles and model-cooperative pages (see core.audit)."""

from django.utils.translation import gettext_lazy as _

from htxconnect.core.audit import action

ARTICLE_CREATED = action("portal.article.created", _("Tạo bài viết"))
ARTICLE_UPDATED = action("portal.article.updated", _("Sửa bài viết"))
SHOWCASE_CREATED = action("portal.showcase.created", _("Tạo trang mô hình điểm"))
SHOWCASE_UPDATED = action("portal.showcase.updated", _("Sửa trang mô hình điểm"))
IMAGE_UPLOADED = action("portal.image.uploaded", _("Tải ảnh lên cho bài viết"))
