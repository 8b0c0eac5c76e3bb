from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from localstat.assessment.models import TargetProposal
from localstat.assessment.proposals import ProposalError, decide_target_proposal
from localstat.assessment.services import run_assessment
from localstat.chain.access import NotPermitted
from localstat.framework import services as framework
from localstat.framework.choices import TargetKind, TargetStatus
from localstat.framework.models import Standard


@pytest.fixture
def national_target(assessed):
    psa = framework.create_psa(
        code="DH-PSA9",
        department=assessed.dh,
        service=assessed.health,
        objective="Faster A&E",
        outcome="Patients are seen quickly.",
        starts_on=date(2017, 4, 1),
        ends_on=date(2020, 3, 31),
        acting_user=assessed.ada,
    )
    target = framework.propose_psa_target(
        psa=psa,
        indicator=assessed.indicator,
        kind=TargetKind.FLOOR,
        level=90,
        deadline=date(2019, 3, 1),
        proposed_on=date(2017, 4, 1),
        acting_user=assessed.ada,
    )
    framework.agree_target(target=target, on=date(2017, 4, 2), acting_user=assessed.ada)
    return framework.activate_target(target=target, on=date(2017, 4, 3), acting_user=assessed.ada)


def test_a_run_proposes_met_for_a_target_whose_deadline_has_passed(assessed, national_target) -> None:
    run_assessment(acting_user=None)
    proposal = TargetProposal.objects.get(target=national_target)
    assert (
        proposal.outcome == "met"
    )  # England pooled (9380 + 9070 + 9250 + 9860) / 40000 = 93.9% in March 2019
    assert "England: 93.9% in March 2019" in proposal.evidence
    # a second run does not propose it again while the first proposal is open
    run_assessment(acting_user=None)
    assert TargetProposal.objects.filter(target=national_target).count() == 1


def test_an_analyst_confirms_and_the_met_target_becomes_a_standard(assessed, national_target) -> None:
    run_assessment(acting_user=None)
    proposal = TargetProposal.objects.get(target=national_target)
    decide_target_proposal(proposal=proposal, confirm=True, acting_user=assessed.ada)
    national_target.refresh_from_db()
    assert national_target.status == TargetStatus.MET
    assert Standard.objects.get(indicator=assessed.indicator).level == 90


def test_rejecting_needs_a_reason_and_a_manager_may_not_decide(assessed, national_target) -> None:
    run_assessment(acting_user=None)
    proposal = TargetProposal.objects.get(target=national_target)
    with pytest.raises(ProposalError, match="Say why"):
        decide_target_proposal(proposal=proposal, confirm=False, acting_user=assessed.ada)
    with pytest.raises(NotPermitted, match="morgan may not"):
        decide_target_proposal(proposal=proposal, confirm=True, acting_user=assessed.morgan)
    assert TargetProposal.objects.get(pk=proposal.pk).status == TargetProposal.OPEN
    decide_target_proposal(
        proposal=proposal, confirm=False, reason="March data is provisional", acting_user=assessed.ada
    )
    assert TargetProposal.objects.get(pk=proposal.pk).reason == "March data is provisional"


def test_the_proposals_page_confirms_a_proposal(assessed, national_target) -> None:
    run_assessment(acting_user=None)
    client = Client()
    client.force_login(assessed.ada)
    proposal = TargetProposal.objects.get(target=national_target)
    assert "proposed met" in client.get(reverse("target_proposals")).content.decode()
    client.post(reverse("target_proposals"), {"proposal": proposal.pk, "decision": "confirm"})
    assert TargetProposal.objects.get(pk=proposal.pk).status == TargetProposal.CONFIRMED


def test_a_proposal_and_its_decision_are_dated_on_the_reference_date_not_the_wall_clock(
    assessed, national_target
) -> None:
    # given a database built for 30 April 2019 (the fixture's reference date)
    run_assessment(acting_user=None)
    proposal = TargetProposal.objects.get(target=national_target)
    decide_target_proposal(proposal=proposal, confirm=True, acting_user=assessed.ada)
    proposal.refresh_from_db()
    assert proposal.created_at.date() == date(2019, 4, 30)
    assert proposal.decided_at.date() == date(2019, 4, 30)
