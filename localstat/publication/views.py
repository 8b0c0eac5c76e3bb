"""Public pages (no login): they read the latest published release only, never live data.

Every public page is cached whole for anonymous visitors, keyed by the published releases
(``caching.cached_public_page``). Release pages and downloads have stable URLs per release; a
release not yet published is readable only by the named people with pre-release access.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse

from localstat.chain.models import Organisation
from localstat.publication import opendata, selectors
from localstat.publication.caching import cached_public_page
from localstat.publication.models import PreReleaseAccess, Release, ReleaseStatus

#: Public pages of the regime (published rules, freedoms, rewards, interventions), linked from the home
#: page once that app provides them: (URL name, link text).
REGIME_PAGES = (
    ("regime:home", "The published rules: what performance earns freedoms and what triggers intervention"),
    ("regime:payments", "Rewards paid for performance"),
)


def _regime_links() -> list[tuple[str, str]]:
    links = []
    for name, text in REGIME_PAGES:
        try:
            links.append((reverse(name), text))
        except NoReverseMatch:
            continue
    return links


@cached_public_page
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("start")
    return render(
        request,
        "publication/home.html",
        {
            "releases": selectors.latest_releases(),
            "indicators": selectors.published_indicators(),
            "regime_links": _regime_links(),
        },
    )


@cached_public_page
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    units = selectors.published_units(query) if query else selectors.published_units().none()
    return render(
        request,
        "publication/search.html",
        {
            "query": query,
            "units": units[:200],
            "count": units.count(),
            "releases": selectors.latest_releases(),
        },
    )


def _published_organisation(code: str) -> Organisation:
    return get_object_or_404(Organisation, code=code)


@cached_public_page
def unit(request: HttpRequest, code: str) -> HttpResponse:
    organisation = _published_organisation(code)
    sections = selectors.unit_page(organisation)
    if not sections:
        raise Http404("Nothing about this organisation has been published yet.")
    release = sections[0]["release"]
    try:
        regime = reverse("regime:organisation", args=[organisation.code])
    except NoReverseMatch:
        regime = ""
    return render(
        request,
        "publication/unit.html",
        {
            "organisation": organisation,
            "sections": sections,
            # The releases this page reads, once each, in the order of its sections.
            "releases": list({section["release"].pk: section["release"] for section in sections}.values()),
            "has_peers": selectors.has_peers(release, organisation),
            "area": sections[0]["j"].parent,
            "download": release,
            "regime": regime,
        },
    )


@cached_public_page
def compare(request: HttpRequest, code: str) -> HttpResponse:
    organisation = _published_organisation(code)
    found = selectors.comparison(organisation)
    if found is None:
        raise Http404("Nothing about this organisation has been published yet.")
    return render(
        request,
        "publication/compare.html",
        {"organisation": organisation, **found, "releases": [found["release"]]},
    )


@cached_public_page
def area_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "publication/area_list.html",
        {"groups": selectors.areas(), "releases": selectors.latest_releases()},
    )


@cached_public_page
def area(request: HttpRequest, code: str) -> HttpResponse:
    organisation = _published_organisation(code)
    found = selectors.area_page(organisation)
    if found is None:
        raise Http404("No results for this area have been published yet.")
    return render(
        request,
        "publication/area.html",
        {"organisation": organisation, **found, "releases": [found["release"]]},
    )


@cached_public_page
def league_table_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "publication/league_table_list.html",
        {"indicators": selectors.published_indicators(), "releases": selectors.latest_releases()},
    )


@cached_public_page
def league_table(request: HttpRequest, indicator: str) -> HttpResponse:
    entry = selectors.find_indicator(indicator)
    if entry is None:
        raise Http404("No league table of this indicator has been published.")
    return render(
        request,
        "publication/league_table.html",
        {**selectors.league_table(entry), "releases": [entry.release]},
    )


@cached_public_page
def open_data(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "publication/open_data.html",
        {
            "releases": selectors.latest_releases(),
            "tables": opendata.TABLES.values(),
            "formats": opendata.FORMATS,
        },
    )


@cached_public_page
def data_dictionary(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "publication/data_dictionary.html",
        {"tables": opendata.TABLES.values(), "formats": opendata.FORMATS},
    )


@cached_public_page
def release_list(request: HttpRequest) -> HttpResponse:
    return render(request, "publication/release_list.html", {"services": selectors.release_history()})


@login_required
def pre_release(request: HttpRequest) -> HttpResponse:
    """The releases the signed-in person may read before their publication time."""
    response = render(
        request,
        "publication/pre_release.html",
        {"releases": selectors.pre_release_for(request.user)},
    )
    response["Cache-Control"] = "private, no-store"
    return response


def release_detail(request: HttpRequest, service: str, number: int) -> HttpResponse:
    release = selectors.readable_release(request.user, service, number)
    if release is None:
        raise Http404("No such release has been published.")
    embargoed = release.status != ReleaseStatus.PUBLISHED
    response = render(
        request,
        "publication/release_detail.html",
        {
            "release": release,
            "embargoed": embargoed,
            "indicators": selectors.indicators_of(release),
            "tables": opendata.TABLES.values(),
            "formats": opendata.FORMATS,
            "access": PreReleaseAccess.objects.filter(release=release).select_related("person")
            if embargoed
            else [],
            "earlier": release.service.releases.filter(
                status=ReleaseStatus.PUBLISHED, number__lt=release.number
            ).order_by("-number"),
        },
    )
    if embargoed:
        response["Cache-Control"] = "private, no-store"
    return response


def download(request: HttpRequest, service: str, number: int, table: str, fmt: str) -> HttpResponse:
    release = selectors.readable_release(request.user, service, number)
    if release is None or table not in opendata.TABLES or fmt not in opendata.FORMATS:
        raise Http404("No such download.")
    if release.status == ReleaseStatus.PUBLISHED:
        return _published_download(request, release.pk, table, fmt)
    response = _file(release, table, fmt, request.GET)
    response["Cache-Control"] = "private, no-store"
    return response


@cached_public_page
def _published_download(request: HttpRequest, release_id: int, table: str, fmt: str) -> HttpResponse:
    return _file(Release.objects.select_related("service").get(pk=release_id), table, fmt, request.GET)


def _file(release: Release, table: str, fmt: str, query: QueryDict) -> HttpResponse:
    filters = {name: query.get(name, "").strip() for name in ("unit", "indicator", "area")}
    frame = opendata.table_frame(release, table, filters)
    suffix = "".join(f"-{value}" for value in filters.values() if value)
    name = f"{release.service.code}-release-{release.number}-{table}{suffix}.{fmt}"
    response = HttpResponse(opendata.encode(frame, fmt), content_type=opendata.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def latest_download(request: HttpRequest, service: str, table: str, fmt: str) -> HttpResponse:
    """The newest published release's file, by redirect to its stable URL."""
    release = next((r for r in selectors.latest_releases() if r.service.code == service), None)
    if release is None or table not in opendata.TABLES or fmt not in opendata.FORMATS:
        raise Http404("No such download.")
    url = reverse("public_download", args=[service, release.number, table, fmt])
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)
