"""Every write of the regime: drafting and publishing rules, evaluating them, and people's decisions.

Rules propose; people decide (seed 4.9, 4.11, A.8). ``evaluate_regimes`` runs every published rule set
over its assessment's judgements (the pure engine decides what holds) and records proposals and each
period's scheme payments; a person confirms, changes or rejects each, and a change or a rejection needs a
reason that stays beside the proposal.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from localstat.chain.access import Actor, authorise, can
from localstat.chain.models import Organisation
from localstat.chain.selectors import links_current_on
from localstat.core import clock
from localstat.core.audit import record_event
from localstat.framework.choices import ExemptionGrounds
from localstat.framework.errors import FrameworkError
from localstat.framework.models import Indicator
from localstat.framework.services.exemptions import end_exemption, grant_exemption
from localstat.regime import notifications
from localstat.regime.choices import (
    INTERVENTION_PROPOSALS,
    Decision,
    FreedomBasis,
    InterventionEventKind,
    InterventionStatus,
    ProposalKind,
    RewardKind,
)
from localstat.regime.errors import RegimeError
from localstat.regime.explain import freedom_words, grant_reason
from localstat.regime.models import (
    ExceptionAlert,
    Freedom,
    Intervention,
    InterventionEvent,
    Payment,
    Proposal,
    Reward,
)
from localstat.regime.models import RuleSet as RuleSetRecord
from localstat.regime.services.rule_sets import _user, add_months, rules_of


def _authorise_decision(acting_user: Actor, record: RuleSetRecord, organisations: list[Organisation]) -> None:
    authorise(acting_user, "regime.manage_rules", [record.operator])
    authorise(acting_user, "regime.decide", organisations)


def _authorise_ladder(acting_user: Actor, proposal: Proposal) -> None:
    """The unit's performance manager owns its interventions, whoever operates the rules (1.8, 4.25);
    the department decides them for a unit below an intermediate tier only once the unit has reached it
    by exception (6.2)."""
    alerted = (
        proposal.intervention_id is not None
        and ExceptionAlert.objects.filter(intervention_id=proposal.intervention_id).exists()
    )
    if alerted and can(acting_user, "regime.decide_exceptions", proposal.organisation):
        return
    authorise(acting_user, "regime.decide_interventions", [proposal.organisation])


def _date_or_none(value: Any, what: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise RegimeError(
            f"{what} must be a date such as 2019-04-30 (got {value!r}).", code="invalid"
        ) from error


@transaction.atomic
def decide_proposal(
    *,
    proposal: Proposal,
    decision: str,
    reason: str = "",
    ends_on: date | str | None = None,
    amount: Decimal | float | str | None = None,
    acting_user: Actor,
) -> Proposal:
    """Confirm a proposal as it stands, change it (a freedom's end date, a reward's amount) or reject
    it. A change or a rejection needs a reason; the proposal and the decision stay side by side."""
    locked = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related(
            "rule_set", "rule_set__operator", "rule_set__service", "organisation", "freedom", "intervention"
        )
        .get(pk=proposal.pk)
    )
    if locked.kind in INTERVENTION_PROPOSALS:
        _authorise_ladder(acting_user, locked)
    else:
        _authorise_decision(acting_user, locked.rule_set, [locked.organisation])
    if locked.status != Decision.OPEN:
        raise RegimeError(
            f"This proposal was already {locked.get_status_display().lower()}: decisions are not remade.",
            code="invalid",
        )
    if decision not in (Decision.CONFIRMED, Decision.CHANGED, Decision.REJECTED):
        raise RegimeError("Choose confirm, change or reject.", code="invalid")
    reason = reason.strip()
    if decision != Decision.CONFIRMED and not reason:
        verb = "changed" if decision == Decision.CHANGED else "rejected"
        raise RegimeError(
            f"Say why the proposal is {verb}: the reason stays beside the rule's proposal.", code="required"
        )
    decided: dict[str, Any] = {}
    if decision == Decision.CHANGED:
        decided = _changes(locked, ends_on, amount)
    terms = {**locked.proposed, **decided}
    if decision != Decision.REJECTED:
        _apply(locked, terms, reason, acting_user)
    elif locked.kind in (ProposalKind.ESCALATE_INTERVENTION, ProposalKind.CLOSE_INTERVENTION):
        _record_kept(locked, reason, acting_user)
    locked.status = decision
    locked.reason = reason
    locked.decided = decided
    locked.decided_by = _user(acting_user)
    locked.decided_at = clock.now()
    locked.save(update_fields=["status", "reason", "decided", "decided_by", "decided_at", "intervention"])
    record_event(
        actor=acting_user,
        action="regime.decide_proposal",
        subject=locked,
        summary=f"{locked.get_status_display()}: {locked.get_kind_display().lower()} for "
        f"{locked.organisation.code} under {locked.rule_id}",
        data={"reason": reason, "decided": decided, "proposed": locked.proposed},
    )
    notifications.proposal_decided(locked)
    return locked


def _changes(proposal: Proposal, ends_on: Any, amount: Any) -> dict[str, Any]:
    if proposal.kind in (ProposalKind.OPEN_INTERVENTION, ProposalKind.ESCALATE_INTERVENTION):
        review = _date_or_none(ends_on, "The review date")
        if review is None or review <= proposal.as_of:
            raise RegimeError(
                f"Give the changed review date, after {proposal.as_of} (the date of the proposal).",
                code="required",
            )
        return {"review_on": review.isoformat()}
    if proposal.kind == ProposalKind.CLOSE_INTERVENTION:
        raise RegimeError(
            "Closing has nothing to change: confirm it, or reject it with a reason.", code="invalid"
        )
    if proposal.kind == ProposalKind.GRANT_FREEDOM:
        end = _date_or_none(ends_on, "The end date")
        if end is None:
            raise RegimeError("Give the changed end date of the freedom.", code="required")
        starts = date.fromisoformat(proposal.proposed["starts_on"])
        if end <= starts:
            raise RegimeError(f"The freedom would end ({end}) before it starts ({starts}).", code="invalid")
        return {"ends_on": end.isoformat()}
    if proposal.kind == ProposalKind.WITHDRAW_FREEDOM:
        end = _date_or_none(ends_on, "The end date")
        if end is None:
            raise RegimeError("Give the date from which the freedom ends.", code="required")
        if proposal.freedom is not None and end <= proposal.freedom.starts_on:
            raise RegimeError(
                f"The freedom started on {proposal.freedom.starts_on}; it can end only after that.",
                code="invalid",
            )
        return {"ends_on": end.isoformat()}
    if proposal.proposed.get("reward") != RewardKind.GRANT:
        raise RegimeError("Recognition has no amount to change: confirm or reject it.", code="invalid")
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except Exception as error:
        raise RegimeError(
            f"The amount must be a number of pounds (got {amount!r}).", code="invalid"
        ) from error
    if not value.is_finite() or value <= 0:
        raise RegimeError("A changed grant must be above £0; reject it to give nothing.", code="invalid")
    return {"amount": float(value)}


def _apply(proposal: Proposal, terms: dict[str, Any], reason: str, acting_user: Actor) -> None:
    record = proposal.rule_set
    # Public words: the rule, its version, the judged period and the decision, never the evidence's values,
    # which may not be released yet; the values stay on the proposal for the people in the chain.
    because = grant_reason(proposal, reason)
    if proposal.kind in INTERVENTION_PROPOSALS:
        _apply_intervention(proposal, terms, reason, acting_user)
    elif proposal.kind == ProposalKind.GRANT_FREEDOM:
        starts = date.fromisoformat(terms["starts_on"])
        ends = date.fromisoformat(terms["ends_on"]) if terms.get("ends_on") else None
        indicator = Indicator.objects.filter(code=terms.get("indicator"), service=record.service).first()
        exemption = None
        if terms["freedom"] == "no_further_targets":
            try:
                exemption = grant_exemption(
                    unit=proposal.organisation,
                    grounds=ExemptionGrounds.EARNED_FREEDOM,
                    evidence=because,
                    indicator=indicator,
                    service=record.service,
                    granted_by=record.operator,
                    granted_on=starts,
                    ends_on=ends,
                    reference=f"regime {record.operator.code} v{record.version} {proposal.rule_id}",
                    acting_user=acting_user,
                )
            except FrameworkError as error:
                raise RegimeError(" ".join(error.messages), code="invalid") from error
        Freedom.objects.create(
            organisation=proposal.organisation,
            service=record.service,
            operator=record.operator,
            kind=terms["freedom"],
            basis=FreedomBasis.EARNED,
            title=terms.get("title") or freedom_words(terms["freedom"]),
            indicator=indicator,
            starts_on=starts,
            ends_on=ends,
            reason=because,
            rule_set=record,
            rule_id=proposal.rule_id,
            proposal=proposal,
            exemption=exemption,
        )
    elif proposal.kind == ProposalKind.WITHDRAW_FREEDOM:
        freedom = Freedom.objects.select_for_update(of=("self",)).get(pk=proposal.freedom_id)
        ends = date.fromisoformat(terms["ends_on"])
        if freedom.ends_on is not None and freedom.ends_on <= ends:
            raise RegimeError(f"The freedom already ended on {freedom.ends_on}.", code="invalid")
        freedom.ends_on, freedom.end_reason = ends, f"Withdrawn: {because}"
        freedom.save(update_fields=["ends_on", "end_reason"])
        if freedom.exemption_id is not None and (
            freedom.exemption.ends_on is None or freedom.exemption.ends_on > ends
        ):
            try:
                end_exemption(
                    exemption=freedom.exemption,
                    on=ends,
                    reason=f"Freedom withdrawn: {because}",
                    acting_user=acting_user,
                )
            except FrameworkError as error:
                raise RegimeError(" ".join(error.messages), code="invalid") from error
    else:
        amount = terms.get("amount")
        Reward.objects.create(
            organisation=proposal.organisation,
            service=record.service,
            operator=record.operator,
            kind=terms["reward"],
            title=terms.get("title") or proposal.rule_title,
            amount=Decimal(str(amount)).quantize(Decimal("0.01")) if amount is not None else None,
            awarded_on=proposal.as_of,
            reason=because,
            rule_set=record,
            rule_id=proposal.rule_id,
            proposal=proposal,
        )


def _apply_intervention(proposal: Proposal, terms: dict[str, Any], reason: str, acting_user: Actor) -> None:
    record = proposal.rule_set
    by = _user(acting_user)
    why = reason or f"{proposal.rule_title}: rule {proposal.rule_id} of {record.label}"
    if proposal.kind == ProposalKind.OPEN_INTERVENTION:
        link = (
            links_current_on(proposal.as_of)
            .filter(organisation=proposal.organisation, service=record.service)
            .first()
        )
        owner_id = (
            link.accountable_to_id if link is not None and link.accountable_to_id else record.operator_id
        )
        intervention = Intervention.objects.create(
            organisation=proposal.organisation,
            service=record.service,
            operator=record.operator,
            owner_id=owner_id,
            owner_person=by,
            level=terms["level"],
            rule_set=record,
            rule_id=proposal.rule_id,
            title=terms.get("title") or proposal.rule_title,
            exit_criteria=terms.get("exit_criteria") or [],
            opened_on=proposal.as_of,
            review_on=date.fromisoformat(terms["review_on"]),
        )
        proposal.intervention = intervention
        kind, review = InterventionEventKind.OPENED, intervention.review_on
    else:
        intervention = Intervention.objects.select_for_update(of=("self",)).get(pk=proposal.intervention_id)
        if intervention.status != InterventionStatus.OPEN:
            raise RegimeError("The intervention is already closed.", code="invalid")
        if proposal.kind == ProposalKind.ESCALATE_INTERVENTION:
            if intervention.level != terms["from_level"]:
                raise RegimeError(
                    f"The intervention has moved to {intervention.get_level_display()} since this proposal.",
                    code="invalid",
                )
            intervention.level = terms["level"]
            intervention.review_on = review = date.fromisoformat(terms["review_on"])
            kind = InterventionEventKind.ESCALATED
        else:
            intervention.status, intervention.closed_on = InterventionStatus.CLOSED, proposal.as_of
            kind, review = InterventionEventKind.CLOSED, None
        intervention.review_note = ""
        intervention.save(update_fields=["level", "review_on", "status", "closed_on", "review_note"])
    InterventionEvent.objects.create(
        intervention=intervention,
        kind=kind,
        level=intervention.level,
        on=proposal.as_of,
        review_on=review,
        by=by,
        reason=why,
        evidence=proposal.evidence,
        proposal=proposal,
    )


def _record_kept(proposal: Proposal, reason: str, acting_user: Actor) -> None:
    """A rejected escalation or closing keeps the intervention at its level until a new review date,
    the rule's ``review_after_months`` on from the proposal (never earlier than the one it had), and is
    part of its history too."""
    if proposal.intervention_id is None:
        return
    intervention = Intervention.objects.select_for_update(of=("self",)).get(pk=proposal.intervention_id)
    if intervention.status != InterventionStatus.OPEN:
        raise RegimeError("The intervention is already closed.", code="invalid")
    months = rules_of(proposal.rule_set).rule(proposal.rule_id).consequence.review_after_months
    intervention.review_on = max(intervention.review_on, add_months(proposal.as_of, months))
    intervention.review_note = ""
    intervention.save(update_fields=["review_on", "review_note"])
    InterventionEvent.objects.create(
        intervention=intervention,
        kind=InterventionEventKind.KEPT,
        level=intervention.level,
        on=proposal.as_of,
        review_on=intervention.review_on,
        by=_user(acting_user),
        reason=f"{proposal.get_kind_display()} rejected: {reason}",
        evidence=proposal.evidence,
        proposal=proposal,
    )


@transaction.atomic
def decide_payments(
    *,
    payments: list[Payment],
    decision: str,
    reason: str = "",
    amount: Decimal | float | str | None = None,
    acting_user: Actor,
) -> list[Payment]:
    """Confirm computed payments as they stand (many at once: a period's list), or change one's
    amount or reject it with a reason. Confirmed, nothing earned pays nothing."""
    ids = [p.pk for p in payments]
    if not ids:
        raise RegimeError("Choose at least one payment.", code="required")
    locked = list(
        Payment.objects.select_for_update(of=("self",))
        .select_related("rule_set", "rule_set__operator", "organisation")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    for record in {p.rule_set for p in locked}:
        _authorise_decision(
            acting_user, record, [p.organisation for p in locked if p.rule_set_id == record.pk]
        )
    decided = [p for p in locked if p.status != Decision.OPEN]
    if decided:
        raise RegimeError(
            f"{len(decided)} of these payments {'was' if len(decided) == 1 else 'were'} already decided "
            f"(first: {decided[0].organisation.code} {decided[0].period:%B %Y}).",
            code="invalid",
        )
    reason = reason.strip()
    if decision not in (Decision.CONFIRMED, Decision.CHANGED, Decision.REJECTED):
        raise RegimeError("Choose confirm, change or reject.", code="invalid")
    if decision != Decision.CONFIRMED and not reason:
        raise RegimeError("Say why the computed payment is changed or rejected.", code="required")
    if decision == Decision.CHANGED:
        if len(locked) != 1:
            raise RegimeError("Change one payment at a time.", code="invalid")
        try:
            paid = Decimal(str(amount)).quantize(Decimal("0.01"))
        except Exception as error:
            raise RegimeError(
                f"The amount must be a number of pounds (got {amount!r}).", code="invalid"
            ) from error
        if not paid.is_finite() or paid < 0:
            raise RegimeError("The amount paid cannot be below £0.", code="invalid")
    now = clock.now()
    for payment in locked:
        payment.status = decision
        payment.reason = reason
        payment.decided_by = _user(acting_user)
        payment.decided_at = now
        payment.amount_paid = (
            paid
            if decision == Decision.CHANGED
            else Decimal("0.00")
            if decision == Decision.REJECTED
            else payment.amount_due
        )
    Payment.objects.bulk_update(locked, ["status", "reason", "decided_by", "decided_at", "amount_paid"])
    record_event(
        actor=acting_user,
        action="regime.decide_payments",
        subject=locked[0],
        summary=f"{Decision(decision).label}: {len(locked)} payments, £{sum(p.amount_paid or 0 for p in locked):,.2f} in all",
        data={"payments": ids, "reason": reason, "decision": decision},
    )
    return locked
