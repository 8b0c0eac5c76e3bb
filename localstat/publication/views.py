"""Public pages (no login): they read the latest published release only, never live data."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from localstat.chain.models import Organisation
from localstat.publication import selectors


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


def unit(request: HttpRequest, code: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, code=code)
    sections = selectors.unit_page(organisation)
    if not sections:
        raise Http404("Nothing about this organisation has been published yet.")
    return render(
        request,
        "publication/unit.html",
        {
            "organisation": organisation,
            "sections": sections,
            # The releases this page reads, once each, in the order of its sections.
            "releases": list({section["release"].pk: section["release"] for section in sections}.values()),
        },
    )
