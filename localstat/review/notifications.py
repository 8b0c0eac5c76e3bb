"""Email reminders through Django's email backend, sent after the write that prompts them commits."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction

from localstat.chain.choices import Role
from localstat.chain.models import Organisation


def people_at(organisations: Iterable[Organisation], roles: Iterable[str]) -> list[Any]:
    """People with any of ``roles`` at any of ``organisations`` who have an email address."""
    return list(
        get_user_model()
        .objects.filter(
            memberships__organisation__in=list(organisations),
            memberships__role__in=list(roles),
            is_active=True,
        )
        .exclude(email="")
        .distinct()
        .order_by("username")
    )


_QUIET: ContextVar[bool] = ContextVar("review_notifications_quiet", default=False)


@contextmanager
def quiet() -> Iterator[None]:
    """Send nothing inside the block: the demo builds history that no one should be emailed about."""
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)


def send_on_commit(messages: list[tuple[str, str, list[str]]]) -> None:
    """Send (subject, body, recipients) messages once the transaction commits; none if it rolls back."""
    if _QUIET.get():
        return
    wanted = [(subject, body, settings.DEFAULT_FROM_EMAIL, to) for subject, body, to in messages if to]
    if wanted:
        transaction.on_commit(lambda: send_mass_mail(wanted, fail_silently=False))


SECRETARIAT_ROLES = [Role.PERFORMANCE_MANAGER]
UNIT_ROLES = [Role.UNIT_MANAGER]
