"""The regime's pages: public rules and what they granted; the operator's rules, proposals, freedoms and
payments; a unit's own freedoms and rewards and why. Parse, authorise, call a service or selector, render."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from localstat.chain.access import can, permitted_organisations
from localstat.chain.models import Organisation, Service
from localstat.core.clock import today
from localstat.regime import selectors, services
from localstat.regime.choices import Decision, FreedomBasis, RuleSetStatus
from localstat.regime.explain import conditions_words, consequence_words, evidence_lines
from localstat.regime.forms import PaymentsForm, RulesForm
from localstat.regime.models import ExceptionAlert, Freedom, Intervention, Payment, Proposal, Reward, RuleSet
from localstat.regime.services import RULES_EXAMPLE

PAGE = 200


def _operated(request: HttpRequest) -> Any:
    """The organisations whose rules the user writes and decides."""
    return permitted_organisations(request.user, "regime.manage_rules")


def _rules_in_words(record: RuleSet) -> list[dict[str, Any]]:
    rules = services.rules_of(record)
    return [
        {
            "rule": rule,
            "consequence": consequence_words(rule),
            "when": conditions_words(rule.when),
            "withdraw_when": conditions_words(rule.withdraw_when) if rule.withdraw_when else [],
            "exit_when": conditions_words(rule.exit_when) if rule.exit_when else [],
        }
        for rule in rules.rules
    ]


def home(request: HttpRequest) -> HttpResponse:
    """Public: every published rule set, and what the rules granted (seed 4.3, 4.9)."""
    published = list(selectors.published_rule_sets())
    ids = [r.pk for r in published]
    granted = {
        row["rule_set__operator_id"]: row
        for row in Freedom.objects.filter(
            basis=FreedomBasis.EARNED, rule_set__operator__in=[r.operator_id for r in published]
        )
        .values("rule_set__operator_id")
        .annotate(n=Count("id"), in_force=Count("id", filter=selectors.in_force(today())))
    }
    paid = {
        row["operator_id"]: row
        for row in selectors.payments_decided()
        .filter(operator__in=[r.operator_id for r in published])
        .values("operator_id")
        .annotate(total=Sum("amount_paid"), n=Count("id"))
    }
    rewards = dict(
        Reward.objects.filter(operator__in=[r.operator_id for r in published])
        .values("operator_id")
        .annotate(n=Count("id"))
        .values_list("operator_id", "n")
    )
    rows = [
        {
            "r": r,
            "freedoms": granted.get(r.operator_id, {}),
            "payments": paid.get(r.operator_id, {}),
            "rewards": rewards.get(r.operator_id, 0),
        }
        for r in published
    ]
    operated = []
    if request.user.is_authenticated:
        mine = _operated(request)
        operated = (
            list(
                Service.objects.filter(chain_links__organisation__in=mine, chain_links__valid_to__isnull=True)
                .values_list(
                    "chain_links__organisation__code", "chain_links__organisation__name", "code", "name"
                )
                .distinct()
                .order_by("chain_links__organisation__code", "code")[:50]
            )
            if mine.count() < 50
            else []
        )
    return render(request, "regime/home.html", {"rows": rows, "ids": ids, "operated": operated})


def rule_set_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A rule set version in full: rules in words and as written, and what it granted. Drafts are seen
    only by the operator's people."""
    record = get_object_or_404(RuleSet.objects.select_related("operator", "service", "published_by"), pk=pk)
    manages = can(request.user, "regime.manage_rules", record.operator)
    if record.status == RuleSetStatus.DRAFT and not manages:
        raise Http404("No published rules here.")
    freedoms = list(
        Freedom.objects.filter(rule_set=record, basis=FreedomBasis.EARNED)
        .select_related("organisation", "indicator")
        .order_by("organisation__code")[:PAGE]
    )
    rewards = list(Reward.objects.filter(rule_set=record).select_related("organisation")[:PAGE])
    payments = list(
        selectors.payments_decided()
        .filter(rule_set=record)
        .values("period", "scheme")
        .annotate(n=Count("id"), earned=Count("id", filter=Q(earned=True)), paid=Sum("amount_paid"))
        .order_by("-period")[:60]
    )
    baseline = Freedom.objects.filter(rule_set=record, basis=FreedomBasis.BASELINE).count()
    history = list(selectors.rule_set_history(record.operator_id, record.service_id))
    if not manages:
        history = [h for h in history if h.status != RuleSetStatus.DRAFT]
    return render(
        request,
        "regime/rule_set.html",
        {
            "record": record,
            "rules": _rules_in_words(record),
            "baseline_freedoms": services.rules_of(record).baseline_freedoms,
            "freedoms": freedoms,
            "rewards": rewards,
            "payments": payments,
            "baseline": baseline,
            "history": history,
            "manages": manages,
        },
    )


@login_required
def edit_rules(request: HttpRequest, operator: str, service: str) -> HttpResponse:
    """Write the next version of an operator's rules, preview what it would propose, save it as a draft."""
    organisation = get_object_or_404(Organisation, code=operator)
    service_obj = get_object_or_404(Service, code=service)
    if not can(request.user, "regime.manage_rules", organisation):
        raise Http404("No rules here for you to write.")
    latest = selectors.rule_set_history(organisation.pk, service_obj.pk).first()
    preview = None
    tested = None
    if request.method == "POST":
        form = RulesForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if "save" in request.POST:
                    record = services.draft_rule_set(
                        operator=organisation,
                        service=service_obj,
                        source=data["source"],
                        notes=data["notes"],
                        acting_user=request.user,
                    )
                    messages.success(
                        request, f"Saved as draft version {record.version}. Publish it when ready."
                    )
                    return redirect("regime:rule_set", pk=record.pk)
                if "backtest" in request.POST:
                    tested = _backtest(
                        services.read_rules(data["source"]), organisation, service_obj, request
                    )
                else:
                    preview = services.preview_rules(
                        operator=organisation,
                        service=service_obj,
                        source=data["source"],
                        as_of=data["as_of"],
                        acting_user=request.user,
                    )
            except ValidationError as error:
                form.add_error("source", error)
    else:
        form = RulesForm(initial={"source": latest.source if latest else RULES_EXAMPLE.read_text()})
    preview_rows = []
    if preview is not None:
        for rule in preview.rules.rules:
            if rule.consequence.kind == "payment":
                n, earned, total = preview.payments.get(rule.id, (0, 0, 0.0))
                preview_rows.append({"rule": rule, "payments": {"n": n, "earned": earned, "total": total}})
            else:
                units = preview.triggered.get(rule.id, [])
                preview_rows.append({"rule": rule, "units": units[:50], "count": len(units)})
    return render(
        request,
        "regime/edit.html",
        {
            "organisation": organisation,
            "service": service_obj,
            "form": form,
            "latest": latest,
            "preview": preview,
            "preview_rows": preview_rows,
            "backtest": tested,
        },
    )


@login_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(RuleSet.objects.select_related("operator"), pk=pk)
    if not can(request.user, "regime.manage_rules", record.operator):
        raise Http404("No rules here for you to publish.")
    try:
        services.publish_rule_set(rule_set=record, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Version {record.version} is published and in force.")
    return redirect("regime:rule_set", pk=record.pk)


@login_required
def freedoms(request: HttpRequest) -> HttpResponse:
    """Freedoms in force in the units the user sees, earned ones listed with why."""
    visible = permitted_organisations(request.user, "regime.view_proposals")
    on = today()
    in_force = Freedom.objects.filter(selectors.in_force(on), organisation__in=visible)
    earned = [
        {"f": f, "evidence": evidence_lines(f.proposal.evidence) if f.proposal_id else []}
        for f in in_force.filter(basis=FreedomBasis.EARNED)
        .select_related("organisation", "indicator", "rule_set", "proposal")
        .order_by("kind", "organisation__code")[:PAGE]
    ]
    baseline = list(
        in_force.filter(basis=FreedomBasis.BASELINE)
        .values("title", "rule_set__title")
        .annotate(n=Count("id"))
    )
    ended = list(
        Freedom.objects.filter(organisation__in=visible, basis=FreedomBasis.EARNED, ends_on__lte=on)
        .select_related("organisation")
        .order_by("-ends_on")[:50]
    )
    return render(
        request, "regime/freedoms.html", {"earned": earned, "baseline": baseline, "ended": ended, "on": on}
    )


def payments(request: HttpRequest) -> HttpResponse:
    """Every payment decided under a scheme, listed openly (Box 5.5); the operator's people also see
    the computed payments awaiting decision and confirm a period's list at once."""
    operated = _operated(request) if request.user.is_authenticated else Organisation.objects.none()
    deciding = request.user.is_authenticated and operated.exists()
    shown = Payment.objects.select_related("organisation", "rule_set", "decided_by")
    if deciding:
        shown = shown.filter(
            Q(operator__in=operated, organisation__in=permitted_organisations(request.user, "regime.decide"))
            | ~Q(status=Decision.OPEN)
        )
    else:
        shown = shown.exclude(status=Decision.OPEN)
    error = ""
    if request.method == "POST":
        if not deciding:
            raise Http404("No payments here for you to decide.")
        form = PaymentsForm(request.POST)
        posted = request.POST.getlist("payment")
        # Decided ones are kept in the choice, so the service says they were already decided.
        chosen = list(shown.filter(pk__in=[int(v) for v in posted if v.isdigit()]))
        if any(not v.isdigit() for v in posted):
            error = f"Payments are chosen by number; {', '.join(repr(v) for v in posted if not v.isdigit())} is not one."
        elif len(chosen) != len(set(posted)):
            error = "Some of the payments chosen are not yours to decide; nothing was recorded."
        elif form.is_valid():
            try:
                services.decide_payments(
                    payments=chosen,
                    decision=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                    amount=form.cleaned_data["amount"],
                    acting_user=request.user,
                )
            except ValidationError as failure:
                error = " ".join(failure.messages)
            else:
                messages.success(request, f"Decision recorded for {len(chosen)} payments.")
                return redirect(request.get_full_path())
        else:
            error = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
    periods = list(shown.order_by("-period").values_list("period", flat=True).distinct()[:36])
    period = request.GET.get("period") or (periods[0].isoformat() if periods else "")
    try:
        chosen_period = date.fromisoformat(period) if period else None
    except ValueError:
        raise Http404("No such period.") from None
    rows = (
        list(shown.filter(period=chosen_period).order_by("organisation__code")[:1000])
        if chosen_period
        else []
    )
    # The values a payment was computed from come from judgements that may not be released yet: only
    # the people in the unit's chain read them; everyone reads who, how much, for what and the decision.
    in_chain = (
        set(
            permitted_organisations(request.user, "regime.view_proposals")
            .filter(pk__in={p.organisation_id for p in rows})
            .values_list("pk", flat=True)
        )
        if request.user.is_authenticated and rows
        else set()
    )
    totals = {
        "due": sum(p.amount_due for p in rows),
        "paid": sum(p.amount_paid or 0 for p in rows),
        "earned": sum(1 for p in rows if p.earned),
    }
    return render(
        request,
        "regime/payments.html",
        {
            "rows": [
                {"p": p, "evidence": evidence_lines(p.evidence) if p.organisation_id in in_chain else []}
                for p in rows
            ],
            "periods": periods,
            "period": chosen_period,
            "totals": totals,
            "deciding": deciding,
            "open_ids": [p.pk for p in rows if p.status == Decision.OPEN],
            "error": error,
        },
    )


def organisation(request: HttpRequest, code: str) -> HttpResponse:
    """A unit's freedoms, rewards and payments, and why (public); its open proposals for the people in
    its chain."""
    org = get_object_or_404(Organisation, code=code)
    on = today()
    freedoms_all = list(
        Freedom.objects.filter(organisation=org)
        .select_related("rule_set", "indicator")
        .order_by("-starts_on")
    )
    in_force = [f for f in freedoms_all if f.in_force_on(on)]
    ended = [f for f in freedoms_all if not f.in_force_on(on)]
    rewards = list(Reward.objects.filter(organisation=org).select_related("rule_set"))
    paid = list(selectors.payments_decided().filter(organisation=org).order_by("-period")[:24])
    waiting = []
    if can(request.user, "regime.view_proposals", org):
        waiting = [
            {"p": p, "evidence": evidence_lines(p.evidence)}
            for p in Proposal.objects.filter(organisation=org, status=Decision.OPEN).select_related(
                "rule_set"
            )
        ]
    decisions = []
    interventions = []
    if can(request.user, "regime.view_proposals", org):
        interventions = list(
            Intervention.objects.filter(organisation=org).select_related("owner").prefetch_related("events")
        )
        decisions = [
            {"p": p, "evidence": evidence_lines(p.evidence)}
            for p in Proposal.objects.filter(organisation=org)
            .exclude(status=Decision.OPEN)
            .select_related("rule_set", "decided_by")
            .order_by("-decided_at")[:20]
        ]
    return render(
        request,
        "regime/organisation.html",
        {
            "organisation": org,
            "in_force": in_force,
            "ended": ended,
            "rewards": rewards,
            "payments": paid,
            "waiting": waiting,
            "decisions": decisions,
            "interventions": interventions,
            "on": on,
        },
    )


@login_required
def interventions(request: HttpRequest) -> HttpResponse:
    """The ladder in the units the user sees: open interventions with owner, exit criteria and review
    date, the most recently closed below."""
    visible = permitted_organisations(request.user, "regime.view_proposals")
    shown = (
        Intervention.objects.filter(organisation__in=visible)
        .select_related("organisation", "owner", "rule_set")
        .annotate(awaiting=_awaiting_step())
    )
    return render(
        request,
        "regime/interventions.html",
        {
            "open": list(shown.filter(status="open").order_by("review_on", "organisation__code")[:PAGE]),
            "closed": list(shown.filter(status="closed").order_by("-closed_on")[:50]),
            "on": today(),
        },
    )


def _awaiting_step() -> Subquery:
    """The step (escalate or close) proposed for an intervention and awaiting a decision, if any."""
    return Subquery(
        Proposal.objects.filter(intervention=OuterRef("pk"), status=Decision.OPEN)
        .order_by("-as_of")
        .values("kind")[:1]
    )


@login_required
def intervention_detail(request: HttpRequest, pk: int) -> HttpResponse:
    intervention = get_object_or_404(
        Intervention.objects.select_related("organisation", "owner", "owner_person", "rule_set").annotate(
            awaiting=_awaiting_step()
        ),
        pk=pk,
    )
    if not can(request.user, "regime.view_proposals", intervention.organisation):
        raise Http404("No intervention here for you.")
    events = [
        {"e": e, "evidence": evidence_lines(e.evidence)}
        for e in intervention.events.select_related("by").order_by("on", "id")
    ]
    return render(
        request, "regime/intervention_detail.html", {"i": intervention, "events": events, "on": today()}
    )


@login_required
def exceptions(request: HttpRequest) -> HttpResponse:
    """The department's page: exactly the units its intermediate tier has not corrected in time, and
    beside them each tier body's record in correcting performance (from the judgements at scale)."""
    from localstat.assessment.models import TierAssessment

    visible = permitted_organisations(request.user, "regime.view_exceptions")
    if not visible.exists():
        raise Http404("No exceptions here for you.")
    alerts = list(
        ExceptionAlert.objects.filter(intervention__organisation__in=visible)
        .select_related("intervention", "intervention__organisation", "intervention__owner", "department")
        .order_by("-raised_on", "intervention__organisation__code")[:PAGE]
    )
    tiers = list(
        TierAssessment.objects.filter(is_current=True, organisation__in=visible)
        .select_related("organisation", "service")
        .order_by("organisation__code")
    )
    with_alerts = {a.intervention.owner_id for a in alerts}
    return render(
        request,
        "regime/exceptions.html",
        {
            "alerts": alerts,
            "tiers": [
                {
                    "t": t,
                    "rate": t.evidence.get("recovery_rate"),
                    "not_recovered": t.evidence.get("not_recovered"),
                    "alerted": t.organisation_id in with_alerts,
                }
                for t in tiers
            ],
        },
    )


def _backtest(rules: Any, operator: Organisation, service: Service, request: HttpRequest) -> dict[str, Any]:
    """The last two years' backtest, kept until the data changes (``backtest.kept_backtest``)."""
    from localstat.regime.backtest import kept_backtest
    from localstat.regime.services import add_months

    to = today()
    return kept_backtest(
        rules=rules,
        operator=operator,
        service=service,
        date_from=add_months(to, -24),
        date_to=to,
        acting_user=request.user,
    )


@login_required
def backtest(request: HttpRequest, pk: int) -> HttpResponse:
    """A rule set version replayed over the last two years of stored history, before it is published
    (a draft) or to see what it would have done (a published one)."""
    record = get_object_or_404(RuleSet.objects.select_related("operator", "service"), pk=pk)
    if not can(request.user, "regime.manage_rules", record.operator):
        raise Http404("No backtest here for you.")
    try:
        tested = _backtest(services.rules_of(record), record.operator, record.service, request)
        error = ""
    except ValidationError as failure:
        tested, error = None, " ".join(failure.messages)
    return render(request, "regime/backtest.html", {"record": record, "backtest": tested, "error": error})
