"""Accountability agreements (seed A.6) and Box 5.3: no goal without a named individual, an action plan
or a timescale."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from localstat.agreements import selectors, services
from localstat.agreements.errors import AgreementError
from localstat.agreements.models import Goal, GoalChange
from localstat.chain.access import NotPermitted
from localstat.chain.models import Organisation


def _agreement(scenario: Any, organisation: Any = None, user: Any = None) -> Any:
    return services.write_accountability_agreement(
        organisation=organisation or scenario.u1,
        counterparty=scenario.north,
        title="Ashford 2019/20",
        style_of_relationship="Monthly performance review, challenge and support.",
        triggers="Two months off trajectory.",
        escalation="Area director, then the department.",
        starts_on=date(2019, 4, 1),
        ends_on=date(2020, 3, 31),
        acting_user=user or scenario.uma,
    )


def test_the_report_lists_every_goal_lacking_an_owner_a_plan_or_a_timescale(scenario: Any) -> None:
    agreement = _agreement(scenario)
    complete = services.add_goal(
        agreement=agreement,
        outcome="Four-hour waits at 95%",
        responsible_officer="Dr Rhona Patel",
        action_plan="Streaming",
        due_by=date(2020, 3, 31),
        acting_user=scenario.uma,
    )
    no_owner = services.add_goal(
        agreement=agreement,
        outcome="Fewer cancelled operations",
        action_plan="Ring-fence beds",
        due_by=date(2020, 3, 31),
        acting_user=scenario.uma,
    )
    no_plan_or_date = services.add_goal(
        agreement=agreement,
        outcome="Shorter outpatient waits",
        responsible_officer="Sam Jones",
        acting_user=scenario.uma,
    )
    lacking = list(selectors.goals_lacking(Organisation.objects.filter(pk=scenario.u1.pk)))
    assert lacking == [no_owner, no_plan_or_date]
    assert no_owner.missing == ["a named responsible officer"]
    assert no_plan_or_date.missing == ["an action plan", "a timescale"]
    assert complete.missing == []
    record = selectors.accountability_record([scenario.u1.pk, scenario.u2.pk])
    assert (record[scenario.u1.pk].goals, record[scenario.u1.pk].complete) == (3, 1)
    assert (record[scenario.u1.pk].without_owner, record[scenario.u1.pk].without_plan) == (1, 1)
    assert record[scenario.u1.pk].without_timescale == 1
    assert (record[scenario.u2.pk].goals, record[scenario.u2.pk].share_complete) == (0, None)


def test_naming_an_owner_keeps_what_the_goal_was(scenario: Any) -> None:
    goal = services.add_goal(
        agreement=_agreement(scenario), outcome="Fewer cancelled operations", acting_user=scenario.uma
    )
    services.update_goal(
        goal=goal,
        responsible_officer="Ms Ada Byron",
        responsible_role="General Manager, Surgery",
        action_plan="Ring-fence elective beds",
        due_by=date(2019, 12, 31),
        reason="Named at the April board",
        acting_user=scenario.morgan,
    )
    goal.refresh_from_db()
    assert goal.missing == []
    before = GoalChange.objects.get(goal=goal)
    assert (before.responsible_officer, before.action_plan, before.due_by, before.changed_by) == (
        "",
        "",
        None,
        scenario.morgan,
    )
    with pytest.raises(AgreementError, match="Nothing changed"):
        services.update_goal(
            goal=goal,
            responsible_officer="Ms Ada Byron",
            responsible_role="General Manager, Surgery",
            action_plan="Ring-fence elective beds",
            due_by=date(2019, 12, 31),
            reason="again",
            acting_user=scenario.uma,
        )


def test_who_is_responsible_for_what_groups_goals_by_officer(scenario: Any) -> None:
    agreement = _agreement(scenario)
    for outcome, officer in [("A", "Zoe"), ("B", "Ann"), ("C", ""), ("D", "Ann")]:
        services.add_goal(
            agreement=agreement, outcome=outcome, responsible_officer=officer, acting_user=scenario.uma
        )
    grouped = [
        (officer, [g.outcome for g in goals]) for officer, goals in selectors.responsibilities(scenario.u1)
    ]
    assert grouped == [("Ann", ["B", "D"]), ("Zoe", ["A"]), ("", ["C"])]


def test_only_people_in_the_chain_write_an_organisations_goals(scenario: Any) -> None:
    # Sam submits returns, Olga belongs to Bramley, Ines inspects: none of them write Ashford's goals
    for who in (scenario.sam, scenario.olga, scenario.ines):
        with pytest.raises(NotPermitted):
            _agreement(scenario, user=who)
    with pytest.raises(AgreementError, match="triggers for intervention"):
        services.write_accountability_agreement(
            organisation=scenario.u1,
            title="x",
            style_of_relationship="y",
            triggers=" ",
            escalation="z",
            starts_on=date(2019, 4, 1),
            ends_on=date(2020, 3, 31),
            acting_user=scenario.uma,
        )
    assert Goal.objects.count() == 0


def test_accountability_record_is_one_query(scenario: Any, django_assert_num_queries: Any) -> None:
    services.add_goal(agreement=_agreement(scenario), outcome="A", acting_user=scenario.uma)
    with django_assert_num_queries(1):
        selectors.accountability_record([scenario.u1.pk, scenario.u2.pk, scenario.u3.pk])
