"""Public pages (no login): they read the latest published release only, never live data.

Every public page is cached whole for anonymous visitors, keyed by the published releases
(``caching.cached_public_page``). Release pages and downloads have stable URLs per release; a
release not yet published is readable only by the named people with pre-release access.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse

from localstat.chain.access import NotPermitted
from localstat.chain.models import Organisation
from localstat.publication import opendata, selectors, services
from localstat.publication.caching import cached_public_page
from localstat.publication.forms import GrantForm, ScheduleForm
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


def _manageable(request: HttpRequest) -> list[Release]:
    """Scheduled releases of the services whose whole chain the person may publish."""
    releases = Release.objects.filter(status=ReleaseStatus.SCHEDULED).select_related("service", "run")
    return [r for r in releases.order_by("publish_at") if selectors.can_publish(request.user, r.service)]


@login_required
def manage_releases(request: HttpRequest) -> HttpResponse:
    """Department analysts announce, freeze, open to named people and publish their chains' releases."""
    errors: list[str] = []
    schedule_form = ScheduleForm(
        request.POST if request.POST.get("action") == "schedule" else None,
        services=selectors.publishable_services(request.user),
    )
    grant_form = GrantForm(request.POST if request.POST.get("action") == "grant" else None)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            message = _act(request, action, schedule_form, grant_form)
        except (ValidationError, NotPermitted) as error:
            errors = list(getattr(error, "messages", [str(error)]))
        else:
            if message:
                messages.success(request, message)
                return redirect("manage_releases")
        if schedule_form.is_bound and schedule_form.errors:
            errors += [
                f"{schedule_form.fields[f].label or f.title()}: {e}"
                for f, es in schedule_form.errors.items()
                for e in es
            ]
        if grant_form.is_bound and grant_form.errors:
            errors += [
                f"{grant_form.fields[f].label}: {e}" for f, es in grant_form.errors.items() for e in es
            ]
    releases = _manageable(request)
    if not releases and not selectors.publishable_services(request.user):
        raise Http404("You manage no releases.")
    return render(
        request,
        "publication/manage_releases.html",
        {
            "releases": releases,
            "schedule_form": schedule_form,
            "grant_form": GrantForm(),
            "errors": errors,
            "access": [
                (r, [a for a in access if a.release_id == r.pk])
                for access in [
                    list(PreReleaseAccess.objects.filter(release__in=releases).select_related("person"))
                ]
                for r in releases
            ],
        },
        status=400 if errors else 200,
    )


def _act(request: HttpRequest, action: str, schedule_form: ScheduleForm, grant_form: GrantForm) -> str:
    if action == "schedule":
        if not schedule_form.is_valid():
            return ""
        data = schedule_form.cleaned_data
        release = services.schedule_release(
            service=data["service"],
            title=data["title"],
            publish_at=data["publish_at"],
            change_note=data["change_note"],
            acting_user=request.user,
        )
        return f"{release.service.name} release {release.number} announced for {release.publish_at:%d %B %Y %H:%M}."
    release = get_object_or_404(Release, pk=request.POST.get("release") or 0)
    if action == "freeze":
        release = services.freeze_release(release=release, acting_user=request.user)
        return (
            f"Release {release.number} frozen: {release.values} values and {release.judgements} judgements."
        )
    if action == "publish":
        release = services.publish_release(release=release, acting_user=request.user)
        return f"{release.service.name} release {release.number} published."
    if action == "grant":
        if not grant_form.is_valid():
            return ""
        person = get_user_model().objects.filter(username=grant_form.cleaned_data["username"]).first()
        if person is None:
            raise ValidationError(f"No person has the username {grant_form.cleaned_data['username']!r}.")
        services.grant_pre_release_access(
            release=release, person=person, reason=grant_form.cleaned_data["reason"], acting_user=request.user
        )
        return f"{person.get_username()} may read release {release.number} before publication."
    raise ValidationError(f"Unknown action {action!r}.")


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
