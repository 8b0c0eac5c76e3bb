"""Pages for departments, performance managers and units, and the indicators."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from localstat.chain.access import can, permitted_organisations, roles_of
from localstat.chain.choices import ChainRole, Role, UnitType
from localstat.chain.models import Organisation, Service
from localstat.chain.selectors import links_current_on, units_managed_by
from localstat.core.clock import today
from localstat.framework import selectors
from localstat.framework.choices import TargetScope, TargetStatus
from localstat.framework.models import PSA, IndicatorEquivalence, IndicatorVersion
from localstat.framework.views.common import illustrative_note, illustrative_reaching, organisation_in_role

#: Which of a person's roles leads to which framework page.
PAGE_OF_ROLE = {
    Role.DEPARTMENT_ANALYST: "framework:department",
    Role.PERFORMANCE_MANAGER: "framework:manager",
    Role.CHALLENGER: "framework:manager",
    Role.UNIT_SUBMITTER: "framework:unit",
    Role.UNIT_MANAGER: "framework:unit",
}


def in_a_sentence(label: str) -> str:
    """A choice's label inside a sentence: "Basic command unit" becomes "basic command unit", "NHS provider" stays.

    >>> in_a_sentence("Basic command unit"), in_a_sentence("NHS provider")
    ('basic command unit', 'NHS provider')
    """
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def home(request: HttpRequest) -> HttpResponse:
    """The framework at a glance: your own pages, every department's PSAs, and where to look next."""
    mine = [
        (membership, PAGE_OF_ROLE[membership.role])
        for membership in roles_of(request.user)
        if membership.role in PAGE_OF_ROLE
    ]
    departments = Organisation.objects.filter(
        pk__in=links_current_on(None).filter(role=ChainRole.DEPARTMENT).values("organisation")
    ).annotate(psa_count=Count("psas", distinct=True))
    return render(
        request,
        "framework/home.html",
        {
            "mine": mine,
            "departments": departments.order_by("code"),
            "psas": selectors.psas_with_targets(request.user),
            "standards": selectors.standards(),
            "unit_types": [
                (code, in_a_sentence(UnitType(code).label))
                for code in Organisation.objects.exclude(unit_type="")
                .values_list("unit_type", flat=True)
                .distinct()
                .order_by("unit_type")
            ],
        },
    )


def indicator_list(request: HttpRequest) -> HttpResponse:
    service_code = request.GET.get("service", "")
    indicators = selectors.indicators_visible_to(request.user).annotate(
        version_count=Count("versions", distinct=True)
    )
    if service_code:
        indicators = indicators.filter(service__code=service_code)
    return render(
        request,
        "framework/indicator_list.html",
        {
            "indicators": indicators.order_by("service__name", "code"),
            "services": Service.objects.order_by("name"),
            "service_code": service_code,
        },
    )


def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    indicator = get_object_or_404(selectors.indicators_visible_to(request.user), code=code)
    equivalents = IndicatorEquivalence.objects.filter(
        Q(indicator=indicator) | Q(equivalent=indicator)
    ).select_related("indicator", "equivalent")
    return render(
        request,
        "framework/indicator_detail.html",
        {
            "indicator": indicator,
            "versions": IndicatorVersion.objects.filter(indicator=indicator).order_by("-number"),
            "targets": selectors.targets_visible_to(request.user)
            .filter(indicator=indicator, scope=TargetScope.NATIONAL)
            .order_by("reference"),
            "standard": selectors.standards().filter(indicator=indicator).first(),
            "equivalents": [
                e.equivalent if e.indicator_id == indicator.pk else e.indicator for e in equivalents
            ],
        },
    )


def department(request: HttpRequest, code: str) -> HttpResponse:
    """A department's PSAs and national targets, its standards, and the burden across its chain."""
    organisation = organisation_in_role(code, ChainRole.DEPARTMENT)
    as_of = today()
    totals = selectors.burden_across_chain(organisation, as_of)
    by_type: dict[str, list] = defaultdict(list)
    for total in totals:
        by_type[total.unit.get_unit_type_display()].append(total)
    summary = [
        {
            "unit_type": unit_type,
            "units": len(rows),
            "least": min(r.total for r in rows),
            "most": max(r.total for r in rows),
            "headline": max(r.headline for r in rows),
        }
        for unit_type, rows in sorted(by_type.items())
    ]
    return render(
        request,
        "framework/department.html",
        {
            "organisation": organisation,
            "as_of": as_of,
            "psas": selectors.psas_with_targets(request.user, organisation),
            "standards": selectors.standards().filter(indicator__owner=organisation),
            "totals": totals,
            "summary": summary,
            "illustrative_note": illustrative_note(
                illustrative_reaching([t.unit for t in totals if t.illustrative], as_of)
            ),
            "can_import": can(request.user, "framework.propose_target", organisation),
        },
    )


def manager(request: HttpRequest, code: str) -> HttpResponse:
    """A performance manager's page: the PSA targets to cascade, its units' targets and each unit's burden."""
    organisation = organisation_in_role(code, ChainRole.INTERMEDIATE_TIER)
    as_of = today()
    units = units_managed_by(organisation)
    service_ids = (
        links_current_on(None)
        .filter(organisation=organisation, role=ChainRole.INTERMEDIATE_TIER)
        .values("service")
    )
    national = list(
        selectors.targets_visible_to(request.user)
        .filter(scope=TargetScope.NATIONAL, psa__service__in=service_ids)
        .order_by("psa__code", "reference")
    )
    counts = selectors.cascade_counts(national, units)
    totals = selectors.unit_totals(units, as_of)
    unit_count = units.count()
    cascadable = set(
        permitted_organisations(request.user, "framework.cascade_target")
        .filter(pk__in=units)
        .values_list("pk", flat=True)
    )
    for target in national:
        target.cascaded_to = counts.get(target.pk, 0)
        target.can_cascade = bool(cascadable) and target.status in (TargetStatus.AGREED, TargetStatus.ACTIVE)
    return render(
        request,
        "framework/manager.html",
        {
            "organisation": organisation,
            "as_of": as_of,
            "national": national,
            "unit_count": unit_count,
            "unit_targets": selectors.targets_on_units(units, request.user),
            "totals": totals,
            "illustrative_note": illustrative_note(
                illustrative_reaching([t.unit for t in totals if t.illustrative], as_of)
            ),
        },
    )


def unit(request: HttpRequest, code: str) -> HttpResponse:
    """What is expected of a unit, and by whom: its targets, the PSA targets it serves, its exemptions and
    the controls outside bodies place on it."""
    organisation = get_object_or_404(Organisation, code=code)
    if not organisation.is_unit:
        raise Http404(f"{organisation.code} is not a front line unit.")
    as_of = today()
    report = selectors.unit_burden(organisation, as_of)
    return render(
        request,
        "framework/unit.html",
        {
            "organisation": organisation,
            "as_of": as_of,
            "national": selectors.national_targets_for_unit(organisation, request.user),
            "targets": selectors.unit_targets(organisation, request.user),
            "exemptions": selectors.exemptions_of_unit(organisation, as_of),
            "report": report,
            "illustrative_note": illustrative_note(report.controls, total=report.total),
        },
    )


def psa_detail(request: HttpRequest, code: str) -> HttpResponse:
    psa = get_object_or_404(
        PSA.objects.select_related("department", "service").prefetch_related(
            Prefetch(
                "targets",
                queryset=selectors.targets_visible_to(request.user).filter(scope=TargetScope.NATIONAL),
                to_attr="national_targets",
            )
        ),
        code=code,
    )
    return render(
        request,
        "framework/psa_detail.html",
        {"psa": psa, "related_controls": psa.controls.filter(removed_on__isnull=True).count()},
    )
