"""Reads of PSAs, targets and standards, with who may see what: agreed targets on published indicators
are public; proposed targets and internal-only indicators only inside the chain."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, Q, QuerySet

from localstat.chain.access import permitted_organisations
from localstat.chain.choices import ChainRole
from localstat.chain.models import Organisation
from localstat.chain.selectors import links_current_on
from localstat.framework.choices import TargetScope
from localstat.framework.models import PSA, Standard, Target, TargetUnit
from localstat.framework.models.targets import AGREED_STATUSES

User = AbstractBaseUser | AnonymousUser


def _with_related(targets: QuerySet[Target]) -> QuerySet[Target]:
    return targets.select_related(
        "indicator", "indicator_version", "psa", "set_by", "parent", "standard"
    ).prefetch_related(Prefetch("units", queryset=Organisation.objects.order_by("code")), "milestones")


def targets_visible_to(user: User) -> QuerySet[Target]:
    """Every target ``user`` may see: agreed ones on published indicators, and, inside the chain, the rest."""
    public = Q(status__in=AGREED_STATUSES, indicator__internal_only=False)
    inside = permitted_organisations(user, "framework.view_internal")
    private = Q(set_by__in=inside) | Q(pk__in=TargetUnit.objects.filter(unit__in=inside).values("target"))
    return _with_related(Target.objects.filter(public | private))


def psas_with_targets(user: User, department: Organisation | None = None) -> QuerySet[PSA]:
    """PSAs (of one department, or all) with their national targets, as far as ``user`` may see them."""
    psas = PSA.objects.select_related("department", "service")
    if department is not None:
        psas = psas.filter(department=department)
    national = targets_visible_to(user).filter(scope=TargetScope.NATIONAL).order_by("reference")
    return psas.prefetch_related(Prefetch("targets", queryset=national, to_attr="national_targets"))


def cascade_of(target: Target, user: User) -> QuerySet[Target]:
    """The unit targets cascaded from a national target, that ``user`` may see, by unit."""
    return targets_visible_to(user).filter(parent=target).order_by("reference")


def unit_targets(unit: Organisation, user: User) -> QuerySet[Target]:
    """Targets placed on ``unit`` (on it alone or with others)."""
    return (
        targets_visible_to(user)
        .filter(pk__in=TargetUnit.objects.filter(unit=unit).values("target"))
        .order_by("indicator__code", "reference")
    )


def national_targets_for_unit(unit: Organisation, user: User) -> QuerySet[Target]:
    """The headline targets of every service the unit is a front line unit in (what it contributes to)."""
    services = (
        links_current_on(None).filter(organisation=unit, role=ChainRole.FRONT_LINE_UNIT).values("service")
    )
    return (
        targets_visible_to(user)
        .filter(scope=TargetScope.NATIONAL, psa__service__in=services)
        .order_by("psa__code", "reference")
    )


def standards() -> QuerySet[Standard]:
    return Standard.objects.select_related("indicator", "indicator_version", "target", "target__psa")


def cascade_counts(targets: QuerySet[Target] | list[Target], units: QuerySet[Organisation]) -> dict[int, int]:
    """National target id → how many of ``units`` it has been cascaded to (one query)."""
    rows = TargetUnit.objects.filter(target__parent__in=[t.pk for t in targets], unit__in=units).values_list(
        "target__parent_id", flat=True
    )
    counts: dict[int, int] = {}
    for parent_id in rows:
        counts[parent_id] = counts.get(parent_id, 0) + 1
    return counts


def targets_on_units(units: QuerySet[Organisation], user: User) -> QuerySet[Target]:
    """Every target placed on any of ``units`` that ``user`` may see."""
    return (
        targets_visible_to(user)
        .filter(pk__in=TargetUnit.objects.filter(unit__in=units).values("target"))
        .order_by("indicator__code", "reference")
    )
