"""The publication's time rule: ``localstat tick`` publishes each announced release at its time.

A release is announced with its publication time (official statistics' practice: the time is fixed in
advance, not chosen when the figures are known). Once the time has passed, the tick publishes it as it
stands: frozen for pre-release access, or frozen now from its run. Idempotent: a published release is
never published again.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from localstat.core.clock import now, today
from localstat.publication.models import Release, ReleaseStatus
from localstat.publication.services import publish_release
from localstat.returns.tick import TimeRule


def _moment(as_of: date) -> datetime:
    """Now, on the day the tick runs for; the day's end when the tick is run for another day."""
    if as_of == today():
        return now()
    return timezone.make_aware(datetime.combine(as_of, time(23, 59, 59)))


def publish_due_releases(as_of: date) -> str:
    moment = _moment(as_of)
    due = Release.objects.filter(status=ReleaseStatus.SCHEDULED, publish_at__lte=moment).select_related(
        "service", "run"
    )
    published = [
        publish_release(release=release, acting_user=None, now=moment)
        for release in due.order_by("publish_at", "pk")
    ]
    waiting = Release.objects.filter(status=ReleaseStatus.SCHEDULED).count()
    done = ", ".join(f"{r.service.name} release {r.number}" for r in published) or "none"
    return (
        f"{len(published)} releases published at their announced time ({done}); {waiting} announced for later"
    )


RULES = [
    TimeRule(
        name="publish_due_releases",
        run=publish_due_releases,
        description="Publish each announced release once its publication time has passed",
    )
]
