"""Proposals the rules no longer make: an open proposal lapses when a newer evaluation says its
conditions stopped holding, so nobody confirms a freedom, a reward or an intervention on evidence that
has since gone (seed 4.3: consequences follow from the published trigger points, not from old ones).

A lapse is not a decision: nobody made it, it carries the reason and the run that showed it, and the
proposal stays on the record beside the decided ones.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from localstat.core import clock
from localstat.core.audit import record_event
from localstat.engine.regime import RuleSet
from localstat.regime.choices import Decision, InterventionStatus, ProposalKind
from localstat.regime.models import Freedom, Intervention, Proposal
from localstat.regime.models import RuleSet as RuleSetRecord
from localstat.regime.selectors import in_force

#: Why each kind of proposal lapses, in words for the page beside it.
REASONS = {
    "gone": "the rule is no longer in the published rules",
    ProposalKind.GRANT_FREEDOM: "the rule's conditions no longer hold",
    ProposalKind.REWARD: "the rule's conditions no longer hold",
    ProposalKind.OPEN_INTERVENTION: "the rule's conditions no longer hold",
    ProposalKind.WITHDRAW_FREEDOM: "performance no longer says the freedom should end",
    ProposalKind.CLOSE_INTERVENTION: "the exit criteria are no longer met",
    ProposalKind.ESCALATE_INTERVENTION: "the exit criteria are now met",
    "ended": "what it was about has already ended",
}


def lapse_stale_proposals(
    record: RuleSetRecord, rules: RuleSet, triggers: pl.DataFrame, *, run_id: int | None, as_of: date
) -> int:
    """Lapse every open proposal of ``record``'s regime that ``triggers`` (the engine's rows for
    this evaluation, with ``organisation_id``) no longer supports; return how many lapsed. A subject
    the evaluation did not judge on everything the rule tests (``judged``: no row, or a value missing,
    such as a month not yet returned) keeps its proposals: no evidence is not evidence of change."""
    open_proposals = Proposal.objects.filter(
        rule_set__operator=record.operator, rule_set__service=record.service, status=Decision.OPEN
    )
    rows = list(
        open_proposals.values_list(
            "pk", "rule_id", "organisation_id", "kind", "freedom_id", "intervention_id"
        )
    )
    if not rows:
        return 0
    proposals = pl.DataFrame(
        rows,
        schema={
            "pk": pl.Int64,
            "rule": pl.String,
            "organisation_id": pl.Int64,
            "kind": pl.String,
            "freedom_id": pl.Int64,
            "intervention_id": pl.Int64,
        },
        orient="row",
    )
    live_freedoms = list(
        Freedom.objects.filter(
            in_force(as_of), pk__in=proposals["freedom_id"].drop_nulls().to_list()
        ).values_list("pk", flat=True)
    )
    open_interventions = list(
        Intervention.objects.filter(
            pk__in=proposals["intervention_id"].drop_nulls().to_list(), status=InterventionStatus.OPEN
        ).values_list("pk", flat=True)
    )
    judged = triggers.select(
        pl.col("rule"),
        pl.col("organisation_id").cast(pl.Int64),
        "holds",
        "withdraw",
        "exit",
        "judged",
    ).filter(pl.col("organisation_id").is_not_null())
    kind = pl.col("kind")
    found = pl.col("judged").fill_null(False)
    reason = (
        pl.when(~pl.col("rule").is_in([rule.id for rule in rules.rules]))
        .then(pl.lit("gone"))
        .when(
            (pl.col("freedom_id").is_not_null() & ~pl.col("freedom_id").is_in(live_freedoms))
            | (pl.col("intervention_id").is_not_null() & ~pl.col("intervention_id").is_in(open_interventions))
        )
        .then(pl.lit("ended"))
        .when(
            found
            & kind.is_in([ProposalKind.GRANT_FREEDOM, ProposalKind.REWARD, ProposalKind.OPEN_INTERVENTION])
            & ~pl.col("holds")
        )
        .then(kind)
        .when(found & (kind == ProposalKind.WITHDRAW_FREEDOM) & ~pl.col("withdraw"))
        .then(kind)
        .when(found & (kind == ProposalKind.CLOSE_INTERVENTION) & ~pl.col("exit"))
        .then(kind)
        .when(found & (kind == ProposalKind.ESCALATE_INTERVENTION) & pl.col("exit"))
        .then(kind)
    )
    stale = (
        proposals.join(judged, on=["rule", "organisation_id"], how="left")
        .with_columns(why=reason)
        .filter(pl.col("why").is_not_null())
        .group_by("why")
        .agg(pl.col("pk"))
    )
    now = clock.now()
    on = f"on the judgements of {as_of:%-d %B %Y}" + (f" (run {run_id})" if run_id else "")
    lapsed: dict[str, Any] = {}
    for why, pks in stale.iter_rows():
        open_proposals.filter(pk__in=pks).update(
            status=Decision.LAPSED, decided_at=now, reason=f"Lapsed {on}: {REASONS[why]}."
        )
        lapsed[why] = len(pks)
    if lapsed:
        record_event(
            actor=None,
            action="regime.lapse",
            subject=record,
            summary=f"{sum(lapsed.values())} open proposals lapsed {on}",
            data={"as_of": str(as_of), "run": run_id, "lapsed": lapsed},
        )
    return sum(lapsed.values())
