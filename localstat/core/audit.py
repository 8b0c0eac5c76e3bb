"""The audit trail: every service records what it wrote, who asked, and the values involved."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

from localstat.core.models import AuditEvent


def record_event(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    subject: models.Model,
    summary: str,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        summary=summary[:500],
        data=data or {},
    )
