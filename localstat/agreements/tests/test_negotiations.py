"""Negotiating local targets: propose, challenge with the engine's checks, revise, agree, sign (seed 4.23, 3.20).

Ashford's A&E series (the ``assessed`` fixture) climbs 0.6 points a month from 80.0% to 93.8%: mean
86.9%, every moving range 0.6, so the upper process limit is 86.9 + 2.66 × 0.6 = 88.496% and the
reach of the best value 93.8 + 1.596 = 95.396% (METHODS.md, XmR, profile nhsr).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from localstat.agreements import selectors, services
from localstat.agreements.choices import NegotiationStatus, StepKind
from localstat.agreements.errors import AgreementError
from localstat.agreements.models import Goal, Negotiation, NegotiationStep, Signature, TrajectorySignOff
from localstat.agreements.tests.conftest import agree_and_sign, propose_ae
from localstat.chain.access import NotPermitted
from localstat.core.models import AuditEvent
from localstat.framework.choices import TargetStatus
from localstat.framework.models import Indicator, Target


def test_a_proposal_records_the_engines_checks_with_the_numbers(assessed: Any) -> None:
    # Given Ashford's series, when Uma proposes 96.5% (beyond the best value's reach of 95.396%)
    negotiation = propose_ae(assessed, level=96.5)
    # Then the proposal is step 1 and its target carries the check and its evidence
    step = negotiation.steps.get()
    item = step.items.get()
    assert (step.kind, step.author_name, negotiation.manager.code, negotiation.department.code) == (
        StepKind.PROPOSAL,
        "Uma",
        "AN",
        "DH",
    )
    assert item.verdict == "not_achievable_without_plan"
    assert item.points == 24
    assert item.mean == pytest.approx(86.9)
    assert item.amr == pytest.approx(0.6)
    assert item.process_limit == pytest.approx(88.496)
    assert item.best == pytest.approx(93.8)
    assert item.reach_limit == pytest.approx(95.396)
    assert (item.baseline_period, float(item.baseline)) == (date(2019, 3, 1), pytest.approx(93.8))
    # and a straight trajectory from the baseline, one milestone a month (2.7 ÷ 12 = 0.225 each), ending at the level
    assert item.milestones[0] == ["2019-04-01", "94.0250"]
    assert item.milestones[-1] == ["2020-03-01", "96.5000"]
    assert AuditEvent.objects.filter(action="agreements.propose_targets").count() == 1


@pytest.mark.parametrize(
    ("level", "verdict"),
    [
        (88.0, "not_stretching"),
        (88.5, "stretching"),
        (95.0, "stretching"),
        (95.4, "not_achievable_without_plan"),
    ],
)
def test_each_level_is_classified_against_the_limits(assessed: Any, level: float, verdict: str) -> None:
    item = propose_ae(assessed, level=level).steps.get().items.get()
    assert item.verdict == verdict


@pytest.mark.parametrize(
    ("on", "points", "best", "baseline_period"),
    [
        (date(2019, 3, 15), 23, 93.2, date(2019, 2, 1)),
        (date(2019, 3, 31), 23, 93.2, date(2019, 2, 1)),
        (date(2019, 4, 1), 24, 93.8, date(2019, 3, 1)),
    ],
)
def test_the_checks_read_only_periods_that_ended_before_the_day_of_the_proposal(
    assessed: Any, on: date, points: int, best: float, baseline_period: date
) -> None:
    # Given Ashford's approved value for March 2019 (93.8%), a proposal made during March cannot have
    # seen it: the month is not over, so neither the limits, the best value nor the baseline use it
    indicator = Indicator.objects.select_related("current_version").get(code="AE4H")
    check = selectors.check_levels(assessed.u1, [selectors.ProposedLevel(1, indicator, 95.0)], as_of=on)[1]
    assert (check["points"], check["best"], check["baseline_period"]) == (
        points,
        pytest.approx(best),
        baseline_period,
    )


def test_the_manager_challenges_revision_is_agreed_and_signed_into_active_targets(assessed: Any) -> None:
    # Given a proposal that needs a plan
    negotiation = propose_ae(assessed, level=96.5)
    # When Morgan challenges it, Uma revises to 95% with a plan, and both sides sign
    challenge = services.challenge_proposal(
        negotiation=negotiation,
        comment="96.5% is beyond anything Ashford has done; what would change?",
        on=date(2019, 4, 8),
        acting_user=assessed.morgan,
    )
    services.revise_proposal(
        negotiation=negotiation,
        targets=[
            services.TargetSpec(
                indicator="AE4H",
                level=95,
                deadline=date(2020, 3, 31),
                responsible_officer="Dr Rhona Patel, Clinical Director for Urgent Care",
                action_plan="Streaming at the front door; a second evening senior decision-maker.",
            )
        ],
        comment="95%, with the streaming plan.",
        on=date(2019, 4, 15),
        acting_user=assessed.uma,
    )
    negotiation = agree_and_sign(assessed, negotiation)
    # Then the challenge recorded the checks it was made with
    assert challenge.checks[0]["verdict"] == "not_achievable_without_plan"
    assert challenge.checks[0]["reach_limit"] == pytest.approx(95.396)
    # and the thread keeps every step, the first proposal's target included
    kinds = list(negotiation.steps.order_by("number").values_list("kind", flat=True))
    assert kinds == ["proposal", "challenge", "revision", "agreement"]
    assert [float(i.level) for i in selectors.items_of(negotiation.steps.get(number=1))] == [96.5]
    # and, signed by both sides, the revised target is active in the framework with its trajectory
    assert negotiation.status == NegotiationStatus.AGREED
    assert set(negotiation.signatures.values_list("side", "name")) == {
        ("manager", "Morgan"),
        ("proposer", "Uma"),
    }
    target = Target.objects.get(local_agreement_item__step__negotiation=negotiation)
    assert (target.status, float(target.level), target.set_by.code) == (TargetStatus.ACTIVE, 95.0, "AN")
    assert list(target.units.values_list("code", flat=True)) == ["U1"]
    assert target.milestones.count() == 12
    # and it is a goal with a named officer, a plan and a timescale, awaiting its trajectory sign-off
    goal = Goal.objects.get(target=target)
    assert goal.missing == []
    assert goal.agreement.triggers == "Two months off trajectory, or any month below 90%."
    assert TrajectorySignOff.objects.get(target=target).is_signed_off is False


def test_only_the_units_manager_proposes_and_only_its_manager_agrees(assessed: Any) -> None:
    # Sam submits Ashford's returns but does not propose its targets; Morgan manages it but does not propose for it
    for who in (assessed.sam, assessed.morgan, assessed.ada):
        with pytest.raises(NotPermitted):
            services.propose_targets(
                proposer=assessed.u1,
                service=assessed.health,
                title="x",
                targets=[services.TargetSpec(indicator="AE4H", level=95, deadline=date(2020, 3, 31))],
                acting_user=who,
            )
    negotiation = propose_ae(assessed)
    # South's manager cannot challenge a North unit; the unit cannot challenge itself; the challenger cannot agree
    for who in (assessed.morgan_of_south, assessed.uma):
        with pytest.raises(NotPermitted):
            services.challenge_proposal(negotiation=negotiation, comment="No.", acting_user=who)
    services.challenge_proposal(
        negotiation=negotiation, comment="Show the plan.", acting_user=assessed.charlie
    )
    with pytest.raises(NotPermitted):
        services.agree_proposal(
            negotiation=negotiation,
            style_of_relationship="s",
            triggers="t",
            escalation="e",
            job_title="Challenger",
            acting_user=assessed.charlie,
        )
    assert negotiation.steps.count() == 2


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"level": 120}, "a proportion out of 100: a level of 120 is impossible"),
        ({"level": "lots"}, "must be a number, not 'lots'"),
        ({"deadline": date(2019, 3, 1)}, "the deadline 1 March 2019 has passed"),
        ({"indicator": "NOPE"}, "No indicator has the code 'NOPE'"),
        ({"milestones": [("2019-05-15", 94)]}, "does not start a month"),
    ],
)
def test_bad_input_is_refused_clearly_and_writes_nothing(assessed: Any, spec: dict, message: str) -> None:
    fields = {"indicator": "AE4H", "level": 95, "deadline": date(2020, 3, 31)} | spec
    with pytest.raises(AgreementError, match=message):
        services.propose_targets(
            proposer=assessed.u1,
            service=assessed.health,
            title="Four-hour waits",
            targets=[services.TargetSpec(**fields)],
            on=date(2019, 4, 1),
            acting_user=assessed.uma,
        )
    assert Negotiation.objects.count() == 0
    assert NegotiationStep.objects.count() == 0


def test_an_agreement_must_state_its_terms_and_a_challenge_its_reasons(assessed: Any) -> None:
    negotiation = propose_ae(assessed)
    with pytest.raises(AgreementError, match="Say what the challenge is"):
        services.challenge_proposal(negotiation=negotiation, comment="  ", acting_user=assessed.morgan)
    with pytest.raises(AgreementError, match="triggers"):
        services.agree_proposal(
            negotiation=negotiation,
            style_of_relationship="Monthly review",
            triggers="",
            escalation="Area director",
            job_title="Director",
            acting_user=assessed.morgan,
        )
    negotiation.refresh_from_db()
    assert (negotiation.status, negotiation.steps.count(), Signature.objects.count()) == ("open", 1, 0)


def test_a_withdrawn_negotiation_keeps_its_thread_and_takes_no_more_steps(assessed: Any) -> None:
    negotiation = propose_ae(assessed)
    services.withdraw_negotiation(
        negotiation=negotiation, reason="The area's priorities changed.", acting_user=assessed.morgan
    )
    negotiation.refresh_from_db()
    assert negotiation.status == NegotiationStatus.WITHDRAWN
    assert list(negotiation.steps.values_list("kind", "organisation__code")) == [
        ("proposal", "U1"),
        ("withdrawal", "AN"),
    ]
    with pytest.raises(AgreementError, match="withdrawn: it cannot be revised"):
        services.revise_proposal(
            negotiation=negotiation,
            targets=[services.TargetSpec(indicator="AE4H", level=95, deadline=date(2020, 3, 31))],
            comment="Again",
            acting_user=assessed.uma,
        )
    with pytest.raises(NotPermitted):
        services.withdraw_negotiation(negotiation=propose_ae(assessed), reason="x", acting_user=assessed.sam)


def test_signing_twice_or_out_of_turn_is_refused(assessed: Any) -> None:
    negotiation = propose_ae(assessed)
    with pytest.raises(AgreementError, match="only an agreed proposal is signed"):
        services.sign_agreement(
            negotiation=negotiation, side="proposer", job_title="CEO", acting_user=assessed.uma
        )
    negotiation = agree_and_sign(assessed, negotiation)
    with pytest.raises(AgreementError):
        services.sign_agreement(
            negotiation=negotiation, side="proposer", job_title="CEO", acting_user=assessed.uma
        )
    with pytest.raises(NotPermitted):
        services.sign_agreement(
            negotiation=negotiation, side="department", job_title="x", acting_user=assessed.uma
        )


def test_a_target_whose_deadline_has_passed_cannot_be_agreed(assessed: Any) -> None:
    negotiation = services.propose_targets(
        proposer=assessed.u1,
        service=assessed.health,
        title="Spring waits",
        targets=[services.TargetSpec(indicator="AE4H", level=95, deadline=date(2019, 5, 31))],
        on=date(2019, 4, 1),
        acting_user=assessed.uma,
    )
    with pytest.raises(AgreementError, match="AE4H: the deadline has passed; revise the proposal first"):
        services.agree_proposal(
            negotiation=negotiation,
            style_of_relationship="s",
            triggers="t",
            escalation="e",
            job_title="Director",
            on=date(2019, 6, 1),
            acting_user=assessed.morgan,
        )
    assert (negotiation.steps.count(), Signature.objects.count()) == (1, 0)


def test_a_measure_is_agreed_into_the_controls_register_not_as_a_target(assessed: Any) -> None:
    # Given Ashford proposes to monitor its A&E waits as a measure: an indicator with no level (Box 2.1)
    negotiation = services.propose_targets(
        proposer=assessed.u1,
        service=assessed.health,
        title="Watch the four-hour waits",
        targets=[
            services.TargetSpec(
                indicator="AE4H", level=None, deadline=date(2020, 3, 31), responsible_officer="Dr Patel"
            )
        ],
        on=date(2019, 4, 1),
        acting_user=assessed.uma,
    )
    item = negotiation.steps.get().items.get()
    # Then there is no level to check, but the baseline and the series are still shown
    assert (item.is_measure, item.verdict, item.milestones) == (True, "cannot_check", [])
    assert item.reason.startswith("A measure")
    assert float(item.baseline) == pytest.approx(93.8)
    # When it is agreed and signed, it is a measure Ashford faces, and a goal; no target, no trajectory
    negotiation = agree_and_sign(assessed, negotiation)
    item.refresh_from_db()
    assert item.target is None
    assert (
        item.control.kind,
        item.control.level,
        list(item.control.units.values_list("code", flat=True)),
    ) == (
        "measure",
        None,
        ["U1"],
    )
    assert Goal.objects.get(agreement__negotiation=negotiation).outcome.startswith(
        "Monitor A&E: seen within 4 hours"
    )
    assert not TrajectorySignOff.objects.exists()
    assert not Target.objects.filter(local_agreement_item__isnull=False).exists()
