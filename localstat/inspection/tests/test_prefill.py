"""Pre-fill from the other apps (review, agreements, regime) and freedoms in the plan."""

from __future__ import annotations

from datetime import date

from localstat.agreements import services as agreements
from localstat.inspection import selectors
from localstat.inspection.choices import Component
from localstat.inspection.prefill import capacity_prefill, prefill_for
from localstat.regime.services import draft_rule_set, publish_rule_set
from localstat.regime.tests.conftest import RULES
from localstat.review.services import create_cycle

AS_OF = date(2019, 4, 30)


def test_accountability_is_prefilled_from_goals_with_named_officers(inspected):
    # given Ashford's accountability agreement has one complete goal and one without an officer
    agreement = agreements.write_accountability_agreement(
        organisation=inspected.u1,
        counterparty=inspected.north,
        title="Ashford 2019/20",
        style_of_relationship="Monthly review.",
        triggers="Two months off trajectory.",
        escalation="Area director.",
        starts_on=date(2019, 4, 1),
        ends_on=date(2020, 3, 31),
        acting_user=inspected.uma,
    )
    agreements.add_goal(
        agreement=agreement,
        outcome="Four-hour waits at 95%",
        responsible_officer="Dr Rhona Patel",
        action_plan="Streaming",
        due_by=date(2020, 3, 31),
        acting_user=inspected.uma,
    )
    agreements.add_goal(agreement=agreement, outcome="Fewer cancelled operations", acting_user=inspected.uma)
    # when LocalStat pre-fills its capacity
    accountability = prefill_for(inspected.u1, AS_OF)[Component.ACCOUNTABILITY]
    # then it counts the goals with a named officer, plan and timescale, and suggests a score from them
    assert accountability.facts[0].startswith("1 of its 2 goals have a named responsible officer")
    assert accountability.suggested == 2
    # and a unit with no agreement gets no suggestion, only the fact
    assert prefill_for(inspected.u2, AS_OF)[Component.ACCOUNTABILITY].suggested is None


def test_review_is_prefilled_from_the_units_review_cycle(inspected):
    create_cycle(
        code="north-ae",
        name="North A&E performance review",
        body=inspected.north,
        service=inspected.health,
        cadence="monthly",
        challenger=inspected.charlie,
        units=[inspected.u1],
        first_meeting=date(2019, 1, 3),
        acting_user=inspected.morgan,
    )
    found = capacity_prefill([inspected.u1, inspected.u3], AS_OF)
    assert (
        found[inspected.u1.pk][Component.REVIEW].facts[0].startswith("Held to account in 1 review cycle(s)")
    )
    assert found[inspected.u3.pk][Component.REVIEW].facts == [
        "It is in no review cycle recorded on LocalStat."
    ]


def test_rewards_and_sanctions_name_the_published_rules_and_earned_freedoms(inspected):
    # given the department publishes its rules and the regime grants Denton earned freedoms
    draft = draft_rule_set(
        operator=inspected.dh, service=inspected.health, source=RULES, acting_user=inspected.ada
    )
    publish_rule_set(rule_set=draft, on=AS_OF, acting_user=inspected.ada)
    rewards = prefill_for(inspected.u1, AS_OF)[Component.REWARDS_SANCTIONS]
    assert rewards.facts[0].startswith("Published rules apply to it: Health rules (version 1 by DH")
    # and a school in another service has none
    school = prefill_for(inspected.s1, AS_OF)[Component.REWARDS_SANCTIONS]
    assert school.facts == ["No published rules of rewards and sanctions on LocalStat apply to its service."]


def test_an_earned_freedom_lightens_the_plan_and_a_baseline_one_does_not(inspected):
    from localstat.regime.choices import FreedomBasis, FreedomKind
    from localstat.regime.models import Freedom

    draft = draft_rule_set(
        operator=inspected.dh, service=inspected.health, source=RULES, acting_user=inspected.ada
    )
    rule_set = publish_rule_set(rule_set=draft, on=AS_OF, acting_user=inspected.ada)
    before = selectors.plan_row(selectors.inspection_plan(inspected.cqc, AS_OF), inspected.u4)
    # the baseline freedom every unit holds changes nothing
    assert not any("freedom" in reason for reason in before["reasons"])
    Freedom.objects.create(
        organisation=inspected.u4,
        service=inspected.health,
        operator=inspected.dh,
        kind=FreedomKind.LIGHTER_INSPECTION,
        basis=FreedomBasis.EARNED,
        title="Lighter-touch inspection",
        starts_on=date(2019, 4, 1),
        reason="Test: earned.",
        rule_set=rule_set,
    )
    after = selectors.plan_row(selectors.inspection_plan(inspected.cqc, AS_OF), inspected.u4)
    assert after["points"] == before["points"] - 1
    assert "1 freedom(s) of earned autonomy granted (-1)" in after["reasons"]
