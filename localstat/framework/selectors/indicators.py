"""Reads of indicators, their versions and school calendars. Set-based: no query per row."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from localstat.chain.access import permitted_organisations
from localstat.chain.models import Service
from localstat.framework.models import Indicator, IndicatorEquivalence, IndicatorVersion, SchoolTerm
from localstat.framework.periods import Term, TermCalendar


def school_calendar_for(service: Service | int) -> TermCalendar | None:
    """The service's school calendar as a ``periods.TermCalendar`` (one query), or None if it has none."""
    service_id = service if isinstance(service, int) else service.pk
    terms = list(SchoolTerm.objects.filter(calendar__service_id=service_id).select_related("calendar"))
    if not terms:
        return None
    return TermCalendar(
        terms[0].calendar.name, tuple(Term(t.name, t.academic_year, t.start, t.end) for t in terms)
    )


def version_in_force(indicator: Indicator, on: date) -> IndicatorVersion | None:
    """The definition that applies to a value for a period starting ``on`` (None before version 1)."""
    return (
        IndicatorVersion.objects.filter(indicator=indicator, valid_from__lte=on)
        .order_by("-valid_from")
        .first()
    )


def versions_in_force(indicators: Iterable[Indicator], on: date) -> dict[int, IndicatorVersion]:
    """For many indicators at once: indicator id → the version in force ``on`` (one query)."""
    chosen: dict[int, IndicatorVersion] = {}
    versions = IndicatorVersion.objects.filter(
        indicator__in=[i.pk for i in indicators], valid_from__lte=on
    ).order_by("indicator_id", "valid_from")
    for version in versions:
        chosen[version.indicator_id] = version
    return chosen


def indicators_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Indicator]:
    """Every published indicator, and the internal-only ones of organisations whose internals the user sees."""
    indicators = Indicator.objects.select_related("current_version", "service", "owner")
    own = permitted_organisations(user, "framework.view_internal")
    return indicators.exclude(internal_only=True) | indicators.filter(internal_only=True, owner__in=own)


def equivalence_classes() -> dict[int, int]:
    """Indicator id → the smallest id of the indicators recorded as equivalent to it (transitively).

    Indicators with no equivalence are absent; read ``classes.get(pk, pk)``.
    """
    parent: dict[int, int] = {}

    def find(pk: int) -> int:
        parent.setdefault(pk, pk)
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    for low, high in IndicatorEquivalence.objects.values_list("indicator_id", "equivalent_id"):
        a, b = find(low), find(high)
        if a != b:
            # The smaller root wins, so each class is named by its smallest id.
            parent[max(a, b)] = min(a, b)
    return {pk: find(pk) for pk in list(parent)}
