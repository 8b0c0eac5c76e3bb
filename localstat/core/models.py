from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One write made through a service: who did what to which record, and with what values.

    Services write these; nothing else does. They are never updated or deleted.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=100, db_index=True)
    subject_type = models.CharField(max_length=100)
    subject_id = models.CharField(max_length=100)
    summary = models.CharField(max_length=500)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}: {self.summary}"


class ReferenceDate(models.Model):
    """The date a database was built for, so time-based rules behave as they did then.

    The demo records 2019-04-30, just after its NHS data ends; ``LOCALSTAT_TODAY`` overrides it.
    """

    as_of = models.DateField()
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.as_of} ({self.reason})"
