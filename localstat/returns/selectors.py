"""Reads across collections, returns and observations. Set-based: no query per row.

For the assessment: :func:`approved_observations` is the current approved value of every series
point, one row each (``approved_current`` is kept by the approval service); read it with
``.values_list(...)`` or raw SQL into a frame, never object by object.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When

from localstat.chain.access import permitted_organisations
from localstat.chain.models import Organisation
from localstat.framework.models import Indicator
from localstat.returns.choices import ReturnStatus, Timeliness, WarningStatus
from localstat.returns.models import Collection, Observation, QualityWarning, Return


def with_timeliness(returns: QuerySet[Return], as_of: date) -> QuerySet[Return]:
    """Annotate ``timeliness``: on time, late, missing (past its deadline with nothing) or not yet due."""
    return returns.annotate(
        timeliness=Case(
            When(received_on__isnull=False, received_on__lte=F("deadline"), then=Value(Timeliness.ON_TIME)),
            When(received_on__isnull=False, then=Value(Timeliness.LATE)),
            When(deadline__lt=as_of, then=Value(Timeliness.MISSING)),
            default=Value(Timeliness.NOT_DUE),
            output_field=CharField(),
        )
    )


def timeliness_of(return_record: Return, as_of: date) -> Timeliness:
    if return_record.received_on is not None:
        return Timeliness.ON_TIME if return_record.received_on <= return_record.deadline else Timeliness.LATE
    return Timeliness.MISSING if return_record.deadline < as_of else Timeliness.NOT_DUE


def returns_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Return]:
    units = permitted_organisations(user, "returns.view_returns")
    return Return.objects.filter(unit__in=units).select_related("collection", "unit")


def overdue_returns(returns: QuerySet[Return], as_of: date) -> QuerySet[Return]:
    """Returns past their deadline with no values yet, oldest deadline first."""
    return returns.filter(status=ReturnStatus.AWAITING, deadline__lt=as_of).order_by("deadline", "unit__code")


def returns_awaiting_approval(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Return]:
    """Submitted returns of the units whose returns ``user`` may approve, with their open warnings."""
    units = permitted_organisations(user, "returns.approve_return")
    return (
        Return.objects.filter(unit__in=units, status=ReturnStatus.SUBMITTED)
        .select_related("collection", "unit")
        .annotate(open_warnings=Count("warnings", filter=Q(warnings__status=WarningStatus.OPEN)))
        .order_by("period_start", "unit__code")
    )


def current_values(return_record: Return) -> list[Observation]:
    """The current revision of each value in a return, with the approved one where it differs."""
    return list(
        Observation.objects.filter(return_record=return_record, is_current=True)
        .select_related("indicator", "indicator_version", "created_by")
        .order_by("derived", "indicator__code")
    )


def value_history(unit: Organisation, indicator: Indicator, period_start: date) -> QuerySet[Observation]:
    """Every revision of one value, first to last, with who, when and why."""
    return (
        Observation.objects.filter(unit=unit, indicator=indicator, period_start=period_start)
        .select_related("created_by", "approved_by", "batch")
        .order_by("revision")
    )


def warnings_for(return_record: Return) -> QuerySet[QualityWarning]:
    return (
        QualityWarning.objects.filter(return_record=return_record)
        .select_related("indicator", "resolved_by")
        .order_by("status", "id")
    )


def collections_with_users() -> QuerySet[Collection]:
    return (
        Collection.objects.select_related("service")
        .prefetch_related("issuers", "items__indicator")
        .annotate(unit_count=Count("unit_links", distinct=True))
        .order_by("code")
    )


def approved_observations(
    *, indicators: list[int] | None = None, units: list[int] | None = None
) -> QuerySet[Observation]:
    """The current approved value of every series point: one row per (unit, indicator, period).

    A correction awaiting approval does not replace the value approved before it.
    """
    observations = Observation.objects.filter(approved_current=True)
    if indicators is not None:
        observations = observations.filter(indicator_id__in=indicators)
    if units is not None:
        observations = observations.filter(unit_id__in=units)
    return observations


def observations_out_of_step() -> int:
    """Observations whose return, unit, indicator or version is missing or disagrees: should be 0.

    The observation table's keys are kept by the import service rather than by database constraints
    (see ``models.Observation``); this checks all of them in one query.
    """
    from django.db.models import Exists, OuterRef

    from localstat.framework.models import IndicatorVersion

    version = IndicatorVersion.objects.filter(
        pk=OuterRef("indicator_version_id"), indicator_id=OuterRef("indicator_id")
    )
    owner = Return.objects.filter(
        pk=OuterRef("return_record_id"), unit_id=OuterRef("unit_id"), period_start=OuterRef("period_start")
    )
    item = Return.objects.filter(
        pk=OuterRef("return_record_id"), collection__items__indicator_id=OuterRef("indicator_id")
    )
    return Observation.objects.exclude(Exists(version) & Exists(owner) & Exists(item)).count()
