"""The operator's proposals page: proposals awaiting the user's decision, each with its evidence, and
the decisions made, findable by decision and rule and paged, changes and rejections (the ones with
reasons) first."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from localstat.chain.access import permitted_organisations
from localstat.regime import services
from localstat.regime.choices import INTERVENTION_PROPOSALS, Decision
from localstat.regime.explain import evidence_lines
from localstat.regime.forms import DecisionForm
from localstat.regime.models import Proposal
from localstat.regime.views import _operated

PAGE = 200
DECIDED_PAGE = 50
#: What the Decided list can be narrowed to; "reasons" is every change and rejection.
DECISIONS = {
    "reasons": ("Changed or rejected", [Decision.CHANGED, Decision.REJECTED]),
    Decision.CONFIRMED.value: ("Confirmed", [Decision.CONFIRMED]),
    Decision.CHANGED.value: ("Changed", [Decision.CHANGED]),
    Decision.REJECTED.value: ("Rejected", [Decision.REJECTED]),
    Decision.LAPSED.value: ("Lapsed", [Decision.LAPSED]),
}


def _decidable(request: HttpRequest) -> Any:
    """Proposals the user decides: the operator's people decide freedoms and rewards; interventions
    are decided by the unit's performance manager, whoever operates the rules, and by the department
    only once the unit has reached it by exception."""
    user = request.user
    return Proposal.objects.filter(
        (
            ~Q(kind__in=INTERVENTION_PROPOSALS)
            & Q(rule_set__operator__in=_operated(request))
            & Q(organisation__in=permitted_organisations(user, "regime.decide"))
        )
        | (
            Q(kind__in=INTERVENTION_PROPOSALS)
            & Q(organisation__in=permitted_organisations(user, "regime.decide_interventions"))
        )
        | (
            Q(kind__in=INTERVENTION_PROPOSALS, intervention__alert__isnull=False)
            & Q(organisation__in=permitted_organisations(user, "regime.decide_exceptions"))
        )
    )


def _decided(request: HttpRequest, mine: Any) -> dict[str, Any]:
    """The decisions, narrowed by ``decision`` and ``decided_rule`` and paged by ``page``: changes and
    rejections first (their reasons are what a reader looks for), then the latest first."""
    decision, refused = request.GET.get("decision", ""), ""
    if decision and decision not in DECISIONS:
        refused = (
            f"There is no decision {decision!r} to show: choose one of "
            f"{', '.join(label.lower() for label, _ in DECISIONS.values())}. Every decision is shown."
        )
        decision = ""
    rule = request.GET.get("decided_rule", "")
    done = mine.exclude(status=Decision.OPEN)
    # One query for the counts of each decision and the rules decided under.
    tally = list(done.order_by().values_list("status", "rule_id").annotate(n=Count("id")))
    counts: dict[str, int] = {}
    for status, _, n in tally:
        counts[status] = counts.get(status, 0) + n
    rules = sorted({rule_id for _, rule_id, _ in tally})
    if decision:
        done = done.filter(status__in=DECISIONS[decision][1])
    else:
        done = done.exclude(status=Decision.LAPSED)
    if rule:
        done = done.filter(rule_id=rule)
    ordered = done.annotate(
        with_reason=Case(
            When(status__in=[Decision.CHANGED, Decision.REJECTED], then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("with_reason", "-decided_at", "-pk")
    page = Paginator(ordered, DECIDED_PAGE).get_page(request.GET.get("page"))
    return {
        "decided": [{"p": p, "evidence": evidence_lines(p.evidence)} for p in page],
        "decided_page": page,
        "decision": decision,
        "decision_refused": refused,
        "decided_rule": rule,
        "decided_rules": rules,
        "decisions": [
            {
                "value": value,
                "label": label,
                "n": sum(counts.get(status, 0) for status in statuses),
            }
            for value, (label, statuses) in DECISIONS.items()
        ],
    }


@login_required
def proposals(request: HttpRequest) -> HttpResponse:
    """Proposals awaiting the operator's decision, each with its evidence; the decisions made."""
    if not _operated(request).exists():
        raise Http404("No proposals here for you.")
    mine = _decidable(request).select_related("organisation", "rule_set", "decided_by", "freedom")
    errors: dict[int, list[str]] = {}
    values: dict[int, Any] = {}
    if request.method == "POST":
        chosen_id = request.POST.get("proposal", "")
        if not chosen_id.isdigit():
            raise Http404(f"No proposal {chosen_id!r} here for you to decide.")
        proposal = get_object_or_404(mine, pk=int(chosen_id))
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                services.decide_proposal(
                    proposal=proposal,
                    decision=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                    ends_on=form.cleaned_data["ends_on"],
                    amount=form.cleaned_data["amount"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                errors[proposal.pk] = error.messages
            else:
                messages.success(
                    request,
                    f"Decision recorded: {proposal.rule_title} for {proposal.organisation.display_name}.",
                )
                return redirect(f"{request.path}?rule={request.GET.get('rule', '')}")
        else:
            errors[proposal.pk] = [
                f"{name.replace('_', ' ')}: {' '.join(e)}" for name, e in form.errors.items()
            ]
        values[proposal.pk] = request.POST
    rule = request.GET.get("rule", "")
    waiting = mine.filter(status=Decision.OPEN)
    rules = sorted(set(waiting.values_list("rule_id", flat=True)))
    if rule:
        waiting = waiting.filter(rule_id=rule)
    total = waiting.count()
    open_rows = [
        {
            "p": p,
            "evidence": evidence_lines(p.evidence),
            "errors": errors.get(p.pk, []),
            "values": values.get(p.pk, {}),
        }
        for p in waiting.order_by("rule_id", "organisation__code")[:PAGE]
    ]
    lapsed = mine.filter(status=Decision.LAPSED).select_related("organisation").order_by("-decided_at")
    return render(
        request,
        "regime/proposals.html",
        {
            "open": open_rows,
            "total": total,
            "lapsed": lapsed[:50],
            "lapsed_total": lapsed.count(),
            "rules": rules,
            "rule": rule,
            "page": PAGE,
            **_decided(request, mine),
        },
    )
