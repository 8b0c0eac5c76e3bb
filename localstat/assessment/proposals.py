"""Met/missed proposals for targets, from a run's judgements; a department analyst decides each."""

from __future__ import annotations

from django.db import transaction

from localstat.assessment.models import AssessmentRun, Judgement, TargetProposal
from localstat.chain.access import Actor, authorise
from localstat.core.audit import record_event
from localstat.core.clock import now
from localstat.framework.choices import Polarity, TargetScope, TargetStatus
from localstat.framework.errors import FrameworkError
from localstat.framework.models import Target
from localstat.framework.services import record_target_met, record_target_missed


class ProposalError(FrameworkError):
    """A decision on a proposal that cannot be taken as asked."""


def _meets(value: float, level: float, polarity: str) -> bool:
    return value <= level if polarity == Polarity.LOWER else value >= level


def propose_target_outcomes(run: AssessmentRun) -> list[TargetProposal]:
    """Propose met or missed for every active target of the run's indicators whose deadline has passed.

    A national target is judged on England's pooled value; a target for units is met when every one
    of its units meets the level. Targets with an open proposal, or with a unit not yet judged, wait.
    """
    targets = (
        Target.objects.filter(
            status=TargetStatus.ACTIVE, deadline__lte=run.as_of, indicator__code__in=run.indicators
        )
        .exclude(proposals__status=TargetProposal.OPEN)
        .select_related("indicator_version", "indicator")
        .prefetch_related("units")
    )
    judgements = Judgement.objects.filter(run=run).select_related("organisation")
    national = {j.indicator_id: j for j in judgements if j.level == "national"}
    by_unit = {(j.indicator_id, j.organisation_id): j for j in judgements if j.organisation_id}
    proposals = []
    for target in targets:
        level = float(target.level)
        fmt = target.indicator_version.format_value
        polarity = target.indicator_version.polarity
        if target.scope == TargetScope.NATIONAL:
            judged = [national.get(target.indicator_id)]
            who = ["England"]
        else:
            units = list(target.units.all())
            judged = [by_unit.get((target.indicator_id, unit.pk)) for unit in units]
            who = [unit.display_name for unit in units]
        if not judged or any(j is None or j.value is None for j in judged):
            continue
        met = all(_meets(j.value, level, polarity) for j in judged)  # type: ignore[union-attr,arg-type]
        lines = [f"{name}: {fmt(j.value)} in {j.period:%B %Y}" for name, j in zip(who, judged, strict=True)]  # type: ignore[union-attr]
        evidence = (
            f"Assessment run {run.pk} (as of {run.as_of}) against a level of {fmt(level)} due {target.deadline}: "
            + "; ".join(lines)
            + "."
        )
        proposals.append(
            TargetProposal(run=run, target=target, outcome="met" if met else "missed", evidence=evidence)
        )
    TargetProposal.objects.bulk_create(proposals)
    return proposals


@transaction.atomic
def decide_target_proposal(
    *, proposal: TargetProposal, confirm: bool, reason: str = "", acting_user: Actor
) -> TargetProposal:
    """Confirm (recording the outcome in the framework, with the run's evidence) or reject with a reason."""
    locked = TargetProposal.objects.select_for_update().select_related("target").get(pk=proposal.pk)
    if locked.status != TargetProposal.OPEN:
        raise ProposalError(
            f"The proposal for {locked.target.reference} was already {locked.status}.", code="invalid"
        )
    if confirm:
        record = record_target_met if locked.outcome == "met" else record_target_missed
        record(target=locked.target, evidence=locked.evidence, on=locked.run.as_of, acting_user=acting_user)
        locked.status = TargetProposal.CONFIRMED
    else:
        if not reason.strip():
            raise ProposalError(
                "Say why the proposal is rejected: the reason stays beside it.", code="required"
            )
        target = locked.target
        acted_on = [target.set_by] if target.scope == TargetScope.NATIONAL else list(target.units.all())
        authorise(acting_user, "framework.record_target_outcome", acted_on)
        locked.status = TargetProposal.REJECTED
    locked.reason = reason.strip()
    locked.decided_by = acting_user if acting_user is not None and acting_user.is_authenticated else None
    locked.decided_at = now()
    locked.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    record_event(
        actor=acting_user,
        action="assessment.decide_target_proposal",
        subject=locked,
        summary=f"{locked.status.capitalize()} the proposal that {locked.target.reference} was {locked.outcome}",
        data={"reason": reason},
    )
    return locked
