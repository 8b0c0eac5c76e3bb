"""Open proposals lapse when a later evaluation finds the rules no longer make them (seed 4.3)."""

from __future__ import annotations

import polars as pl
import pytest
from django.test import Client
from django.urls import reverse

from localstat.regime.choices import Decision, ProposalKind
from localstat.regime.errors import RegimeError
from localstat.regime.models import Proposal
from localstat.regime.services import decide_proposal, draft_rule_set, evaluate_regimes, publish_rule_set
from localstat.regime.services.lapses import lapse_stale_proposals
from localstat.regime.services.rule_sets import rules_of
from localstat.regime.tests.conftest import AS_OF, RULES

STRICTER = RULES.replace(
    "AE4H: {value: {at_least: 95}}\n      periods: 6", "AE4H: {value: {at_least: 99}}\n      periods: 6"
)


def _republish(assessed, source: str):
    draft = draft_rule_set(
        operator=assessed.dh, service=assessed.health, source=source, acting_user=assessed.ada
    )
    return publish_rule_set(rule_set=draft, on=AS_OF, acting_user=assessed.ada)


def test_a_freedom_proposal_lapses_when_the_rules_in_force_no_longer_grant_it(assessed, published) -> None:
    evaluate_regimes(as_of=AS_OF)
    proposal = Proposal.objects.get(rule_id="no-further-targets", status=Decision.OPEN)
    assert proposal.organisation == assessed.u4  # Denton, at 98.5%
    # when version 2 asks for 99% and is evaluated on the same run
    assert STRICTER != RULES
    _republish(assessed, STRICTER)
    (report,) = evaluate_regimes(as_of=AS_OF)
    # then Denton's proposal lapses, undecided, saying why and on which run
    proposal.refresh_from_db()
    assert proposal.status == Decision.LAPSED
    assert proposal.decided_by is None
    assert proposal.reason == (
        f"Lapsed on the judgements of 30 April 2019 (run {report.run_id}): the rule's conditions no longer hold."
    )
    assert report.lapsed == 1
    assert not Proposal.objects.filter(rule_id="no-further-targets", status=Decision.OPEN).exists()
    # and nobody can decide it any more
    with pytest.raises(RegimeError, match="already lapsed"):
        decide_proposal(proposal=proposal, decision=Decision.CONFIRMED, acting_user=assessed.ada)


def test_a_lapsed_proposal_is_made_again_when_the_rule_holds_again(assessed, published) -> None:
    evaluate_regimes(as_of=AS_OF)
    _republish(assessed, STRICTER)
    evaluate_regimes(as_of=AS_OF)
    # when version 3 goes back to 95%: a lapse was no decision, so the rule proposes it again
    _republish(assessed, RULES)
    (report,) = evaluate_regimes(as_of=AS_OF)
    (again,) = Proposal.objects.filter(rule_id="no-further-targets", status=Decision.OPEN)
    assert again.organisation == assessed.u4
    assert again.kind == ProposalKind.GRANT_FREEDOM
    assert again in report.proposals


def test_a_proposal_whose_rule_was_dropped_lapses_and_the_others_stay_open(assessed, published) -> None:
    evaluate_regimes(as_of=AS_OF)
    letters = set(Proposal.objects.filter(rule_id="letter", status=Decision.OPEN))
    assert letters
    without_grant = RULES.split("  - id: grant")[0] + "  - id: premium" + RULES.split("  - id: premium")[1]
    _republish(assessed, without_grant)
    evaluate_regimes(as_of=AS_OF)
    grants = Proposal.objects.filter(rule_id="grant")
    assert grants.exists()
    assert {p.status for p in grants} == {Decision.LAPSED}
    assert all(p.reason.endswith("the rule is no longer in the published rules.") for p in grants)
    assert set(Proposal.objects.filter(rule_id="letter", status=Decision.OPEN)) == letters


def _month_not_returned(unit) -> None:
    """The unit's current A&E judgement has no value: its latest month is not returned yet."""
    from localstat.assessment.models import Judgement

    assert Judgement.objects.filter(organisation=unit, indicator__code="AE4H", is_current=True).update(
        value=None
    )


def test_a_unit_the_evaluation_did_not_judge_keeps_its_proposals(assessed, published) -> None:
    evaluate_regimes(as_of=AS_OF)
    proposal = Proposal.objects.get(rule_id="no-further-targets", status=Decision.OPEN)
    assert proposal.organisation == assessed.u4
    # when Denton's latest month has no value yet (its return is not in): the rule cannot hold for
    # want of a value, which says nothing about its performance
    _month_not_returned(assessed.u4)
    (report,) = evaluate_regimes(as_of=AS_OF)
    # then its proposal stays open, to be decided on the evidence it has
    proposal.refresh_from_db()
    assert proposal.status == Decision.OPEN
    assert report.lapsed == 0


def test_a_subject_missing_from_the_evaluation_keeps_its_proposals(assessed, published) -> None:
    evaluate_regimes(as_of=AS_OF)
    before = Proposal.objects.filter(status=Decision.OPEN).count()
    empty = pl.DataFrame(
        schema={
            "rule": pl.String,
            "organisation_id": pl.Int64,
            "holds": pl.Boolean,
            "withdraw": pl.Boolean,
            "exit": pl.Boolean,
            "judged": pl.Boolean,
        }
    )
    assert lapse_stale_proposals(published, rules_of(published), empty, run_id=None, as_of=AS_OF) == 0
    assert Proposal.objects.filter(status=Decision.OPEN).count() == before


def test_a_freedom_is_not_proposed_for_withdrawal_for_a_month_not_returned(assessed, published) -> None:
    evaluate_regimes(as_of=AS_OF)
    grant = Proposal.objects.get(rule_id="no-further-targets", status=Decision.OPEN)
    decide_proposal(proposal=grant, decision=Decision.CONFIRMED, acting_user=assessed.ada)
    # when Denton's latest month has no value, with a withdraw_when (below 95) or without one
    _month_not_returned(assessed.u4)
    without = RULES.replace("    withdraw_when:\n      indicators:\n        AE4H: {value: {below: 95}}\n", "")
    assert without != RULES
    for source in (RULES, without):
        _republish(assessed, source)
        evaluate_regimes(as_of=AS_OF)
        # then nobody is asked to withdraw its freedom for want of data
        assert not Proposal.objects.filter(kind=ProposalKind.WITHDRAW_FREEDOM).exists()


def test_the_proposals_page_lists_lapsed_ones_apart_from_decisions(assessed, published) -> None:
    evaluate_regimes(as_of=AS_OF)
    _republish(assessed, STRICTER)
    evaluate_regimes(as_of=AS_OF)
    client = Client()
    client.force_login(assessed.ada)
    page = client.get(reverse("regime:proposals")).text
    lapsed = page.split("Lapsed before anyone decided")[1]
    assert "Denton" in lapsed
    assert "the rule&#x27;s conditions no longer hold" in lapsed
    assert "Denton" not in page.split('id="decided">Decided</h2>')[1].split("Lapsed before")[0]
