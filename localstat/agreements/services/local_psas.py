"""Local PSAs: the money, the freedoms and flexibilities, and the reward earned."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
from django.db import transaction

from localstat.agreements import selectors
from localstat.agreements.choices import (
    FlexibilityStatus,
    NegotiationStatus,
)
from localstat.agreements.errors import AgreementError
from localstat.agreements.models import (
    Flexibility,
    LocalPSA,
    Negotiation,
    RewardAssessment,
)
from localstat.agreements.services.common import LocalPSASpec, _decimal, _user
from localstat.chain.access import Actor, authorise
from localstat.core.audit import record_event
from localstat.core.clock import today
from localstat.engine.agreements import RewardFormula, reward_earned


def _create_local_psa(negotiation: Negotiation, spec: LocalPSASpec, on: date, acting_user: Actor) -> LocalPSA:
    if spec.ends_on <= spec.starts_on:
        raise AgreementError(
            f"The Local PSA ends ({spec.ends_on:%-d %B %Y}) before it starts ({spec.starts_on:%-d %B %Y}).",
            code="invalid",
        )
    grant = _decimal(spec.reward_grant, "the reward grant (£)")
    pump = _decimal(spec.pump_priming_grant, "the pump-priming grant (£)")
    threshold = _decimal(spec.reward_threshold, "the reward threshold (0 to 1)")
    cap = _decimal(spec.reward_cap, "the reward cap")
    assert grant is not None
    assert pump is not None
    assert threshold is not None
    assert cap is not None
    if grant < 0 or pump < 0:
        raise AgreementError("A grant cannot be negative.", code="invalid")
    try:
        RewardFormula(threshold=float(threshold), cap=float(cap))
    except ValueError as error:
        raise AgreementError(f"The reward formula: {error}.", code="invalid") from None
    local_psa = LocalPSA.objects.create(
        negotiation=negotiation,
        starts_on=spec.starts_on,
        ends_on=spec.ends_on,
        reward_grant=grant.quantize(Decimal("0.01")),
        pump_priming_grant=pump.quantize(Decimal("0.01")),
        reward_threshold=threshold,
        reward_cap=cap,
    )
    for description, barrier in spec.flexibilities:
        _new_flexibility(local_psa, description, barrier, on, acting_user)
    return local_psa


def _new_flexibility(
    local_psa: LocalPSA, description: str, barrier: str, on: date, acting_user: Actor
) -> Flexibility:
    if not description.strip() or not barrier.strip():
        raise AgreementError(
            "A freedom or flexibility needs both what is asked for and the barrier to delivery it relaxes (seed 3.18).",
            code="required",
        )
    return Flexibility.objects.create(
        local_psa=local_psa,
        description=description.strip()[:300],
        barrier=barrier.strip()[:300],
        requested_on=on,
        requested_by=_user(acting_user),
    )


@transaction.atomic
def request_flexibility(
    *, local_psa: LocalPSA, description: str, barrier: str, on: date | None = None, acting_user: Actor
) -> Flexibility:
    negotiation = local_psa.negotiation
    authorise(acting_user, "agreements.propose", [negotiation.proposer])
    flexibility = _new_flexibility(local_psa, description, barrier, on or today(), acting_user)
    record_event(
        actor=acting_user,
        action="agreements.request_flexibility",
        subject=flexibility,
        summary=f"{negotiation.proposer.code} asked for {flexibility.description} (relaxes {flexibility.barrier})",
    )
    return flexibility


@transaction.atomic
def decide_flexibility(
    *, flexibility: Flexibility, grant: bool, reason: str, on: date | None = None, acting_user: Actor
) -> Flexibility:
    """The department grants or refuses a requested freedom, with its reason; a decision is final."""
    flexibility = (
        Flexibility.objects.select_for_update()
        .select_related("local_psa__negotiation__proposer")
        .get(pk=flexibility.pk)
    )
    authorise(acting_user, "agreements.approve_grant", [flexibility.local_psa.negotiation.proposer])
    if flexibility.status != FlexibilityStatus.REQUESTED:
        raise AgreementError(
            f"{flexibility.description} was already {flexibility.get_status_display().lower()} on "
            f"{flexibility.decided_on:%-d %B %Y}.",
            code="invalid_transition",
        )
    if not reason.strip():
        raise AgreementError("Give the reason for the decision.", code="required")
    flexibility.status = FlexibilityStatus.GRANTED if grant else FlexibilityStatus.REFUSED
    flexibility.decided_on = on or today()
    flexibility.decided_by = _user(acting_user)
    flexibility.decision_reason = reason.strip()
    flexibility.save(update_fields=["status", "decided_on", "decided_by", "decision_reason"])
    record_event(
        actor=acting_user,
        action="agreements.decide_flexibility",
        subject=flexibility,
        summary=f"{flexibility.get_status_display()}: {flexibility.description}",
        data={"reason": reason.strip()},
    )
    return flexibility


def formula_of(local_psa: LocalPSA) -> RewardFormula:
    return RewardFormula(threshold=float(local_psa.reward_threshold), cap=float(local_psa.reward_cap))


@transaction.atomic
def assess_reward(*, local_psa: LocalPSA, as_of: date | None = None, acting_user: Actor) -> RewardAssessment:
    """Compute the reward earned from each stretch target's latest approved value at or before its
    deadline (and ``as_of``), by the formula printed on the agreement. Each assessment is kept."""
    negotiation = local_psa.negotiation
    authorise(acting_user, "agreements.approve_grant", [negotiation.proposer])
    if negotiation.status != NegotiationStatus.AGREED:
        raise AgreementError(
            f"{negotiation.reference} is {negotiation.get_status_display().lower()}: a reward is assessed on a "
            "signed Local PSA.",
            code="invalid_transition",
        )
    as_of = as_of or today()
    items = list(selectors.agreed_items(Negotiation.objects.filter(pk=negotiation.pk)))
    values = selectors.approved_values(
        units=[negotiation.proposer_id], indicators=[i.indicator_id for i in items], until=as_of
    )
    achieved: dict[int, tuple[date, float]] = {}
    for item in items:
        upto = values.filter(
            (pl.col("indicator_id") == item.indicator_id) & (pl.col("period") <= min(as_of, item.deadline))
        ).sort("period")
        if upto.height:
            achieved[item.pk] = (upto["period"][-1], float(upto["value"][-1]))
    frame = pl.DataFrame(
        {
            "target": [i.target.reference for i in items],  # type: ignore[union-attr]
            "no_stretch": [float(i.no_stretch_level) for i in items],  # type: ignore[arg-type]
            "stretch": [float(i.level) for i in items],
            "achieved": [achieved[i.pk][1] if i.pk in achieved else None for i in items],
            "share": [float(local_psa.reward_grant * (i.reward_share or 0)) for i in items],
        },
        schema={
            "target": pl.String,
            "no_stretch": pl.Float64,
            "stretch": pl.Float64,
            "achieved": pl.Float64,
            "share": pl.Float64,
        },
    )
    formula = formula_of(local_psa)
    earned = reward_earned(frame, formula)
    rows = [
        {
            **row,
            "indicator": item.indicator.code,
            "period": achieved[item.pk][0].isoformat() if item.pk in achieved else None,
        }
        for item, row in zip(items, earned.iter_rows(named=True), strict=True)
    ]
    total = Decimal(str(round(float(earned["earned"].sum()), 2)))
    assessment = RewardAssessment.objects.create(
        local_psa=local_psa,
        as_of=as_of,
        total=total,
        rows=rows,
        formula=formula.text(),
        assessed_by=_user(acting_user),
    )
    record_event(
        actor=acting_user,
        action="agreements.assess_reward",
        subject=local_psa,
        summary=f"{negotiation.reference}: £{total:,.2f} of £{local_psa.reward_grant:,.2f} earned as of {as_of}",
        data={"assessment": assessment.pk},
    )
    return assessment


# ---------------------------------------------------------------- accountability (A.6, Box 5.3)
