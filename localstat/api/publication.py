"""The read-only public API: releases, units, indicators, values, judgements and league tables.

Everything here reads the published releases only (never the live returns or assessment tables), needs
no authentication, and has the same columns as the open-data files (see ``/data/dictionary/``). Lists
take ``limit`` and ``offset`` and say the whole count in ``X-Total-Count`` (``localstat.api.paging``); a service's data is its latest release unless ``release`` names one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import F
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from localstat.api.paging import Page, paged, paged_frame
from localstat.assessment.choices import Level
from localstat.publication import opendata, selectors
from localstat.publication.models import Release, ReleasedJudgement, ReleaseStatus

router = Router(tags=["public"])


class ReleaseOut(Schema):
    service: str
    number: int
    title: str
    status: str
    publish_at: datetime
    published_at: datetime | None
    as_of: date | None
    change_note: str
    values: int | None
    judgements: int | None
    url: str


class IndicatorOut(Schema):
    code: str
    name: str
    service: str
    release: int
    period: date
    polarity: str
    statistic: str
    display_unit: str
    definition: str
    numerator: str
    denominator: str
    units: int


class UnitOut(Schema):
    code: str
    name: str
    town: str
    synthetic: bool
    service: str
    area_code: str | None


class PeerOut(Schema):
    code: str
    name: str
    similarity_rank: int


class ValueOut(Schema):
    unit_code: str
    unit_name: str
    indicator_code: str
    indicator_version: int
    period_start: date
    numerator: float
    denominator: float | None
    value: float | None


class JudgementOut(Schema):
    level: str
    organisation_code: str | None
    organisation_name: str | None
    area_code: str | None
    indicator_code: str
    period: date
    value: float | None
    lower_95: float | None
    upper_95: float | None
    lower_998: float | None
    upper_998: float | None
    national_value: float | None
    vs_national: str
    area_value: float | None
    vs_area: str
    peer_value: float | None
    vs_peers: str
    vs_standard: str
    target_status: str
    target_level: float | None
    target_deadline: date | None
    variation: str
    assurance: str
    trend: str


class UnitDetailOut(UnitOut):
    release: int
    peers: list[PeerOut]
    judgements: list[JudgementOut]


class LeagueRowOut(Schema):
    indicator_code: str
    period: date
    unit_code: str
    unit_name: str
    area_code: str | None
    value: float | None
    lower_95: float | None
    upper_95: float | None
    rank: int | None
    best_rank: int | None
    worst_rank: int | None
    ranked: int | None


class UnitFilters(Page):
    q: str = ""


class DataFilters(Page):
    service: str
    release: int | None = None
    unit: str | None = None
    indicator: str | None = None
    area: str | None = None


def _release_out(release: Release) -> dict[str, Any]:
    published = release.status == ReleaseStatus.PUBLISHED
    return {
        "service": release.service.code,
        "number": release.number,
        "title": release.title,
        "status": release.status,
        "publish_at": release.publish_at,
        "published_at": release.published_at,
        "as_of": release.run.as_of if published else None,
        "change_note": release.change_note,
        "values": release.values if published else None,
        "judgements": release.judgements if published else None,
        "url": f"/releases/{release.service.code}/{release.number}/",
    }


def _published(service: str, number: int | None) -> Release:
    if number is None:
        release = next((r for r in selectors.latest_releases() if r.service.code == service), None)
    else:
        release = selectors.readable_release(None, service, number)
    if release is None:
        raise HttpError(
            404, f"No published release of service {service!r}" + (f" numbered {number}" if number else "")
        )
    return release


@router.get("/releases", response=list[ReleaseOut])
def list_releases(request: HttpRequest) -> list[dict[str, Any]]:
    """Every release, newest first per service: the published ones, and those announced for later
    (their time and title only: their data is not public until published)."""
    releases = Release.objects.select_related("service", "run").order_by("service__code", "-number")
    return [_release_out(release) for release in releases]


@router.get("/releases/{service}/{number}", response=ReleaseOut)
def get_release(request: HttpRequest, service: str, number: int) -> dict[str, Any]:
    return _release_out(_published(service, number))


@router.get("/indicators", response=list[IndicatorOut])
def list_indicators(request: HttpRequest) -> list[dict[str, Any]]:
    """The published indicators of each service's latest release, with their definitions."""
    return [
        {
            "code": e.indicator.code,
            "name": e.indicator.name,
            "service": e.release.service.code,
            "release": e.release.number,
            "period": e.period,
            "polarity": e.version.polarity,
            "statistic": e.version.statistic,
            "display_unit": e.version.display_unit,
            "definition": e.version.definition,
            "numerator": e.version.numerator_definition,
            "denominator": e.version.denominator_definition,
            "units": e.units,
        }
        for e in selectors.published_indicators()
    ]


@router.get("/units", response=list[UnitOut])
def list_units(
    request: HttpRequest, response: HttpResponse, filters: Query[UnitFilters]
) -> list[dict[str, Any]]:
    """Units with published judgements in a latest release, matching ``q`` by name, code or town."""
    rows = (
        ReleasedJudgement.objects.filter(release__in=selectors.latest_releases(), level=Level.UNIT)
        .filter(organisation__in=selectors.published_units(filters.q))
        .values(
            code=F("organisation__code"),
            unit_name=F("organisation__name"),
            town=F("organisation__town"),
            synthetic=F("organisation__synthetic"),
            service=F("release__service__code"),
            area_code=F("parent__code"),
        )
        .distinct()
        .order_by("code", "service")
    )
    return [
        {**row, "name": row["unit_name"] or row["code"]} for row in paged(request, response, filters, rows)
    ]


@router.get("/units/{code}", response=UnitDetailOut)
def get_unit(request: HttpRequest, code: str) -> dict[str, Any]:
    """A unit's judgements and most similar units, from the latest release that judges it."""
    for release in selectors.latest_releases():
        judgements = opendata.table_frame(release, "judgements", {"unit": code})
        if judgements.height:
            peers = opendata.table_frame(release, "peers", {"unit": code})
            first = judgements.row(0, named=True)
            organisation = selectors.published_units().get(code=code)
            return {
                "code": code,
                "name": organisation.display_name,
                "town": organisation.town,
                "synthetic": organisation.synthetic,
                "service": release.service.code,
                "area_code": first["area_code"],
                "release": release.number,
                "peers": [
                    {
                        "code": p["peer_code"],
                        "name": p["peer_name"] or p["peer_code"],
                        "similarity_rank": p["similarity_rank"],
                    }
                    for p in peers.to_dicts()
                ],
                "judgements": judgements.to_dicts(),
            }
    raise HttpError(404, f"Nothing about {code!r} has been published.")


@router.get("/values", response=list[ValueOut])
def list_values(
    request: HttpRequest, response: HttpResponse, filters: Query[DataFilters]
) -> list[dict[str, Any]]:
    """Published values of a service's release (its latest unless ``release`` is given)."""
    release = _published(filters.service, filters.release)
    frame = opendata.table_frame(
        release, "values", {"unit": filters.unit or "", "indicator": filters.indicator or ""}
    )
    return paged_frame(request, response, filters, frame)


@router.get("/judgements", response=list[JudgementOut])
def list_judgements(
    request: HttpRequest, response: HttpResponse, filters: Query[DataFilters]
) -> list[dict[str, Any]]:
    """Published judgements of a service's release: units, areas (pooled) and England."""
    release = _published(filters.service, filters.release)
    frame = opendata.table_frame(
        release,
        "judgements",
        {"unit": filters.unit or "", "indicator": filters.indicator or "", "area": filters.area or ""},
    )
    return paged_frame(request, response, filters, frame)


@router.get("/league-tables/{indicator}", response=list[LeagueRowOut])
def get_league_table(
    request: HttpRequest, indicator: str, release: int | None = None
) -> list[dict[str, Any]]:
    """An indicator's league table, rank 1 the best, each unit with the best and worst rank its 95%
    interval allows (units with no value for the period last, unranked)."""
    entry = selectors.find_indicator(indicator)
    if entry is None:
        raise HttpError(404, f"No published indicator {indicator!r}.")
    chosen = _published(entry.release.service.code, release)
    return opendata.table_frame(chosen, "league-table", {"indicator": indicator}).to_dicts()
