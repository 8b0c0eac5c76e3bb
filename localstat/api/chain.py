"""The delivery chain over the API: services, organisations, units."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from localstat.chain import selectors
from localstat.chain.models import Organisation, Service

router = Router(tags=["chain"])


class ServiceOut(Schema):
    code: str
    name: str


class OrganisationOut(Schema):
    code: str
    name: str
    kind: str
    unit_type: str
    synthetic: bool
    town: str
    opened: date | None
    closed: date | None


class PlaceOut(Schema):
    service: str
    role: str
    accountable_to: str | None
    valid_from: date


class OrganisationDetailOut(OrganisationOut):
    places: list[PlaceOut]


class UnitOut(Schema):
    code: str
    name: str
    unit_type: str
    service: str
    performance_manager: str
    synthetic: bool


@router.get("/services", response=list[ServiceOut], summary="Every service with a delivery chain")
def list_services(request: HttpRequest) -> list[Service]:
    return list(Service.objects.order_by("code"))


@router.get(
    "/organisations/{code}",
    response=OrganisationDetailOut,
    summary="An organisation and its place in each chain",
)
def get_organisation(request: HttpRequest, code: str) -> dict[str, object]:
    organisation = get_object_or_404(Organisation, code=code)
    places = [
        {
            "service": link.service.code,
            "role": link.role,
            "accountable_to": link.accountable_to.code if link.accountable_to else None,
            "valid_from": link.valid_from,
        }
        for link in selectors.links_current_on(None)
        .filter(organisation=organisation)
        .select_related("service", "accountable_to")
    ]
    return {**{f: getattr(organisation, f) for f in OrganisationOut.model_fields}, "places": places}


@router.get("/units", response=list[UnitOut], summary="Front line units with their performance manager")
def list_units(
    request: HttpRequest, service: str | None = None, unit_type: str | None = None
) -> list[dict[str, object]]:
    service_obj = None
    if service:
        service_obj = Service.objects.filter(code=service).first()
        if service_obj is None:
            raise HttpError(404, f"No service {service!r}.")
    return [
        {
            "code": link.organisation.code,
            "name": link.organisation.name,
            "unit_type": link.organisation.unit_type,
            "service": link.service.code,
            "performance_manager": link.accountable_to.code if link.accountable_to else "",
            "synthetic": link.organisation.synthetic,
        }
        for link in selectors.units_table(service=service_obj, unit_type=unit_type)
    ]
