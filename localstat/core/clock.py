"""The one clock every time-based rule reads.

``LOCALSTAT_TODAY`` (an ISO date) wins; otherwise the date the database was built for (the demo
records 2019-04-30, just after its NHS data ends); otherwise the wall clock. Deadlines, reviews and
escalations therefore behave in the demo as they did then, even while the server's tick runs.
"""

from __future__ import annotations

import os
from datetime import date, datetime

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from localstat.core.models import ReferenceDate


def today() -> date:
    configured = os.environ.get("LOCALSTAT_TODAY", "").strip()
    if configured:
        try:
            return date.fromisoformat(configured)
        except ValueError as error:
            raise ImproperlyConfigured(
                f"LOCALSTAT_TODAY must be an ISO date such as 2019-04-30, not {configured!r}"
            ) from error
    reference = ReferenceDate.objects.values_list("as_of", flat=True).first()
    if reference is not None:
        return reference
    return timezone.localdate()


def now() -> datetime:
    """The moment a thing happens, for the record (approved at, decided at, published at): the wall
    clock's time of day on :func:`today`, so a database built for a date (the demo's 30 April 2019)
    records its events on that date rather than on the day it was built."""
    wall = timezone.localtime()
    day = today()
    if day == wall.date():
        return timezone.now()
    return wall.replace(year=day.year, month=day.month, day=day.day)


def set_reference_date(as_of: date, *, reason: str) -> ReferenceDate:
    """Record the date this database was built for (the demo calls it once per build)."""
    ReferenceDate.objects.all().delete()
    return ReferenceDate.objects.create(as_of=as_of, reason=reason)
