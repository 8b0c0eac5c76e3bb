"""Dates of record: months counted in whole months, review dates moved on when an intervention is kept,
a review that is due always answered (a step proposed, or why not), and decisions recorded on the
database's reference date rather than the day the server runs."""

from __future__ import annotations

from datetime import date

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from localstat.core.clock import set_reference_date
from localstat.regime.choices import Decision, InterventionEventKind, ProposalKind
from localstat.regime.models import Intervention, Payment, Proposal
from localstat.regime.services import add_months, decide_payments, decide_proposal, evaluate_regimes
from localstat.regime.tests.conftest import AS_OF
from localstat.regime.tests.test_interventions import ladder  # noqa: F401  (the fixture, shared)


def _open(kind: str) -> list[Proposal]:
    return list(Proposal.objects.filter(kind=kind, status=Decision.OPEN).order_by("organisation__code"))


def test_adding_months_keeps_a_months_last_day_at_a_months_last_day() -> None:
    assert add_months(date(2019, 2, 28), 2) == date(2019, 4, 30)
    assert add_months(date(2019, 1, 31), 1) == date(2019, 2, 28)
    assert add_months(date(2020, 1, 31), 1) == date(2020, 2, 29)
    assert add_months(date(2019, 4, 30), -3) == date(2019, 1, 31)
    assert add_months(date(2018, 11, 30), 1) == date(2018, 12, 31)
    # a day that is not its month's last keeps its number, or the month's last day where it is shorter
    assert add_months(date(2020, 2, 28), 2) == date(2020, 4, 28)
    assert add_months(date(2019, 1, 30), 1) == date(2019, 2, 28)
    assert add_months(date(2019, 3, 15), -14) == date(2018, 1, 15)


def _opened(assessed) -> Intervention:
    evaluate_regimes(as_of=AS_OF)
    decide_proposal(
        proposal=_open(ProposalKind.OPEN_INTERVENTION)[0],
        decision=Decision.CONFIRMED,
        acting_user=assessed.morgan,
    )
    return Intervention.objects.get()


def test_keeping_an_intervention_at_its_level_moves_its_review_date_on(assessed, ladder) -> None:  # noqa: F811
    # Bramley's challenge, reviewed after a month, is due on 31 May and proposed one step up on 1 June
    intervention = _opened(assessed)
    assert intervention.review_on == date(2019, 5, 31)
    evaluate_regimes(as_of=date(2019, 6, 1))
    (escalation,) = _open(ProposalKind.ESCALATE_INTERVENTION)
    # when its manager keeps it at its level
    decide_proposal(
        proposal=escalation,
        decision=Decision.REJECTED,
        reason="Plan only weeks old",
        acting_user=assessed.morgan,
    )
    # then its next review is the rule's month on from the decision, in its history too
    intervention.refresh_from_db()
    assert (intervention.level, intervention.review_on) == ("challenge", date(2019, 7, 1))
    kept = intervention.events.get(kind=InterventionEventKind.KEPT)
    assert (kept.on, kept.review_on) == (date(2019, 6, 1), date(2019, 7, 1))
    # and it is not due in the meantime
    page = Client()
    page.force_login(assessed.morgan)
    assert "Due" not in page.get(reverse("regime:intervention", args=[intervention.pk])).text


def test_a_due_review_with_no_step_proposed_says_why(assessed, ladder) -> None:  # noqa: F811
    from localstat.assessment.models import Judgement

    intervention = _opened(assessed)
    # when Bramley's latest month has no value at the review date
    Judgement.objects.filter(organisation=assessed.u2, indicator__code="AE4H", is_current=True).update(
        value=None
    )
    evaluate_regimes(as_of=date(2019, 6, 1))
    assert _open(ProposalKind.ESCALATE_INTERVENTION) == []
    # then the intervention says why nothing is proposed, on its page and in the list
    intervention.refresh_from_db()
    assert "has no approved value for what the exit criteria test" in intervention.review_note
    morgan = Client()
    morgan.force_login(assessed.morgan)
    set_reference_date(date(2019, 6, 1), reason="test")
    detail = morgan.get(reverse("regime:intervention", args=[intervention.pk])).text
    assert "Due" in detail
    assert "has no approved value for what the exit criteria test" in detail
    assert (
        "has no approved value for what the exit criteria test"
        in morgan.get(reverse("regime:interventions")).text
    )
    (listed,) = morgan.get("/api/regime/interventions").json()
    assert "has no approved value for what the exit criteria test" in listed["review_note"]


def test_a_due_review_with_a_step_proposed_says_it_awaits_a_decision_and_no_note(assessed, ladder) -> None:  # noqa: F811
    intervention = _opened(assessed)
    evaluate_regimes(as_of=date(2019, 6, 1))
    intervention.refresh_from_db()
    assert intervention.review_note == ""
    set_reference_date(date(2019, 6, 1), reason="test")
    morgan = Client()
    morgan.force_login(assessed.morgan)
    assert "One step up proposed" in morgan.get(reverse("regime:interventions")).text


def test_decisions_and_payments_are_recorded_on_the_databases_reference_date(assessed, published) -> None:
    # a database built for 30 April 2019, decided on years later by the wall clock
    set_reference_date(AS_OF, reason="test")
    evaluate_regimes(as_of=AS_OF)
    proposal = Proposal.objects.filter(status=Decision.OPEN).first()
    assert proposal is not None
    decide_proposal(proposal=proposal, decision=Decision.CONFIRMED, acting_user=assessed.ada)
    payment = Payment.objects.filter(status=Decision.OPEN).first()
    assert payment is not None
    decide_payments(payments=[payment], decision=Decision.CONFIRMED, acting_user=assessed.ada)
    proposal.refresh_from_db()
    payment.refresh_from_db()
    assert timezone.localtime(proposal.decided_at).date() == AS_OF
    assert timezone.localtime(payment.decided_at).date() == AS_OF
    assert timezone.localtime(payment.created_at).date() == AS_OF
