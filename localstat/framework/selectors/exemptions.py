"""Which exemptions apply: the one question the framework, the regime and the pages all ask."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Q, QuerySet

from localstat.chain.models import Organisation
from localstat.core.clock import today
from localstat.framework.models import Exemption, Indicator


def _in_force(as_of: date) -> Q:
    return Q(granted_on__lte=as_of) & (Q(ends_on__isnull=True) | Q(ends_on__gt=as_of))


def _about(indicator: Indicator) -> Q:
    # An exemption names the indicator, or covers every indicator of its service (a freedom).
    return Q(indicator=indicator) | Q(indicator__isnull=True, service_id=indicator.service_id)


def active_exemptions(
    unit: Organisation, indicator: Indicator, as_of: date | None = None
) -> QuerySet[Exemption]:
    """The exemptions releasing ``unit`` from further targets on ``indicator`` on ``as_of`` (default today),
    whichever granted them: meeting the standard, or the regime's "no further targets" freedom."""
    return exemptions_in_force(units=[unit], indicator=indicator, as_of=as_of)


def exemptions_in_force(
    *, units: Iterable[Organisation], indicator: Indicator, as_of: date | None = None
) -> QuerySet[Exemption]:
    """:func:`active_exemptions` for many units at once (one query)."""
    as_of = as_of or today()
    return (
        Exemption.objects.filter(_in_force(as_of), _about(indicator), unit__in=[u.pk for u in units])
        .select_related("unit", "indicator", "service", "standard")
        .order_by("unit__code", "granted_on", "pk")
    )


def exemptions_of_unit(unit: Organisation, as_of: date | None = None) -> QuerySet[Exemption]:
    """Every exemption in force for a unit, on any indicator."""
    as_of = as_of or today()
    return (
        Exemption.objects.filter(_in_force(as_of), unit=unit)
        .select_related("indicator", "service", "standard", "granted_by")
        .order_by("granted_on", "pk")
    )
