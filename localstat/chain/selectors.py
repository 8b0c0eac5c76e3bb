"""Reads across the delivery chain. Every one is set-based: no query per organisation."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, QuerySet

from localstat.chain.choices import ChainRole
from localstat.chain.models import ChainLink, Organisation, Service


def links_current_on(as_of: date | None = None) -> QuerySet[ChainLink]:
    """Links in force on ``as_of`` (``valid_to`` is exclusive); the open links when ``as_of`` is None."""
    links = ChainLink.objects.all()
    if as_of is None:
        return links.filter(valid_to__isnull=True)
    return links.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=as_of), valid_from__lte=as_of)


def current_link(organisation: Organisation, service: Service, as_of: date | None = None) -> ChainLink | None:
    return (
        links_current_on(as_of)
        .select_related("accountable_to", "service")
        .filter(organisation=organisation, service=service)
        .first()
    )


def performance_manager_of(
    unit: Organisation, service: Service, as_of: date | None = None
) -> Organisation | None:
    link = current_link(unit, service, as_of)
    if link is None or link.role != ChainRole.FRONT_LINE_UNIT:
        return None
    return link.accountable_to


def units_managed_by(
    manager: Organisation, *, service: Service | None = None, as_of: date | None = None
) -> QuerySet[Organisation]:
    links = links_current_on(as_of).filter(accountable_to=manager, role=ChainRole.FRONT_LINE_UNIT)
    if service is not None:
        links = links.filter(service=service)
    return Organisation.objects.filter(pk__in=links.values("organisation")).order_by("code")


def intermediate_tier_of(
    department: Organisation, *, service: Service | None = None, as_of: date | None = None
) -> QuerySet[Organisation]:
    links = links_current_on(as_of).filter(accountable_to=department, role=ChainRole.INTERMEDIATE_TIER)
    if service is not None:
        links = links.filter(service=service)
    unit_links = links_current_on(as_of).filter(role=ChainRole.FRONT_LINE_UNIT)
    if service is not None:
        unit_links = unit_links.filter(service=service)
    return (
        Organisation.objects.filter(pk__in=links.values("organisation"))
        .annotate(
            unit_count=Count(
                "accountable_links",
                filter=Q(accountable_links__in=unit_links),
                distinct=True,
            )
        )
        .order_by("code")
    )


def services_of(organisation: Organisation, as_of: date | None = None) -> QuerySet[Service]:
    links = links_current_on(as_of).filter(organisation=organisation)
    return Service.objects.filter(pk__in=links.values("service")).order_by("name")


def chain_around(organisation: Organisation, as_of: date | None = None) -> list[dict[str, object]]:
    """For each service the organisation takes part in: its role, the body above, the bodies below."""
    links = list(
        links_current_on(as_of)
        .filter(organisation=organisation)
        .select_related("service", "accountable_to")
        .order_by("service__name")
    )
    below = (
        links_current_on(as_of)
        .filter(accountable_to=organisation)
        .select_related("organisation", "service")
        .order_by("organisation__code")
    )
    below_by_service: dict[int, list[ChainLink]] = {}
    for link in below:
        below_by_service.setdefault(link.service_id, []).append(link)
    return [
        {
            "service": link.service,
            "role": link.get_role_display(),
            "role_code": link.role,
            "accountable_to": link.accountable_to,
            "valid_from": link.valid_from,
            "below": [child.organisation for child in below_by_service.get(link.service_id, [])],
        }
        for link in links
    ]


def link_history(organisation: Organisation) -> QuerySet[ChainLink]:
    return (
        ChainLink.objects.filter(organisation=organisation)
        .select_related("service", "accountable_to")
        .order_by("service__name", "-valid_from")
    )


def organisations_in_service(
    service: Service, *, role: str | None = None, as_of: date | None = None
) -> QuerySet[Organisation]:
    links = links_current_on(as_of).filter(service=service)
    if role is not None:
        links = links.filter(role=role)
    return Organisation.objects.filter(pk__in=links.values("organisation")).order_by("code")


def units_table(
    *, service: Service | None = None, unit_type: str | None = None, as_of: date | None = None
) -> QuerySet[ChainLink]:
    """Current front line unit links with their unit and manager, for listings and ``localstat units``."""
    links = (
        links_current_on(as_of)
        .filter(role=ChainRole.FRONT_LINE_UNIT)
        .select_related("organisation", "accountable_to", "service")
        .order_by("service__name", "organisation__code")
    )
    if service is not None:
        links = links.filter(service=service)
    if unit_type:
        links = links.filter(organisation__unit_type=unit_type)
    return links
