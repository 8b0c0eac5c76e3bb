from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from localstat.chain import selectors
from localstat.chain.access import can, permitted_organisations
from localstat.chain.choices import ChainRole
from localstat.chain.errors import ChainError
from localstat.chain.forms import MoveUnitForm
from localstat.chain.models import ContextValue, Membership, Organisation, Service
from localstat.chain.services import move_unit
from localstat.chain.start import start_sections
from localstat.core.clock import today


@login_required
def start(request: HttpRequest) -> HttpResponse:
    return render(request, "chain/start.html", {"sections": start_sections(request.user), "as_of": today()})


def directory(request: HttpRequest) -> HttpResponse:
    service_code = request.GET.get("service", "")
    query = request.GET.get("q", "").strip()
    links = selectors.units_table()
    tier = (
        selectors.links_current_on(None)
        .exclude(role=ChainRole.FRONT_LINE_UNIT)
        .select_related("organisation", "service", "accountable_to")
    )
    if service_code:
        links = links.filter(service__code=service_code)
        tier = tier.filter(service__code=service_code)
    if query:
        match = (
            Q(organisation__code__icontains=query)
            | Q(organisation__name__icontains=query)
            | Q(organisation__town__icontains=query)
        )
        links = links.filter(match)
        tier = tier.filter(match)
    return render(
        request,
        "chain/directory.html",
        {
            "services": Service.objects.order_by("name"),
            "service_code": service_code,
            "query": query,
            "tier": tier.order_by("service__name", "role", "organisation__code"),
            "units": links[:500],
            "unit_count": links.count(),
        },
    )


def organisation_detail(request: HttpRequest, code: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, code=code)
    if not request.user.is_authenticated:
        return redirect(f"{request.build_absolute_uri('/sign-in/')}?next={request.path}")
    # Outside your chain the page does not exist for you: a 404, not a 403, so nothing leaks.
    if not can(request.user, "chain.view_organisation", organisation):
        raise Http404("No organisation page here for you.")
    context_values = (
        ContextValue.objects.filter(organisation=organisation)
        .select_related("variable")
        .order_by("variable__code", "-period_start")
    )
    return render(
        request,
        "chain/organisation_detail.html",
        {
            "organisation": organisation,
            "chain": selectors.chain_around(organisation),
            "history": selectors.link_history(organisation),
            "context_values": context_values,
            "people": Membership.objects.filter(organisation=organisation).select_related("user"),
            "can_move": can(request.user, "chain.move_unit", organisation) and organisation.is_unit,
        },
    )


@login_required
def move_unit_view(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_object_or_404(Organisation, code=code)
    if not can(request.user, "chain.move_unit", unit):
        raise Http404("No organisation page here for you.")
    managers = (
        permitted_organisations(request.user, "chain.view_organisation")
        .filter(chain_links__role=ChainRole.INTERMEDIATE_TIER, chain_links__valid_to__isnull=True)
        .distinct()
    )
    form = MoveUnitForm(request.POST or None, unit=unit, managers=managers, initial={"on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            move_unit(
                unit=unit,
                service=form.cleaned_data["service"],
                new_manager=form.cleaned_data["new_manager"],
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except ChainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{unit.code} now answers to {form.cleaned_data['new_manager'].code}.")
            return redirect("organisation", code=unit.code)
    return render(request, "chain/move_unit.html", {"unit": unit, "form": form})
