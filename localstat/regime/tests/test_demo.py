"""The demo's consequences step on the real NHS A&E data: what issues 8 and 9 say it shows.

The Department publishes the default rules, the demo lives through October 2018 to April 2019 month by
month, Q70's manager decides its providers' ladder and the Department's analyst decides the freedoms,
rewards and payments; a stricter draft is backtested and left unpublished.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from localstat.assessment.models import AssessmentRun
from localstat.chain.access import NotPermitted
from localstat.demo.testing import module_demo
from localstat.framework import services as framework
from localstat.framework.choices import TargetKind
from localstat.framework.errors import FrameworkError
from localstat.framework.models import Indicator
from localstat.regime.choices import (
    Decision,
    FreedomBasis,
    InterventionEventKind,
    ProposalKind,
    RuleSetStatus,
)
from localstat.regime.demo import CHANGED_REASON, REJECTED_REASON, REPLAY
from localstat.regime.models import (
    ExceptionAlert,
    Freedom,
    Intervention,
    InterventionEvent,
    Payment,
    Proposal,
    RuleSet,
)
from localstat.regime.services import add_months, decide_proposal

pytestmark = pytest.mark.django_db
demo = module_demo(only=("regime",))


def _user(username: str):
    return get_user_model().objects.get(username=username)


def test_the_default_rules_propose_freedoms_with_evidence_and_the_demo_confirms_and_overrides_some(
    demo,
) -> None:
    published = RuleSet.objects.get(operator__code="DH", status=RuleSetStatus.PUBLISHED)
    grants = Proposal.objects.filter(rule_set=published, kind=ProposalKind.GRANT_FREEDOM)
    # every proposed freedom carries the rule set version, the run and the values the rule read
    assert grants.count() > 10
    assert all(p.run_id and any(key.startswith("AE4H::") for key in p.evidence) for p in grants)
    # at least one freedom is confirmed and stored as earned autonomy on top of the baseline
    confirmed = Freedom.objects.filter(basis=FreedomBasis.EARNED, proposal__status=Decision.CONFIRMED)
    assert confirmed.exists()
    assert Freedom.objects.filter(basis=FreedomBasis.BASELINE).count() >= 270
    # one is changed (six months, not twelve) and one rejected, each with its reason beside the proposal
    changed = Proposal.objects.get(status=Decision.CHANGED)
    assert changed.reason == CHANGED_REASON
    assert changed.granted_freedom.ends_on == add_months(changed.as_of, 6)
    assert changed.proposed["ends_on"] == add_months(changed.as_of, 12).isoformat()
    rejected = Proposal.objects.get(status=Decision.REJECTED, kind=ProposalKind.GRANT_FREEDOM)
    assert rejected.reason == REJECTED_REASON
    assert not Freedom.objects.filter(proposal=rejected).exists()


def test_a_unit_exempt_by_its_earned_freedom_cannot_be_given_a_new_ae_target(demo) -> None:
    freedom = (
        Freedom.objects.filter(
            kind="no_further_targets", exemption__isnull=False, ends_on__gt=date(2019, 4, 30)
        )
        .select_related("organisation")
        .first()
    )
    assert freedom is not None
    with pytest.raises(FrameworkError, match="exempt"):
        framework.assign_target(
            indicator=Indicator.objects.get(code="AE4H"),
            units=[freedom.organisation],
            set_by=freedom.operator,
            kind=TargetKind.FLOOR,
            level=96,
            deadline=date(2020, 3, 31),
            acting_user=_user("analyst"),
        )


def test_the_access_premium_is_computed_all_or_nothing_each_month_and_confirmed(demo) -> None:
    payments = Payment.objects.filter(rule_id="ae-access-premium")
    assert payments.filter(earned=True).exists()
    assert payments.filter(earned=False).exists()
    assert set(payments.filter(earned=True).values_list("amount_due", flat=True)) == {100000}
    assert set(payments.filter(earned=False).values_list("amount_due", flat=True)) == {0}
    assert not payments.filter(status=Decision.OPEN).exists()
    assert all("AE4H::value" in p.evidence for p in payments.filter(earned=True)[:20])


def test_the_demo_replays_month_by_month_and_escalates_an_intervention(demo) -> None:
    # an assessment run at each month end, and proposals made on each of them
    assert set(REPLAY) <= set(AssessmentRun.objects.values_list("as_of", flat=True))
    assert set(REPLAY) <= set(Proposal.objects.values_list("as_of", flat=True))
    # Q70's manager took at least one intervention a step up the ladder, on the evidence of a month
    escalated = InterventionEvent.objects.filter(kind=InterventionEventKind.ESCALATED)
    assert escalated.exists()
    assert {e.by.username for e in escalated} == {"manager.Q70"}
    assert all(e.evidence.get("AE4H::value") is not None for e in escalated)
    # and kept one at its level once, with the reason in its history
    assert InterventionEvent.objects.filter(kind=InterventionEventKind.KEPT).count() == 1


def test_the_department_hears_only_of_units_its_tier_did_not_correct_in_time(demo) -> None:
    alerts = list(ExceptionAlert.objects.select_related("intervention", "department"))
    assert alerts
    for alert in alerts:
        assert alert.department.code == "DH"
        assert alert.months_open >= alert.evidence["after_months"]
        assert alert.intervention.owner.code == "Q70"
    # no open intervention reached it before its time
    younger = Intervention.objects.filter(status="open", alert__isnull=True)
    assert all(add_months(i.opened_on, 4) > date(2019, 4, 30) for i in younger)
    # the page lists exactly the alerted units; Q70's manager may not read it
    analyst = Client()
    analyst.force_login(_user("analyst"))
    page = analyst.get(reverse("regime:exceptions")).text
    assert all(a.intervention.organisation.code in page for a in alerts)
    manager = Client()
    manager.force_login(_user("manager.Q70"))
    assert manager.get(reverse("regime:exceptions")).status_code == 404


def test_the_department_may_not_decide_the_ladder_of_a_unit_that_has_not_reached_it(demo) -> None:
    waiting = (
        Proposal.objects.filter(status=Decision.OPEN, kind=ProposalKind.OPEN_INTERVENTION)
        .exclude(organisation__chain_links__accountable_to__code="DH")
        .first()
    )
    assert waiting is not None
    with pytest.raises(NotPermitted):
        decide_proposal(proposal=waiting, decision=Decision.CONFIRMED, acting_user=_user("analyst"))


def test_a_stricter_draft_is_backtested_and_left_unpublished(demo) -> None:
    draft = RuleSet.objects.get(operator__code="DH", status=RuleSetStatus.DRAFT)
    assert "AE4H: {value: {below: 90}}" in draft.source
    assert "Backtested, not published" in draft.notes


def test_the_public_reads_the_rules_and_what_they_granted(demo) -> None:
    published = RuleSet.objects.get(operator__code="DH", status=RuleSetStatus.PUBLISHED)
    home = Client().get(reverse("regime:home")).text
    assert published.title.replace("&", "&amp;") in home
    page = Client().get(reverse("regime:rule_set", args=[published.pk])).text
    assert "What triggers what" in page
    granted = Freedom.objects.filter(rule_set=published, basis=FreedomBasis.EARNED).order_by(
        "organisation__code"
    )[0]
    assert granted.organisation.code in page
    # and never a draft
    draft = RuleSet.objects.get(operator__code="DH", status=RuleSetStatus.DRAFT)
    assert Client().get(reverse("regime:rule_set", args=[draft.pk])).status_code == 404


def test_each_decision_of_the_replay_carries_the_date_it_was_made_in_the_story(demo) -> None:
    from django.utils import timezone

    from localstat.core.clock import today

    decided = Proposal.objects.filter(status__in=[Decision.CONFIRMED, Decision.CHANGED, Decision.REJECTED])
    assert decided.exists()
    # every proposal was decided in the month it was made, on that month's end, not on the build's day
    assert all(timezone.localtime(p.decided_at).date() == p.as_of for p in decided)
    assert {p.as_of for p in decided} & set(REPLAY)
    # and the demo's own date is put back after the replay
    assert today() == date(2019, 4, 30)
    paid = Payment.objects.exclude(status=Decision.OPEN)
    assert {timezone.localtime(p.decided_at).date() for p in paid} == {date(2019, 4, 30)}


def test_every_open_intervention_past_its_review_has_a_step_proposed_or_says_why(demo) -> None:
    due = Intervention.objects.filter(status="open", review_on__lte=date(2019, 4, 30))
    for intervention in due:
        awaiting = intervention.proposals.filter(status=Decision.OPEN).exists()
        assert awaiting or intervention.review_note, intervention.organisation.code
    # the one kept at its level was given a new review date, after the day it was kept
    kept = InterventionEvent.objects.get(kind=InterventionEventKind.KEPT)
    assert kept.review_on > kept.on


def test_the_analyst_finds_the_demos_changed_and_rejected_proposals_among_the_decisions(demo) -> None:
    from django.utils.html import escape

    analyst = Client()
    analyst.force_login(_user("analyst"))
    url = reverse("regime:proposals")
    changed = Proposal.objects.get(status=Decision.CHANGED, reason=CHANGED_REASON)
    rejected = Proposal.objects.get(status=Decision.REJECTED, reason=REJECTED_REASON)
    # the first page puts the decisions with reasons first, among many more confirmed ones
    assert Proposal.objects.filter(status=Decision.CONFIRMED).count() > 50
    decided = analyst.get(url).text.split('id="decided"')[1]
    assert escape(CHANGED_REASON) in decided
    assert escape(REJECTED_REASON) in decided
    assert decided.index(changed.organisation.code) < decided.index("Confirmed</strong>")
    # narrowed to a decision and a rule
    only_rejected = analyst.get(url, {"decision": "rejected"}).text.split('id="decided"')[1]
    assert escape(REJECTED_REASON) in only_rejected
    assert escape(CHANGED_REASON) not in only_rejected
    by_rule = analyst.get(url, {"decided_rule": rejected.rule_id}).text.split('id="decided"')[1]
    assert escape(REJECTED_REASON) in by_rule
    assert escape(CHANGED_REASON) not in by_rule
    # every confirmed decision can be reached a page at a time
    confirmed = Proposal.objects.filter(status=Decision.CONFIRMED).count()
    pages = -(-confirmed // 50)
    last = analyst.get(url, {"decision": "confirmed", "page": pages}).text
    assert f"page {pages} of {pages}" in last
    # a decision that does not exist is refused with what there is, not an empty list
    refused = analyst.get(url, {"decision": "granted"}).text
    assert "There is no decision &#x27;granted&#x27; to show" in refused
