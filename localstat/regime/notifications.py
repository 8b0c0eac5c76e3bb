"""Emails about the regime, through Django's email backend (the console in the demo), sent on commit.

The operator's people hear of new proposals awaiting their decision; a subject's people hear what was
decided about them and why.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction

from localstat.chain.choices import Role
from localstat.regime.explain import evidence_lines
from localstat.regime.models import Proposal, RuleSet

DECIDERS = (Role.DEPARTMENT_ANALYST, Role.PERFORMANCE_MANAGER)
SUBJECT_PEOPLE = (Role.UNIT_MANAGER, Role.PERFORMANCE_MANAGER, Role.DEPARTMENT_ANALYST)


def _addresses(organisation_ids: Iterable[int], roles: Iterable[str]) -> list[str]:
    users = get_user_model().objects.filter(
        memberships__organisation_id__in=list(organisation_ids),
        memberships__role__in=list(roles),
        is_active=True,
    )
    return sorted(set(users.exclude(email="").values_list("email", flat=True)))


def proposals_made(record: RuleSet, proposals: list[Proposal]) -> None:
    """One email to the operator's deciders listing the new proposals."""
    to = _addresses([record.operator_id], DECIDERS)
    if not to or not proposals:
        return
    counts: dict[str, int] = {}
    for proposal in proposals:
        label = f"{proposal.get_kind_display()} ({proposal.rule_title})"
        counts[label] = counts.get(label, 0) + 1
    body = "\n".join(
        [
            f"{record.label} proposed {len(proposals)} consequences awaiting your decision:",
            "",
            *[f"- {label}: {n}" for label, n in sorted(counts.items())],
            "",
            "Confirm, change or reject each on LocalStat's Proposals page (/regime/proposals/).",
        ]
    )
    message = (f"LocalStat: {len(proposals)} proposals awaiting decision", body, None, to)
    transaction.on_commit(lambda: send_mass_mail([message], fail_silently=True))


def proposal_decided(proposal: Proposal) -> None:
    """The subject's people (and its manager) hear the decision and why."""
    to = _addresses([proposal.organisation_id], SUBJECT_PEOPLE)
    if not to:
        return
    lines = [
        f"{proposal.rule_set.operator.display_name} {proposal.get_status_display().lower()} the proposal: "
        f"{proposal.get_kind_display().lower()}, {proposal.rule_title}, for {proposal.organisation.display_name}.",
        "",
        f"Rule {proposal.rule_id} of {proposal.rule_set.label}. The evidence:",
        *[f"- {line}" for line in evidence_lines(proposal.evidence)],
    ]
    if proposal.reason:
        lines += ["", f"Reason given: {proposal.reason}"]
    message = (
        f"LocalStat: {proposal.rule_title} {proposal.get_status_display().lower()}",
        "\n".join(lines),
        None,
        to,
    )
    transaction.on_commit(lambda: send_mass_mail([message], fail_silently=True))


def department_alerted(department_id: int, alerts: list) -> None:
    """The department's analysts hear of each unit its intermediate tier has not corrected."""
    to = _addresses([department_id], (Role.DEPARTMENT_ANALYST,))
    if not to or not alerts:
        return
    lines = [
        f"{len(alerts)} units have had an intervention open without recovering, so they reach the "
        "department by exception:",
        "",
        *[
            f"- {a.intervention.organisation.display_name} ({a.intervention.organisation.code}): "
            f"{a.intervention.get_level_display()}, open {a.months_open} months, owned by {a.intervention.owner.code}"
            for a in alerts
        ],
        "",
        "See /regime/exceptions/.",
    ]
    message = ("LocalStat: intervention by exception", "\n".join(lines), None, to)
    transaction.on_commit(lambda: send_mass_mail([message], fail_silently=True))
