"""The intervention ladder: opened, escalated and closed as the rules propose and people confirm;
the department alerted only by exception (seed 4.11, 1.8, 6.2)."""

from __future__ import annotations

from datetime import date

import pytest

from localstat.chain.access import NotPermitted
from localstat.regime.choices import Decision, InterventionStatus, ProposalKind
from localstat.regime.errors import RegimeError
from localstat.regime.models import ExceptionAlert, Intervention, Proposal
from localstat.regime.selectors import open_interventions
from localstat.regime.services import decide_proposal, draft_rule_set, evaluate_regimes, publish_rule_set
from localstat.regime.tests.conftest import AS_OF

LADDER = """\
title: The A&E ladder
intervention_by_exception: {after_months: 2}
rules:
  - id: challenge
    title: Challenge on A&E waits
    consequence: {kind: intervention, level: challenge, review_after_months: 1}
    when:
      indicators:
        AE4H: {value: {below: 92}}
    exit_when:
      indicators:
        AE4H: {value: {at_least: 92}}
"""


@pytest.fixture
def ladder(assessed, run):
    draft = draft_rule_set(
        operator=assessed.dh, service=assessed.health, source=LADDER, acting_user=assessed.ada
    )
    return publish_rule_set(rule_set=draft, on=AS_OF, acting_user=assessed.ada)


def _open(kind: str) -> list[Proposal]:
    return list(Proposal.objects.filter(kind=kind, status=Decision.OPEN).order_by("organisation__code"))


def test_a_unit_below_the_trigger_is_proposed_a_challenge_that_its_manager_confirms(assessed, ladder) -> None:
    evaluate_regimes(as_of=AS_OF)
    # then Bramley (around 90%) is proposed a challenge, with the exit criteria and a review date
    (proposal,) = _open(ProposalKind.OPEN_INTERVENTION)
    assert proposal.organisation == assessed.u2
    assert proposal.proposed["review_on"] == "2019-05-31"  # a month end stays a month end
    assert proposal.proposed["exit_criteria"] == ["AE4H: value at least 92"]
    # South's manager may not decide about North's unit; North's manager Morgan may, though the
    # Department operates the rules: the intermediate tier owns its units' interventions
    with pytest.raises(NotPermitted):
        decide_proposal(proposal=proposal, decision=Decision.CONFIRMED, acting_user=assessed.morgan_of_south)
    decide_proposal(proposal=proposal, decision=Decision.CONFIRMED, acting_user=assessed.morgan)
    intervention = Intervention.objects.get()
    assert (intervention.level, intervention.owner, intervention.owner_person) == (
        "challenge",
        assessed.north,
        assessed.morgan,
    )
    assert [e.kind for e in intervention.events.all()] == ["opened"]
    assert list(open_interventions([assessed.u2.pk, assessed.u1.pk], AS_OF)) == [assessed.u2.pk]


def test_an_intervention_not_meeting_its_exit_criteria_by_its_review_date_is_proposed_one_step_up(
    assessed, ladder
) -> None:
    evaluate_regimes(as_of=AS_OF)
    decide_proposal(
        proposal=_open(ProposalKind.OPEN_INTERVENTION)[0],
        decision=Decision.CONFIRMED,
        acting_user=assessed.morgan,
    )
    # before the review date nothing is proposed
    evaluate_regimes(as_of=date(2019, 5, 29))
    assert _open(ProposalKind.ESCALATE_INTERVENTION) == []
    # after it, support is proposed; a changed review date needs a reason
    evaluate_regimes(as_of=date(2019, 6, 1))
    (escalation,) = _open(ProposalKind.ESCALATE_INTERVENTION)
    assert (escalation.proposed["from_level"], escalation.proposed["level"]) == ("challenge", "support")
    with pytest.raises(RegimeError, match="Say why"):
        decide_proposal(
            proposal=escalation, decision=Decision.CHANGED, ends_on="2019-09-30", acting_user=assessed.morgan
        )
    decide_proposal(
        proposal=escalation,
        decision=Decision.CHANGED,
        ends_on="2019-09-30",
        reason="The improvement plan needs a quarter",
        acting_user=assessed.morgan,
    )
    intervention = Intervention.objects.get()
    assert (intervention.level, intervention.review_on) == ("support", date(2019, 9, 30))
    assert [(e.kind, e.level) for e in intervention.events.all()] == [
        ("opened", "challenge"),
        ("escalated", "support"),
    ]
    assert intervention.events.last().reason == "The improvement plan needs a quarter"


def test_an_intervention_is_not_taken_up_a_step_for_a_month_not_returned(assessed, ladder) -> None:
    from localstat.assessment.models import Judgement

    evaluate_regimes(as_of=AS_OF)
    decide_proposal(
        proposal=_open(ProposalKind.OPEN_INTERVENTION)[0],
        decision=Decision.CONFIRMED,
        acting_user=assessed.morgan,
    )
    # when Bramley's latest month has no value yet at the review date
    Judgement.objects.filter(organisation=assessed.u2, indicator__code="AE4H", is_current=True).update(
        value=None
    )
    evaluate_regimes(as_of=date(2019, 6, 1))
    # then nothing says its exit criteria failed: no step up is proposed for want of data
    assert _open(ProposalKind.ESCALATE_INTERVENTION) == []
    assert Intervention.objects.get().level == "challenge"


def test_the_department_is_alerted_only_when_the_tier_has_not_corrected_the_unit_in_time(
    assessed, ladder
) -> None:
    evaluate_regimes(as_of=AS_OF)
    decide_proposal(
        proposal=_open(ProposalKind.OPEN_INTERVENTION)[0],
        decision=Decision.CONFIRMED,
        acting_user=assessed.morgan,
    )
    # one month on, the tier is still working on it: no alert
    evaluate_regimes(as_of=date(2019, 5, 31))
    assert not ExceptionAlert.objects.exists()
    # two months on and not recovered: the department is alerted, once
    (report,) = evaluate_regimes(as_of=date(2019, 7, 1))
    assert report.alerts == 1
    evaluate_regimes(as_of=date(2019, 8, 1))
    alert = ExceptionAlert.objects.get()
    assert (alert.department, alert.intervention.organisation, alert.months_open) == (
        assessed.dh,
        assessed.u2,
        3 - 1,
    )


def test_the_department_decides_a_units_ladder_only_once_the_unit_reaches_it_by_exception(
    assessed, ladder
) -> None:
    from django.test import Client
    from django.urls import reverse

    evaluate_regimes(as_of=AS_OF)
    (opening,) = _open(ProposalKind.OPEN_INTERVENTION)
    # the Department operates the rules, but Bramley's ladder is North's: Ada may not open it,
    # and her proposals page does not offer it
    with pytest.raises(NotPermitted):
        decide_proposal(proposal=opening, decision=Decision.CONFIRMED, acting_user=assessed.ada)
    ada = Client()
    ada.force_login(assessed.ada)
    refused = ada.post(reverse("regime:proposals"), {"proposal": opening.pk, "decision": "confirmed"})
    assert refused.status_code == 404
    assert (
        ada.post(
            f"/api/regime/proposals/{opening.pk}/decision",
            {"decision": "confirmed"},
            content_type="application/json",
        ).status_code
        == 403
    )
    opening.refresh_from_db()
    assert opening.status == Decision.OPEN
    decide_proposal(proposal=opening, decision=Decision.CONFIRMED, acting_user=assessed.morgan)
    # two months on, North has not corrected it: Bramley reaches the Department, which may now decide
    evaluate_regimes(as_of=date(2019, 7, 1))
    assert ExceptionAlert.objects.get().intervention.organisation == assessed.u2
    (escalation,) = _open(ProposalKind.ESCALATE_INTERVENTION)
    assert "Bramley Hospital" in ada.get(reverse("regime:proposals")).text
    decide_proposal(proposal=escalation, decision=Decision.CONFIRMED, acting_user=assessed.ada)
    assert Intervention.objects.get().level == "support"


def test_an_intervention_opened_on_a_months_last_day_reaches_the_department_on_time(assessed, ladder) -> None:
    # opened on 31 July, with the department alerted after two months open
    evaluate_regimes(as_of=date(2019, 7, 31))
    decide_proposal(
        proposal=_open(ProposalKind.OPEN_INTERVENTION)[0],
        decision=Decision.CONFIRMED,
        acting_user=assessed.morgan,
    )
    evaluate_regimes(as_of=date(2019, 9, 29))
    assert not ExceptionAlert.objects.exists()
    # on 30 September, the last day of the month, it has been open two months
    (report,) = evaluate_regimes(as_of=date(2019, 9, 30))
    assert report.alerts == 1
    assert ExceptionAlert.objects.get().months_open == 2


def test_an_intervention_whose_exit_criteria_are_met_is_proposed_for_closing(assessed, ladder) -> None:
    evaluate_regimes(as_of=AS_OF)
    decide_proposal(
        proposal=_open(ProposalKind.OPEN_INTERVENTION)[0],
        decision=Decision.CONFIRMED,
        acting_user=assessed.morgan,
    )
    # version 2 accepts 88% as recovery: Bramley meets it
    second = draft_rule_set(
        operator=assessed.dh,
        service=assessed.health,
        source=LADDER.replace("AE4H: {value: {at_least: 92}}", "AE4H: {value: {at_least: 88}}"),
        acting_user=assessed.ada,
    )
    publish_rule_set(rule_set=second, on=AS_OF, acting_user=assessed.ada)
    evaluate_regimes(as_of=AS_OF)
    (closing,) = _open(ProposalKind.CLOSE_INTERVENTION)
    assert closing.rule_set == second
    decide_proposal(proposal=closing, decision=Decision.CONFIRMED, acting_user=assessed.morgan)
    intervention = Intervention.objects.get()
    assert (intervention.status, intervention.closed_on) == (InterventionStatus.CLOSED, AS_OF)
    assert open_interventions([assessed.u2.pk], AS_OF) == {}
    assert list(open_interventions([assessed.u2.pk], date(2019, 4, 29))) == []


def test_the_ladder_pages_and_api_show_owner_exit_criteria_and_history_to_the_chain_only(
    assessed, ladder
) -> None:
    from django.test import Client
    from django.urls import reverse

    evaluate_regimes(as_of=AS_OF)
    decide_proposal(
        proposal=_open(ProposalKind.OPEN_INTERVENTION)[0],
        decision=Decision.CONFIRMED,
        acting_user=assessed.morgan,
    )
    evaluate_regimes(as_of=date(2019, 7, 1))
    intervention = Intervention.objects.get()

    def client(user=None) -> Client:
        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    listing = client(assessed.morgan).get(reverse("regime:interventions")).text
    assert "Bramley Hospital" in listing
    assert "AE4H: value at least 92" in listing
    detail = reverse("regime:intervention", args=[intervention.pk])
    assert "Department alerted" in client(assessed.morgan).get(detail).text
    assert client(assessed.morgan_of_south).get(detail).status_code == 404
    assert client(assessed.sam).get(detail).status_code == 404
    # the department sees the exception and the tier's record beside it; nobody else sees the page
    page = client(assessed.ada).get(reverse("regime:exceptions")).text
    assert "Bramley Hospital" in page
    assert "record in correcting performance" in page
    assert client(assessed.morgan).get(reverse("regime:exceptions")).status_code == 404
    body = client(assessed.ada).get("/api/regime/exceptions").json()
    assert [(a["intervention"]["organisation"], a["months_open"]) for a in body] == [("U2", 2)]
    assert client(assessed.morgan).get("/api/regime/exceptions").status_code == 403
    history = client(assessed.olga).get("/api/regime/interventions").json()
    assert [e["kind"] for e in history[0]["history"]] == ["opened", "alerted"]
    assert client(assessed.sam).get("/api/regime/interventions").json() == []


def test_the_public_reads_a_ladder_rule_in_words_with_its_exit_criteria(ladder) -> None:
    from django.test import Client
    from django.urls import reverse

    # when anyone opens the published ladder's page
    page = Client().get(reverse("regime:rule_set", args=[ladder.pk]))
    # then it reads the intervention, its first step, its review and what closes it
    assert page.status_code == 200
    assert "an intervention, starting at: Challenge; reviewed after 1 month and" in page.text
    assert "Closed when" in page.text
    assert "AE4H: value at least 92" in page.text
