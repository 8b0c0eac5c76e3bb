"""An organisation's agreements page (who is responsible for what, trajectories), goals, the gaps report,
trajectory sign-off, and the Local PSA page (freedoms and the reward)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from localstat.agreements import selectors, services
from localstat.agreements.choices import FlexibilityStatus, NegotiationStatus
from localstat.agreements.errors import AgreementError
from localstat.agreements.forms import (
    AccountabilityForm,
    DecisionForm,
    FlexibilityForm,
    GoalForm,
    GoalUpdateForm,
    RewardForm,
    SignOffForm,
)
from localstat.agreements.models import (
    AccountabilityAgreement,
    Flexibility,
    Goal,
    LocalPSA,
    TrajectorySignOff,
)
from localstat.agreements.views.common import negotiation_for, organisation_for, refused, require
from localstat.chain.access import NotPermitted, can, permitted_organisations
from localstat.chain.models import Organisation
from localstat.core.clock import today

#: The page lists this many and says how many there are; ``localstat agreements gaps`` lists them all.
GOALS_LISTED = 1000


@login_required
def organisation_page(request: HttpRequest, code: str) -> HttpResponse:
    organisation = organisation_for(request, code)
    as_of = today()
    statuses = selectors.trajectory_status([organisation.pk], as_of)[organisation.pk]
    sign_offs = {s.target_id: s for s in TrajectorySignOff.objects.filter(unit=organisation)}
    return render(
        request,
        "agreements/organisation.html",
        {
            "organisation": organisation,
            "record": selectors.accountability_record([organisation.pk])[organisation.pk],
            "responsibilities": selectors.responsibilities(organisation),
            "agreements": list(
                AccountabilityAgreement.objects.filter(organisation=organisation).select_related(
                    "counterparty"
                )
            ),
            "trajectories": [(s, sign_offs.get(s.target_id)) for s in statuses],
            "negotiations": list(
                selectors.negotiations_visible_to(request.user)
                .filter(proposer=organisation)
                .order_by("-opened_on")
            ),
            "can_manage": can(request.user, "agreements.manage_accountability", organisation),
            "can_sign_off": can(request.user, "agreements.sign_off_trajectory", organisation),
            "as_of": as_of,
        },
    )


@login_required
def goals_lacking(request: HttpRequest) -> HttpResponse:
    """Box 5.3: every goal, of the organisations the person may see, lacking an owner, a plan or a timescale."""
    visible = permitted_organisations(request.user, "agreements.view")
    lacking = selectors.goals_lacking(visible)
    goals = list(lacking[:GOALS_LISTED])
    total = len(goals) if len(goals) < GOALS_LISTED else lacking.count()
    return render(
        request, "agreements/goals_lacking.html", {"goals": goals, "total": total, "listed": GOALS_LISTED}
    )


@login_required
@require_http_methods(["GET", "POST"])
def accountability_new(request: HttpRequest, code: str) -> HttpResponse:
    organisation = organisation_for(request, code)
    require(request, "agreements.manage_accountability", organisation)
    form = AccountabilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        counterparty = None
        if data["counterparty"].strip():
            counterparty = Organisation.objects.filter(code=data["counterparty"].strip()).first()
            if counterparty is None:
                form.add_error(
                    "counterparty", f"No organisation has the code {data['counterparty'].strip()!r}."
                )
        if not form.errors:
            try:
                services.write_accountability_agreement(
                    organisation=organisation,
                    counterparty=counterparty,
                    title=data["title"],
                    style_of_relationship=data["style_of_relationship"],
                    triggers=data["triggers"],
                    escalation=data["escalation"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    acting_user=request.user,
                )
            except (AgreementError, NotPermitted) as error:
                refused(form, error)
            else:
                messages.success(request, "Accountability agreement written: now add its goals.")
                return redirect("agreements:organisation", organisation.code)
    return render(
        request,
        "agreements/form_page.html",
        {
            "form": form,
            "heading": "Write an accountability agreement",
            "caption": str(organisation),
            "button": "Save",
            "back": ("agreements:organisation", organisation.code),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def goal_new(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(AccountabilityAgreement.objects.select_related("organisation"), pk=pk)
    organisation = organisation_for(request, agreement.organisation.code)
    require(request, "agreements.manage_accountability", organisation)
    form = GoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_goal(agreement=agreement, acting_user=request.user, **form.cleaned_data)
        except (AgreementError, NotPermitted) as error:
            refused(form, error)
        else:
            messages.success(request, "Goal added.")
            return redirect("agreements:organisation", organisation.code)
    return render(
        request,
        "agreements/form_page.html",
        {
            "form": form,
            "heading": "Add a goal",
            "caption": agreement.title,
            "button": "Add the goal",
            "back": ("agreements:organisation", organisation.code),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    goal = get_object_or_404(Goal.objects.select_related("organisation", "agreement"), pk=pk)
    organisation = organisation_for(request, goal.organisation.code)
    require(request, "agreements.manage_accountability", organisation)
    initial = {
        "responsible_officer": goal.responsible_officer,
        "responsible_role": goal.responsible_role,
        "action_plan": goal.action_plan,
        "due_by": goal.due_by.isoformat() if goal.due_by else "",
    }
    form = GoalUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_goal(goal=goal, acting_user=request.user, **form.cleaned_data)
        except (AgreementError, NotPermitted) as error:
            refused(form, error)
        else:
            messages.success(request, "Goal updated; what it was before is kept.")
            return redirect("agreements:organisation", organisation.code)
    return render(
        request,
        "agreements/form_page.html",
        {
            "form": form,
            "heading": "Owner, plan and timescale",
            "caption": goal.outcome,
            "button": "Save",
            "back": ("agreements:organisation", organisation.code),
            "changes": goal.changes.select_related("changed_by"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def trajectory_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    sign_off = get_object_or_404(TrajectorySignOff.objects.select_related("unit", "target__indicator"), pk=pk)
    organisation = organisation_for(request, sign_off.unit.code)
    require(request, "agreements.sign_off_trajectory", organisation)
    name = request.user.get_full_name() or request.user.get_username()  # type: ignore[union-attr]
    form = SignOffForm(request.POST or None, initial={"name": name})
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_off_trajectory(
                sign_off=sign_off, name=form.cleaned_data["name"], acting_user=request.user
            )
        except (AgreementError, NotPermitted) as error:
            refused(form, error)
        else:
            messages.success(request, "Trajectory signed off.")
            return redirect("agreements:organisation", organisation.code)
    return render(
        request,
        "agreements/form_page.html",
        {
            "form": form,
            "heading": "Sign off the trajectory",
            "caption": f"{sign_off.target.reference}: {sign_off.target.indicator.name}",
            "button": "Sign off",
            "back": ("agreements:organisation", organisation.code),
            "milestones": sign_off.target.milestones.all(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def local_psa_page(request: HttpRequest, pk: int) -> HttpResponse:
    negotiation = negotiation_for(request, pk)
    local_psa = LocalPSA.objects.filter(negotiation=negotiation).first()
    if local_psa is None:
        raise Http404("This negotiation is not a Local PSA.")
    may_request = can(request.user, "agreements.propose", negotiation.proposer)
    may_decide = can(request.user, "agreements.approve_grant", negotiation.proposer)
    flexibility_form = FlexibilityForm(request.POST if "request_flexibility" in request.POST else None)
    reward_form = RewardForm(
        request.POST if "assess_reward" in request.POST else None, initial={"as_of": today().isoformat()}
    )
    if request.method == "POST":
        try:
            if "request_flexibility" in request.POST and flexibility_form.is_valid():
                services.request_flexibility(
                    local_psa=local_psa, acting_user=request.user, **flexibility_form.cleaned_data
                )
                messages.success(request, "Freedom requested.")
                return redirect("agreements:local_psa", negotiation.pk)
            if "assess_reward" in request.POST and reward_form.is_valid():
                services.assess_reward(
                    local_psa=local_psa, as_of=reward_form.cleaned_data["as_of"], acting_user=request.user
                )
                messages.success(request, "Reward assessed.")
                return redirect("agreements:local_psa", negotiation.pk)
        except (AgreementError, NotPermitted) as error:
            refused(flexibility_form if "request_flexibility" in request.POST else reward_form, error)
    items = list(selectors.agreed_items(type(negotiation).objects.filter(pk=negotiation.pk)))
    if not items:
        current = selectors.latest_proposal(negotiation)
        items = selectors.items_of(current) if current else []
    return render(
        request,
        "agreements/local_psa.html",
        {
            "negotiation": negotiation,
            "local_psa": local_psa,
            "items": [
                (i, (local_psa.reward_grant * i.reward_share) if i.reward_share is not None else None)
                for i in items
            ],
            "flexibilities": list(local_psa.flexibilities.select_related("decided_by")),
            "assessments": list(local_psa.reward_assessments.select_related("assessed_by")[:10]),
            "formula": services.formula_of(local_psa).text(),
            "flexibility_form": flexibility_form if may_request else None,
            "reward_form": reward_form
            if may_decide and negotiation.status == NegotiationStatus.AGREED
            else None,
            "may_decide": may_decide,
            "requested": FlexibilityStatus.REQUESTED,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def flexibility_decide(request: HttpRequest, pk: int) -> HttpResponse:
    flexibility = get_object_or_404(Flexibility.objects.select_related("local_psa__negotiation"), pk=pk)
    negotiation = negotiation_for(request, flexibility.local_psa.negotiation_id)
    require(request, "agreements.approve_grant", negotiation.proposer)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decide_flexibility(
                flexibility=flexibility,
                grant=form.cleaned_data["decision"] == "grant",
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except (AgreementError, NotPermitted) as error:
            refused(form, error)
        else:
            messages.success(request, "Decision recorded.")
            return redirect("agreements:local_psa", negotiation.pk)
    return render(
        request,
        "agreements/form_page.html",
        {
            "form": form,
            "heading": "Decide a freedom",
            "caption": f"{flexibility.description} (relaxes: {flexibility.barrier})",
            "button": "Record the decision",
            "back": ("agreements:local_psa", negotiation.pk),
        },
    )
