"""Rule sets drafted and published, evaluated into proposals and payments, and decided by people."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from localstat.chain.access import NotPermitted
from localstat.framework import services as framework
from localstat.framework.choices import ExemptionGrounds, TargetKind
from localstat.framework.errors import FrameworkError
from localstat.framework.models import Exemption
from localstat.regime.choices import Decision, FreedomBasis, ProposalKind, RuleSetStatus
from localstat.regime.errors import RegimeError
from localstat.regime.models import Freedom, Payment, Proposal, Reward, RuleSet
from localstat.regime.selectors import active_freedoms
from localstat.regime.services import (
    decide_payments,
    decide_proposal,
    draft_rule_set,
    evaluate_regimes,
    preview_rules,
    publish_rule_set,
)
from localstat.regime.tests.conftest import AS_OF, RULES


def _open(rule_id: str) -> list[Proposal]:
    return list(Proposal.objects.filter(rule_id=rule_id, status=Decision.OPEN).order_by("organisation__code"))


def test_a_published_rule_set_proposes_a_freedom_with_its_version_and_evidence(assessed, published) -> None:
    # when the published rules are evaluated on the run
    (report,) = evaluate_regimes(as_of=AS_OF)
    # then only Denton, at 98.5% for six months, is proposed no further A&E targets
    (proposal,) = _open("no-further-targets")
    assert proposal.organisation == assessed.u4
    assert proposal.kind == ProposalKind.GRANT_FREEDOM
    # and the proposal carries the rule set version and every value the rule tested
    assert proposal.rule_set == published
    assert published.version == 1
    assert proposal.run_id == report.run_id
    last_six = proposal.evidence["AE4H::last_6"]
    assert len(last_six["values"]) == 6
    assert min(last_six["values"]) >= 95
    assert proposal.proposed["ends_on"] == "2020-04-30"


def test_confirming_no_further_targets_exempts_the_unit_so_it_cannot_be_given_a_new_target(
    assessed, published
) -> None:
    evaluate_regimes(as_of=AS_OF)
    (proposal,) = _open("no-further-targets")
    # when Ada confirms it
    decide_proposal(proposal=proposal, decision=Decision.CONFIRMED, acting_user=assessed.ada)
    # then Denton holds the freedom, recorded as the framework's exemption
    freedom = Freedom.objects.get(proposal=proposal)
    assert freedom.basis == FreedomBasis.EARNED
    assert freedom.ends_on == date(2020, 4, 30)
    assert freedom.exemption.grounds == ExemptionGrounds.EARNED_FREEDOM
    # its public reason names the rule and the version; the values it read stay with the proposal
    assert "version 1, rule no-further-targets" in freedom.reason
    assert freedom.proposal.evidence["AE4H::value"] not in freedom.reason
    # and the framework refuses a new A&E target for Denton, naming the exemption
    with pytest.raises(FrameworkError, match="exempt"):
        framework.assign_target(
            indicator=assessed.indicator,
            units=[assessed.u4],
            set_by=assessed.dh,
            kind=TargetKind.FLOOR,
            level=99,
            deadline=date(2020, 3, 1),
            acting_user=assessed.ada,
        )


def test_a_change_or_a_rejection_needs_a_reason_that_stays_beside_the_proposal(assessed, published) -> None:
    evaluate_regimes(as_of=AS_OF)
    (freedom,) = _open("no-further-targets")
    (letter,) = _open("letter")
    # when Ada changes the freedom's length without a reason, it is refused and nothing changes
    with pytest.raises(RegimeError, match="Say why"):
        decide_proposal(
            proposal=freedom, decision=Decision.CHANGED, ends_on="2019-10-31", acting_user=assessed.ada
        )
    assert not Freedom.objects.filter(proposal=freedom).exists()
    # when she changes it with a reason, the freedom ends when she said and the proposal keeps both
    decide_proposal(
        proposal=freedom,
        decision=Decision.CHANGED,
        ends_on="2019-10-31",
        reason="Six months first",
        acting_user=assessed.ada,
    )
    freedom.refresh_from_db()
    assert (freedom.status, freedom.reason) == (Decision.CHANGED, "Six months first")
    assert freedom.proposed["ends_on"] == "2020-04-30"
    assert freedom.decided["ends_on"] == "2019-10-31"
    assert Freedom.objects.get(proposal=freedom).ends_on == date(2019, 10, 31)
    # and a rejection needs a reason, gives nothing, and cannot be decided again
    with pytest.raises(RegimeError, match="Say why"):
        decide_proposal(proposal=letter, decision=Decision.REJECTED, acting_user=assessed.ada)
    decide_proposal(proposal=letter, decision=Decision.REJECTED, reason="Not yet", acting_user=assessed.ada)
    assert not Reward.objects.exists()
    with pytest.raises(RegimeError, match="already rejected"):
        decide_proposal(proposal=letter, decision=Decision.CONFIRMED, acting_user=assessed.ada)


def test_a_grant_changed_to_another_amount_is_given_at_that_amount(assessed, published) -> None:
    evaluate_regimes(as_of=AS_OF)
    (grant,) = _open("grant")
    with pytest.raises(RegimeError, match="above £0"):
        decide_proposal(
            proposal=grant, decision=Decision.CHANGED, amount="-5", reason="x", acting_user=assessed.ada
        )
    decide_proposal(
        proposal=grant, decision=Decision.CHANGED, amount="25000", reason="Half", acting_user=assessed.ada
    )
    reward = Reward.objects.get(proposal=grant)
    assert (reward.organisation, reward.amount) == (assessed.u1, Decimal("25000.00"))


def test_only_the_operators_people_in_the_chain_decide(assessed, published) -> None:
    evaluate_regimes(as_of=AS_OF)
    (proposal,) = _open("no-further-targets")
    # Morgan manages North, not Denton, and does not operate the Department's rules; Sam is a submitter
    for person in (assessed.morgan, assessed.sam, assessed.charlie, assessed.ines):
        with pytest.raises(NotPermitted):
            decide_proposal(proposal=proposal, decision=Decision.CONFIRMED, acting_user=person)
    assert Proposal.objects.get(pk=proposal.pk).status == Decision.OPEN


def test_evaluating_twice_proposes_nothing_new_and_computes_no_payment_twice(assessed, published) -> None:
    first = evaluate_regimes(as_of=AS_OF)
    second = evaluate_regimes(as_of=AS_OF)
    assert len(first[0].proposals) == 3
    assert first[0].payments > 0
    assert (len(second[0].proposals), second[0].payments) == (0, 0)


def test_a_rejected_proposal_is_not_made_again_on_the_same_evidence(assessed, published) -> None:
    evaluate_regimes(as_of=AS_OF)
    (letter,) = _open("letter")
    decide_proposal(proposal=letter, decision=Decision.REJECTED, reason="Not yet", acting_user=assessed.ada)
    evaluate_regimes(as_of=AS_OF)
    assert _open("letter") == []


def test_payments_are_all_or_nothing_per_period_and_listed_with_why(assessed, published) -> None:
    (report,) = evaluate_regimes(as_of=AS_OF)
    # then every unit has a payment for each month from January to March 2019
    payments = Payment.objects.order_by("organisation__code", "period")
    assert payments.count() == 4 * 3 == report.payments
    # and only Denton, at 95% or more every month, earns the full amount; the others nothing
    earned = {(p.organisation.code, p.amount_due) for p in payments if p.earned}
    assert earned == {("U4", Decimal("100000.00"))}
    ashford = payments.filter(organisation=assessed.u1).first()
    assert ashford.amount_due == 0
    assert float(ashford.evidence["AE4H::value"]) < 95


def test_payments_are_confirmed_by_the_operator_and_a_change_needs_a_reason(assessed, published) -> None:
    evaluate_regimes(as_of=AS_OF)
    march = list(Payment.objects.filter(period=date(2019, 3, 1)))
    with pytest.raises(NotPermitted):
        decide_payments(payments=march, decision=Decision.CONFIRMED, acting_user=assessed.morgan)
    decide_payments(payments=march, decision=Decision.CONFIRMED, acting_user=assessed.ada)
    assert {p.amount_paid for p in Payment.objects.filter(period=date(2019, 3, 1))} == {
        Decimal(0),
        Decimal(100000),
    }
    february = Payment.objects.get(period=date(2019, 2, 1), organisation=assessed.u1)
    with pytest.raises(RegimeError, match="Say why"):
        decide_payments(payments=[february], decision=Decision.CHANGED, amount=5000, acting_user=assessed.ada)
    decide_payments(
        payments=[february],
        decision=Decision.CHANGED,
        amount=5000,
        reason="Data error",
        acting_user=assessed.ada,
    )
    february.refresh_from_db()
    assert (february.amount_due, february.amount_paid, february.reason) == (
        Decimal(0),
        Decimal(5000),
        "Data error",
    )


def test_publishing_gives_baseline_freedoms_to_every_unit_and_supersedes_the_version_before(
    assessed, published
) -> None:
    # then every unit of the department's chain has the baseline freedom, and no other service's unit
    freedoms = active_freedoms(
        [assessed.u1.pk, assessed.u2.pk, assessed.u3.pk, assessed.u4.pk, assessed.s1.pk], AS_OF
    )
    assert sorted(freedoms) == sorted([assessed.u1.pk, assessed.u2.pk, assessed.u3.pk, assessed.u4.pk])
    assert {f.kind for f in freedoms[assessed.u1.pk]} == {"local_delivery_methods"}
    # when version 2 drops the baseline freedom and is published
    source = RULES.replace(
        "baseline_freedoms:\n  - freedom: local_delivery_methods\n    title: Local choice of delivery methods\n",
        "",
    )
    second = draft_rule_set(
        operator=assessed.dh, service=assessed.health, source=source, acting_user=assessed.ada
    )
    publish_rule_set(rule_set=second, on=date(2019, 5, 1), acting_user=assessed.ada)
    # then version 1 is superseded, and the baseline freedom ends from then, its history kept
    assert RuleSet.objects.get(pk=published.pk).status == RuleSetStatus.SUPERSEDED
    assert active_freedoms([assessed.u1.pk], date(2019, 5, 1)) == {}
    assert len(active_freedoms([assessed.u1.pk], date(2019, 4, 30))[assessed.u1.pk]) == 1


def test_a_freedom_is_proposed_for_withdrawal_when_performance_falls(assessed, published) -> None:
    evaluate_regimes(as_of=AS_OF)
    (proposal,) = _open("no-further-targets")
    decide_proposal(proposal=proposal, decision=Decision.CONFIRMED, acting_user=assessed.ada)
    # when version 2 withdraws the freedom below 99% (Denton is at 98.5%) and is evaluated
    second = draft_rule_set(
        operator=assessed.dh,
        service=assessed.health,
        source=RULES.replace("AE4H: {value: {below: 95}}", "AE4H: {value: {below: 99}}"),
        acting_user=assessed.ada,
    )
    publish_rule_set(rule_set=second, on=AS_OF, acting_user=assessed.ada)
    evaluate_regimes(as_of=AS_OF)
    (withdrawal,) = _open("no-further-targets")
    assert withdrawal.kind == ProposalKind.WITHDRAW_FREEDOM
    assert withdrawal.rule_set == second
    # then confirming it ends the freedom and its exemption, from the date given
    decide_proposal(
        proposal=withdrawal,
        decision=Decision.CHANGED,
        ends_on="2019-05-31",
        reason="A month's notice",
        acting_user=assessed.ada,
    )
    freedom = Freedom.objects.get(proposal=proposal)
    assert freedom.ends_on == date(2019, 5, 31)
    assert "Withdrawn" in freedom.end_reason
    assert Exemption.objects.get(pk=freedom.exemption_id).ends_on == date(2019, 5, 31)


def test_bad_rules_are_refused_with_what_is_wrong_and_nothing_is_saved(assessed, run) -> None:
    cases = {
        "title: [unclosed": "line 1",
        RULES.replace(
            "at_least: 95}}\n      periods", "at_leest: 95}}\n      periods"
        ): "unknown key 'at_leest'",
        RULES.replace("indicator: AE4H, months", "indicator: XX9, months").replace(
            "AE4H: {value: {at_least: 95}}\n      periods", "XX9: {value: {at_least: 95}}\n      periods"
        ): "XX9",
        "": "empty",
    }
    for source, message in cases.items():
        with pytest.raises(RegimeError, match=message):
            draft_rule_set(
                operator=assessed.dh, service=assessed.health, source=source, acting_user=assessed.ada
            )
    assert not RuleSet.objects.exists()


def test_only_the_operators_people_draft_its_rules_and_a_unit_operates_none(assessed, run) -> None:
    with pytest.raises(NotPermitted):
        draft_rule_set(
            operator=assessed.dh, service=assessed.health, source=RULES, acting_user=assessed.morgan
        )
    with pytest.raises(RegimeError, match="neither a department nor an intermediate-tier body"):
        draft_rule_set(operator=assessed.u1, service=assessed.health, source=RULES, acting_user=assessed.alex)
    # North's manager operates North's own rules over its two units
    north = draft_rule_set(
        operator=assessed.north, service=assessed.health, source=RULES, acting_user=assessed.morgan
    )
    publish_rule_set(rule_set=north, on=AS_OF, acting_user=assessed.morgan)
    assert set(Freedom.objects.filter(rule_set=north).values_list("organisation__code", flat=True)) == {
        "U1",
        "U2",
    }


def test_a_preview_says_what_a_draft_would_propose_and_writes_nothing(assessed, run) -> None:
    preview = preview_rules(
        operator=assessed.dh, service=assessed.health, source=RULES, acting_user=assessed.ada
    )
    assert preview.triggered["no-further-targets"] == ["U4"]
    assert preview.triggered["letter"] == ["U1"]
    assert preview.payments["premium"] == (12, 3, 300000.0)
    assert not (RuleSet.objects.exists())
    assert not (Proposal.objects.exists())
    assert not (Payment.objects.exists())


def test_a_rule_reads_capacity_where_an_inspector_has_recorded_it(assessed, run) -> None:
    from localstat.inspection.choices import Component
    from localstat.inspection.services import assess_capacity

    # given an inspector's capacity assessment of Ashford: weak review, strong elsewhere (mean 3.4)
    scores = dict.fromkeys(Component.values, (4, "Seen on the visit")) | {"review": (1, "No reviews held")}
    assess_capacity(unit=assessed.u1, scores=scores, assessed_on=date(2019, 3, 1), acting_user=assessed.ines)
    source = """\
title: Pooled budgets where capacity is strong
rules:
  - id: capacity-support
    title: Pooled budgets
    consequence: {kind: freedom, freedom: pooled_budgets}
    when:
      capacity_leadership: {at_least: 4}
      capacity_score: {at_least: 3}
"""
    preview = preview_rules(
        operator=assessed.dh, service=assessed.health, source=source, acting_user=assessed.ada
    )
    # then only Ashford triggers; units with no capacity recorded fail the test
    assert preview.triggered["capacity-support"] == ["U1"]


def test_capacity_is_read_from_each_units_newest_inspector_assessment_as_the_inspectorate_chooses_it(
    assessed, run
) -> None:
    import polars as pl

    from localstat.inspection.choices import Component
    from localstat.inspection.selectors import latest_capacity
    from localstat.inspection.services import assess_capacity
    from localstat.regime.frames import with_capacity

    def scored(value: int, **others: int) -> dict:
        return dict.fromkeys(Component.values, (value, "Seen")) | {c: (v, "Seen") for c, v in others.items()}

    for unit, day, scores in [
        (assessed.u1, date(2018, 6, 1), scored(1)),
        (assessed.u1, date(2019, 3, 1), scored(4, review=1)),
        (assessed.u2, date(2019, 2, 1), scored(2, leadership=3)),
        (assessed.u3, date(2019, 4, 15), scored(4)),  # after the date read: not yet made
    ]:
        assess_capacity(unit=unit, scores=scores, assessed_on=day, acting_user=assessed.ines)
    ids = [assessed.u1.pk, assessed.u2.pk, assessed.u3.pk, assessed.u4.pk]
    subjects = pl.DataFrame({"organisation_id": ids}, schema={"organisation_id": pl.Int64})
    read = {
        row["organisation_id"]: row
        for row in with_capacity(subjects, ids, date(2019, 3, 31)).iter_rows(named=True)
    }
    expected = latest_capacity(ids, date(2019, 3, 31))
    assert set(expected) == {assessed.u1.pk, assessed.u2.pk}
    for pk, assessment in expected.items():
        assert read[pk]["capacity_score"] == pytest.approx(assessment.overall_score)
        for score in assessment.scores.all():
            assert read[pk][f"capacity_{score.component}"] == score.score
    assert read[assessed.u1.pk]["capacity_score"] == pytest.approx(3.4)
    assert read[assessed.u3.pk]["capacity_score"] is None
    assert read[assessed.u4.pk]["capacity_review"] is None
