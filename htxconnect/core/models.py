"""Tables shared by every app: the audit log, the task outbox."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: D102 - entries are append-only
        raise PermissionError("Audit entries cannot be changed.")

    def delete(self):
        raise PermissionError("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    """One change made through a service: who, when, what (field: before → after), from where.

    Append-only: the application offers no way to edit or delete an entry.
    """

    action = models.CharField(_("hành động"), max_length=100, db_index=True)  # e.g. registry.organisation.created
    created_at = models.DateTimeField(_("thời điểm"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("người thực hiện"),
    )
    actor_repr = models.CharField(_("người thực hiện (tên)"), max_length=200, blank=True)
    agency_id = models.BigIntegerField(_("cơ quan"), null=True, blank=True, db_index=True)
    # Province of the record changed (current unit code), so a province's leaders also see changes
    # made there by cooperatives and by the system, which act for no agency.
    province_code = models.CharField(_("tỉnh/thành phố"), max_length=2, blank=True, db_index=True)
    object_type = models.CharField(_("loại đối tượng"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("đối tượng"), max_length=300, blank=True)
    changes = models.JSONField(_("thay đổi"), default=dict, blank=True)  # {field: [before, after]}
    ip = models.CharField(_("địa chỉ máy"), max_length=64, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("nhật ký thay đổi")
        verbose_name_plural = _("nhật ký thay đổi")

    def __str__(self):
        return f"{self.created_at:%d/%m/%Y %H:%M} {self.actor_repr} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries cannot be deleted.")


class OutboxTask(models.Model):
    """A task to hand to a queue that cannot join the database transaction (RQ on Redis): written in
    the transaction of the change that wants it, handed to the queue after the commit, and handed
    again by the minute job while it is not marked dispatched (core.outbox, decision 0027)."""

    task_path = models.CharField(_("tác vụ"), max_length=200)  # module path of the django-tasks Task
    queue_name = models.CharField(_("hàng đợi"), max_length=50)
    args = models.JSONField(_("tham số"), default=list, blank=True)
    kwargs = models.JSONField(_("tham số có tên"), default=dict, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    # Claimed by whoever hands it over (the writer after the commit, the minute job later) with a
    # conditional UPDATE on `attempts`, so two dispatchers never both take one attempt.
    attempts = models.PositiveIntegerField(_("số lần gửi"), default=0)
    attempted_at = models.DateTimeField(_("lần gửi gần nhất"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("đã gửi lúc"), null=True, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)

    class Meta:
        verbose_name = _("tác vụ chờ gửi")
        verbose_name_plural = _("tác vụ chờ gửi")
        indexes = [models.Index(fields=["created_at"], condition=models.Q(dispatched_at__isnull=True),
                                name="core_outbox_pending")]

    def __str__(self):
        return f"{self.task_path} {self.args} ({self.queue_name})"
