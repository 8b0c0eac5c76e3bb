"""Negotiation pages: the list, proposing, the thread with its checks, and one page per step."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from localstat.agreements import exports, selectors, services
from localstat.agreements.choices import NegotiationStatus, Side, StepKind
from localstat.agreements.errors import AgreementError
from localstat.agreements.forms import (
    AgreeForm,
    CommentForm,
    LocalPSAForm,
    ProposalForm,
    SignForm,
    iso,
    target_formset,
)
from localstat.agreements.views.common import negotiation_for, refused, require
from localstat.chain.access import NotPermitted, can, permitted_organisations
from localstat.chain.choices import ChainRole
from localstat.chain.models import Organisation, Service
from localstat.chain.selectors import links_current_on
from localstat.core.clock import today


@login_required
def home(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    negotiations = selectors.negotiations_visible_to(request.user).order_by("-opened_on", "-id")
    if status in NegotiationStatus.values:
        negotiations = negotiations.filter(status=status)
    can_propose = permitted_organisations(request.user, "agreements.propose").filter(
        chain_links__role=ChainRole.FRONT_LINE_UNIT, chain_links__valid_to__isnull=True
    )
    return render(
        request,
        "agreements/home.html",
        {
            "negotiations": negotiations[:200],
            "statuses": NegotiationStatus.choices,
            "status": status,
            "can_propose": can_propose.exists(),
            "waiting": [(label, found) for label, found in selectors.waiting_for(request.user) if found],
        },
    )


def _proposer_choices(request: HttpRequest) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    units = permitted_organisations(request.user, "agreements.propose")
    links = (
        links_current_on(None)
        .filter(organisation__in=units, role=ChainRole.FRONT_LINE_UNIT)
        .select_related("organisation", "service")
        .order_by("organisation__code", "service__name")
    )
    proposers = {link.organisation.code: str(link.organisation) for link in links}
    services_ = {link.service.code: link.service.name for link in links}
    return list(proposers.items()), list(services_.items())


def _partners(rows: list[tuple[str, str]]) -> list[tuple[Organisation, str]]:
    found = {o.code: o for o in Organisation.objects.filter(code__in=[code for code, _ in rows])}
    missing = [code for code, _ in rows if code not in found]
    if missing:
        raise AgreementError(f"No organisation has the code {', '.join(missing)}.", code="invalid")
    return [(found[code], contribution) for code, contribution in rows]


def _specs(formset: Any) -> list[services.TargetSpec]:
    return [form.spec() for form in formset.forms if form.has_changed() and form.cleaned_data]


def _rows(request: HttpRequest, default: int) -> int:
    try:
        return max(1, min(20, int(request.GET.get("rows", default))))
    except ValueError:
        return default


@login_required
@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest) -> HttpResponse:
    """A unit (or a council, with partners) proposes local targets; ``?kind=local_psa`` for a Local PSA."""
    local_psa = request.GET.get("kind") == "local_psa"
    proposers, services_ = _proposer_choices(request)
    if not proposers:
        raise PermissionDenied("You propose local targets for no front line unit.")
    data = request.POST if request.method == "POST" else None
    form = ProposalForm(data, proposers=proposers, services=services_)
    psa_form = LocalPSAForm(data, prefix="psa") if local_psa else None
    formset = target_formset(local_psa=local_psa, rows=_rows(request, 3 if local_psa else 1), data=data)
    if (
        request.method == "POST"
        and form.is_valid()
        and formset.is_valid()
        and (psa_form is None or psa_form.is_valid())
    ):
        try:
            with transaction.atomic():
                negotiation = services.propose_targets(
                    proposer=Organisation.objects.get(code=form.cleaned_data["proposer"]),
                    service=Service.objects.get(code=form.cleaned_data["service"]),
                    title=form.cleaned_data["title"],
                    targets=_specs(formset),
                    comment=form.cleaned_data["comment"],
                    partners=_partners(form.cleaned_data["partners"]),
                    local_psa=psa_form.spec() if psa_form is not None else None,
                    acting_user=request.user,
                )
        except (AgreementError, NotPermitted) as error:
            refused(form, error)
        else:
            messages.success(request, f"{negotiation.reference} proposed: the checks are below.")
            return redirect("agreements:negotiation", negotiation.pk)
    return render(
        request,
        "agreements/propose.html",
        {"form": form, "psa_form": psa_form, "formset": formset, "local_psa": local_psa},
    )


def _actions(request: HttpRequest, negotiation: Any) -> dict[str, bool]:
    proposer = negotiation.proposer
    is_open = negotiation.status == NegotiationStatus.OPEN
    awaiting = negotiation.status == NegotiationStatus.AWAITING_SIGNATURES
    signed = set(negotiation.signatures.values_list("side", flat=True))
    sides = services.sides_to_sign(negotiation)
    return {
        "challenge": is_open and can(request.user, "agreements.challenge", proposer),
        "revise": is_open and can(request.user, "agreements.propose", proposer),
        "agree": is_open and can(request.user, "agreements.agree", proposer),
        "sign_proposer": awaiting
        and Side.PROPOSER not in signed
        and can(request.user, "agreements.propose", proposer),
        "sign_department": awaiting
        and Side.DEPARTMENT in sides
        and Side.DEPARTMENT not in signed
        and can(request.user, "agreements.approve_grant", proposer),
        "withdraw": (is_open or awaiting)
        and (
            can(request.user, "agreements.propose", proposer)
            or can(request.user, "agreements.agree", proposer)
        ),
    }


def _not_now(request: HttpRequest, negotiation: Any, action: str, doing: str) -> HttpResponse | None:
    """Back to the negotiation, saying why, when the step is not open at this stage (an agreed one cannot
    be challenged; a side that has signed cannot sign again): the page offers no form it would refuse.
    Called after the permission check, so someone who may never take the step is still refused."""
    if _actions(request, negotiation)[action]:
        return None
    messages.error(
        request,
        f"{negotiation.reference} is {negotiation.get_status_display().lower()}: it cannot be {doing} now.",
    )
    return redirect("agreements:negotiation", negotiation.pk)


@login_required
def negotiation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    negotiation = negotiation_for(request, pk)
    steps = selectors.steps_of(negotiation)
    on_table = next((s for s in reversed(steps) if s.kind in (StepKind.PROPOSAL, StepKind.REVISION)), None)
    return render(
        request,
        "agreements/negotiation_detail.html",
        {
            "negotiation": negotiation,
            "steps": steps,
            "on_table": on_table,
            "items": list(on_table.items.all()) if on_table else [],
            "signatures": list(negotiation.signatures.all()),
            "sides": services.sides_to_sign(negotiation),
            "actions": _actions(request, negotiation),
            "local_psa": getattr(negotiation, "local_psa", None) if negotiation.is_local_psa else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def challenge(request: HttpRequest, pk: int) -> HttpResponse:
    negotiation = negotiation_for(request, pk)
    require(request, "agreements.challenge", negotiation.proposer)
    if closed := _not_now(request, negotiation, "challenge", "challenged"):
        return closed
    form = CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.challenge_proposal(
                negotiation=negotiation, comment=form.cleaned_data["comment"], acting_user=request.user
            )
        except (AgreementError, NotPermitted) as error:
            refused(form, error)
        else:
            messages.success(request, "Challenge recorded with the checks it was made with.")
            return redirect("agreements:negotiation", negotiation.pk)
    return _step_page(request, negotiation, form, "Challenge the proposal", "Record the challenge")


@login_required
@require_http_methods(["GET", "POST"])
def revise(request: HttpRequest, pk: int) -> HttpResponse:
    negotiation = negotiation_for(request, pk)
    require(request, "agreements.propose", negotiation.proposer)
    if closed := _not_now(request, negotiation, "revise", "revised"):
        return closed
    current = selectors.latest_proposal(negotiation)
    initial = [
        {
            "indicator": i.indicator.code,
            "level": i.level,
            "deadline": iso(i.deadline),
            "description": i.description,
            "responsible_officer": i.responsible_officer,
            "action_plan": i.action_plan,
            "no_stretch_level": i.no_stretch_level,
            "reward_share": i.reward_share,
        }
        for i in (selectors.items_of(current) if current else [])
    ]
    form = CommentForm(request.POST or None)
    formset = target_formset(
        local_psa=negotiation.is_local_psa,
        rows=_rows(request, 1),
        data=request.POST or None,
        initial=initial,
        service_id=negotiation.service_id,
        can_delete=True,
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.revise_proposal(
                negotiation=negotiation,
                targets=_specs_all(formset),
                comment=form.cleaned_data["comment"],
                acting_user=request.user,
            )
        except (AgreementError, NotPermitted) as error:
            refused(form, error)
        else:
            messages.success(request, "Revision recorded: the new checks are below.")
            return redirect("agreements:negotiation", negotiation.pk)
    return render(
        request, "agreements/revise.html", {"negotiation": negotiation, "form": form, "formset": formset}
    )


def _specs_all(formset: Any) -> list[services.TargetSpec]:
    """A revision's targets: every filled row, the pre-filled ones included."""
    return [
        form.spec() for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


@login_required
@require_http_methods(["GET", "POST"])
def agree(request: HttpRequest, pk: int) -> HttpResponse:
    negotiation = negotiation_for(request, pk)
    require(request, "agreements.agree", negotiation.proposer)
    if closed := _not_now(request, negotiation, "agree", "agreed"):
        return closed
    initial = {"name": request.user.get_full_name() or request.user.get_username()}  # type: ignore[union-attr]
    form = AgreeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.agree_proposal(negotiation=negotiation, acting_user=request.user, **form.cleaned_data)
        except (AgreementError, NotPermitted) as error:
            refused(form, error)
        else:
            messages.success(request, "Agreed and signed for the performance manager.")
            return redirect("agreements:negotiation", negotiation.pk)
    return _step_page(request, negotiation, form, "Agree the proposal", "Agree and sign")


@login_required
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, pk: int, side: str) -> HttpResponse:
    negotiation = negotiation_for(request, pk)
    if side not in (Side.PROPOSER, Side.DEPARTMENT):
        return redirect("agreements:negotiation", negotiation.pk)
    require(
        request,
        "agreements.propose" if side == Side.PROPOSER else "agreements.approve_grant",
        negotiation.proposer,
    )
    if closed := _not_now(request, negotiation, f"sign_{side}", f"signed {Side(side).label.lower()}"):
        return closed
    initial = {"name": request.user.get_full_name() or request.user.get_username()}  # type: ignore[union-attr]
    form = SignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_agreement(
                negotiation=negotiation, side=side, acting_user=request.user, **form.cleaned_data
            )
        except (AgreementError, NotPermitted) as error:
            refused(form, error)
        else:
            messages.success(request, "Signed.")
            return redirect("agreements:negotiation", negotiation.pk)
    return _step_page(request, negotiation, form, f"Sign {Side(side).label.lower()}", "Sign")


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    negotiation = negotiation_for(request, pk)
    if not (
        can(request.user, "agreements.propose", negotiation.proposer)
        or can(request.user, "agreements.agree", negotiation.proposer)
    ):
        require(request, "agreements.propose", negotiation.proposer)
    if closed := _not_now(request, negotiation, "withdraw", "withdrawn"):
        return closed
    form = CommentForm(request.POST or None)
    form.fields["comment"].label = "Reason for withdrawing"
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_negotiation(
                negotiation=negotiation, reason=form.cleaned_data["comment"], acting_user=request.user
            )
        except (AgreementError, NotPermitted) as error:
            refused(form, error)
        else:
            messages.success(request, "Withdrawn. The thread is kept.")
            return redirect("agreements:negotiation", negotiation.pk)
    return _step_page(request, negotiation, form, "Withdraw from the negotiation", "Withdraw", warning=True)


def _step_page(
    request: HttpRequest, negotiation: Any, form: Any, heading: str, button: str, warning: bool = False
) -> HttpResponse:
    current = selectors.latest_proposal(negotiation)
    return render(
        request,
        "agreements/step.html",
        {
            "negotiation": negotiation,
            "form": form,
            "heading": heading,
            "button": button,
            "warning": warning,
            "items": selectors.items_of(current) if current else [],
        },
    )


@login_required
def document(request: HttpRequest, pk: int) -> HttpResponse:
    """The agreement as one printable page."""
    negotiation = negotiation_for(request, pk)
    current = selectors.latest_proposal(negotiation)
    agreement_step = negotiation.steps.filter(kind=StepKind.AGREEMENT).order_by("-number").first()
    local_psa = getattr(negotiation, "local_psa", None) if negotiation.is_local_psa else None
    return render(
        request,
        "agreements/document.html",
        {
            "negotiation": negotiation,
            "items": selectors.items_of(current) if current else [],
            "terms": agreement_step.terms if agreement_step else {},
            "signatures": list(negotiation.signatures.all()),
            "sides": services.sides_to_sign(negotiation),
            "partners": list(negotiation.partners.select_related("organisation")),
            "local_psa": local_psa,
            "formula": services.formula_of(local_psa).text() if local_psa else "",
            "flexibilities": list(local_psa.flexibilities.all()) if local_psa else [],
            "today": today(),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Every agreement the person may see, a row per target, as CSV."""
    writer = csv.writer(_Echo())
    rows = exports.agreement_rows(selectors.negotiations_visible_to(request.user))
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in [exports.COLUMNS, *rows]), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="localstat-agreements.csv"'
    return response
