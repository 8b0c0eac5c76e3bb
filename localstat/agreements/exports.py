"""The CSV export of agreements: one row per target of each negotiation's proposal on the table (or agreed)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Max, OuterRef, QuerySet, Subquery

from localstat.agreements.choices import StepKind
from localstat.agreements.models import (
    Negotiation,
    NegotiationStep,
    ProposedTarget,
    RewardAssessment,
    Signature,
)

COLUMNS = [
    "reference",
    "kind",
    "status",
    "service",
    "proposer",
    "proposer_name",
    "performance_manager",
    "department",
    "title",
    "opened_on",
    "closed_on",
    "indicator",
    "level",
    "deadline",
    "baseline_period",
    "baseline",
    "verdict",
    "checked_on",
    "process_limit",
    "reach_limit",
    "responsible_officer",
    "target_reference",
    "measure_control",
    "no_stretch_level",
    "reward_share",
    "reward_grant",
    "pump_priming_grant",
    "reward_earned",
    "reward_as_of",
    "signed_by",
    "synthetic",
]


def agreement_rows(negotiations: QuerySet[Negotiation]) -> Iterator[list[Any]]:
    """Rows of :data:`COLUMNS`, in a handful of queries whatever the number of negotiations."""
    latest = (
        NegotiationStep.objects.filter(
            negotiation_id=OuterRef("step__negotiation_id"), kind__in=[StepKind.PROPOSAL, StepKind.REVISION]
        )
        .values("negotiation_id")
        .annotate(last=Max("number"))
        .values("last")
    )
    items = (
        ProposedTarget.objects.filter(step__negotiation__in=negotiations, step__number=Subquery(latest))
        .select_related(
            "step__negotiation__proposer",
            "step__negotiation__manager",
            "step__negotiation__department",
            "step__negotiation__service",
            "step__negotiation__local_psa",
            "indicator",
            "target",
            "control",
        )
        .order_by("step__negotiation_id", "position")
    )
    signed: dict[int, list[str]] = {}
    for s in Signature.objects.filter(negotiation__in=negotiations).order_by("negotiation_id", "on", "id"):
        signed.setdefault(s.negotiation_id, []).append(
            f"{s.name}, {s.job_title} ({s.get_side_display()}, {s.on})"
        )
    rewards: dict[int, RewardAssessment] = {}
    for assessment in RewardAssessment.objects.filter(local_psa__negotiation__in=negotiations).order_by(
        "local_psa_id", "created_at", "id"
    ):
        rewards[assessment.local_psa_id] = assessment  # the newest wins
    for item in items:
        n = item.step.negotiation
        local_psa = getattr(n, "local_psa", None) if n.is_local_psa else None
        earned: Any = ""
        as_of: Any = ""
        if local_psa is not None and local_psa.pk in rewards and item.target is not None:
            assessment = rewards[local_psa.pk]
            row = next((r for r in assessment.rows if r["target"] == item.target.reference), None)
            earned, as_of = (round(row["earned"], 2) if row else ""), assessment.as_of
        yield [
            n.reference,
            n.kind,
            n.status,
            n.service.code,
            n.proposer.code,
            n.proposer.name,
            n.manager.code,
            n.department.code,
            n.title,
            n.opened_on,
            n.closed_on or "",
            item.indicator.code,
            "" if item.level is None else item.level,
            item.deadline,
            item.baseline_period or "",
            "" if item.baseline is None else item.baseline,
            item.verdict,
            item.checked_on,
            "" if item.process_limit is None else round(item.process_limit, 4),
            "" if item.reach_limit is None else round(item.reach_limit, 4),
            item.responsible_officer,
            item.target.reference if item.target else "",
            item.control.code if item.control_id else "",
            "" if item.no_stretch_level is None else item.no_stretch_level,
            "" if item.reward_share is None else item.reward_share,
            local_psa.reward_grant if local_psa else "",
            local_psa.pump_priming_grant if local_psa else "",
            earned,
            as_of,
            "; ".join(signed.get(n.pk, [])),
            "yes" if n.synthetic else "no",
        ]
