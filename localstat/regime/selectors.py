"""Reads of the regime: rule sets in force, proposals, freedoms, rewards and payments, set-based.

``active_freedoms`` and ``open_interventions`` are the regime's cross-app contracts: other apps
(inspection, review, publication) read a unit's freedoms and interventions through them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Q, QuerySet

from localstat.core.clock import today
from localstat.regime.choices import Decision, RuleSetStatus
from localstat.regime.models import Freedom, Intervention, Payment, Proposal, Reward, RuleSet


def in_force(as_of: date) -> Q:
    return Q(starts_on__lte=as_of) & (Q(ends_on__isnull=True) | Q(ends_on__gt=as_of))


def active_freedoms(organisation_ids: Iterable[int], as_of: date | None = None) -> dict[int, list[Freedom]]:
    """Every freedom in force on ``as_of`` (default today) for each organisation, baseline and earned,
    in one query; organisations with none are absent."""
    as_of = as_of or today()
    found: dict[int, list[Freedom]] = {}
    for freedom in (
        Freedom.objects.filter(in_force(as_of), organisation_id__in=list(organisation_ids))
        .select_related("rule_set", "indicator", "operator")
        .order_by("organisation_id", "basis", "kind", "starts_on")
    ):
        found.setdefault(freedom.organisation_id, []).append(freedom)
    return found


def open_interventions(
    organisation_ids: Iterable[int], as_of: date | None = None
) -> dict[int, list[Intervention]]:
    """Every intervention open on ``as_of`` (default today) for each organisation, in one query:
    opened on or before it and not closed by then. Organisations with none are absent."""
    as_of = as_of or today()
    found: dict[int, list[Intervention]] = {}
    for intervention in (
        Intervention.objects.filter(
            Q(closed_on__isnull=True) | Q(closed_on__gt=as_of),
            organisation_id__in=list(organisation_ids),
            opened_on__lte=as_of,
        )
        .select_related("owner", "operator", "rule_set")
        .order_by("organisation_id", "opened_on")
    ):
        found.setdefault(intervention.organisation_id, []).append(intervention)
    return found


def published_rule_sets() -> QuerySet[RuleSet]:
    return RuleSet.objects.filter(status=RuleSetStatus.PUBLISHED).select_related("operator", "service")


def rule_set_history(operator_id: int, service_id: int) -> QuerySet[RuleSet]:
    return RuleSet.objects.filter(operator_id=operator_id, service_id=service_id).order_by("-version")


def proposals_for(organisations: QuerySet, *, status: str | None = None) -> QuerySet[Proposal]:
    proposals = Proposal.objects.filter(organisation__in=organisations).select_related(
        "organisation", "rule_set", "rule_set__operator", "decided_by", "freedom"
    )
    return proposals.filter(status=status) if status else proposals


def freedoms_granted(rule_set_ids: Iterable[int] | None = None) -> QuerySet[Freedom]:
    freedoms = Freedom.objects.select_related("organisation", "rule_set", "indicator")
    return freedoms if rule_set_ids is None else freedoms.filter(rule_set_id__in=list(rule_set_ids))


def rewards_given(rule_set_ids: Iterable[int] | None = None) -> QuerySet[Reward]:
    rewards = Reward.objects.select_related("organisation", "rule_set")
    return rewards if rule_set_ids is None else rewards.filter(rule_set_id__in=list(rule_set_ids))


def payments_decided() -> QuerySet[Payment]:
    """Payments a person has decided: what the public sees (listed openly, Box 5.5)."""
    return Payment.objects.exclude(status=Decision.OPEN).select_related(
        "organisation", "rule_set", "decided_by"
    )
