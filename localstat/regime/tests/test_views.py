"""The regime's pages: public rules and grants, the operator's rules, proposals and payments, a unit's own."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from localstat.regime.choices import Decision
from localstat.regime.models import Freedom, Payment, Proposal, RuleSet
from localstat.regime.services import decide_payments, decide_proposal, evaluate_regimes
from localstat.regime.tests.conftest import AS_OF, RULES


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_the_public_reads_published_rules_and_what_they_granted_without_signing_in(
    assessed, published, django_assert_max_num_queries
) -> None:
    evaluate_regimes(as_of=AS_OF)
    (proposal,) = Proposal.objects.filter(rule_id="no-further-targets")
    decide_proposal(proposal=proposal, decision=Decision.CONFIRMED, acting_user=assessed.ada)
    decide_payments(
        payments=list(Payment.objects.all()), decision=Decision.CONFIRMED, acting_user=assessed.ada
    )
    with django_assert_max_num_queries(12):
        home = _client().get(reverse("regime:home"))
    assert home.status_code == 200
    assert "Health rules" in home.text
    page = _client().get(reverse("regime:rule_set", args=[published.pk])).text
    # the rules in words, the YAML as written, and what they granted
    assert "AE4H: value at least 95" in page
    assert "id: no-further-targets" in page
    assert "Denton Hospital" in page
    payments = _client().get(reverse("regime:payments")).text
    assert "Denton Hospital" in payments
    assert "£100,000" in payments


def test_a_draft_is_seen_only_by_its_operator(assessed, run) -> None:
    from localstat.regime.services import draft_rule_set

    draft = draft_rule_set(
        operator=assessed.dh, service=assessed.health, source=RULES, acting_user=assessed.ada
    )
    url = reverse("regime:rule_set", args=[draft.pk])
    assert _client().get(url).status_code == 404
    assert _client(assessed.morgan).get(url).status_code == 404
    assert "Publish version 1" in _client(assessed.ada).get(url).text


def test_the_operator_previews_saves_and_publishes_rules_from_the_page(assessed, run) -> None:
    client = _client(assessed.ada)
    url = reverse("regime:edit", args=["DH", "health"])
    # a preview says what would trigger and writes nothing
    preview = client.post(url, {"source": RULES, "preview": "1"})
    assert "U4" in preview.text
    assert not RuleSet.objects.exists()
    # bad rules are refused with the key that is wrong, and the text typed is kept
    bad = RULES.replace("at_least: 95}}\n      periods", "at_leest: 95}}\n      periods")
    refused = client.post(url, {"source": bad, "save": "1"})
    assert "unknown key &#x27;at_leest&#x27;" in refused.text
    assert "at_leest" in refused.text
    assert not RuleSet.objects.exists()
    # saving makes draft version 1, publishing puts it in force
    saved = client.post(url, {"source": RULES, "notes": "First rules", "save": "1"})
    record = RuleSet.objects.get()
    assert saved.url == reverse("regime:rule_set", args=[record.pk])
    client.post(reverse("regime:publish", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == "published"
    # and nobody else may write or publish the department's rules
    assert _client(assessed.morgan).get(url).status_code == 404


def test_the_operator_decides_proposals_on_the_page_and_a_refusal_keeps_what_was_typed(
    assessed, published, django_assert_max_num_queries
) -> None:
    evaluate_regimes(as_of=AS_OF)
    client = _client(assessed.ada)
    url = reverse("regime:proposals")
    with django_assert_max_num_queries(14):
        page = client.get(url)
    assert "No further A&amp;E targets" in page.text
    assert "AE4H last 6 periods" in page.text
    letter = Proposal.objects.get(rule_id="letter")
    refused = client.post(url, {"proposal": letter.pk, "decision": "rejected", "reason": ""})
    assert "Say why the proposal is rejected" in refused.text
    assert Proposal.objects.get(pk=letter.pk).status == Decision.OPEN
    client.post(url, {"proposal": letter.pk, "decision": "rejected", "reason": "Too early to tell"})
    assert Proposal.objects.get(pk=letter.pk).reason == "Too early to tell"
    # Morgan could operate North's own rules, but does not decide the Department's; Sam decides nothing
    assert "Improvement grant" not in _client(assessed.morgan).get(url).text
    assert _client(assessed.sam).get(url).status_code == 404


def test_a_unit_sees_its_freedoms_and_rewards_and_why(assessed, published) -> None:
    evaluate_regimes(as_of=AS_OF)
    grant = Proposal.objects.get(rule_id="no-further-targets")
    decide_proposal(proposal=grant, decision=Decision.CONFIRMED, acting_user=assessed.ada)
    page = _client().get(reverse("regime:organisation", args=["U4"])).text
    assert "No further A&amp;E targets" in page
    assert "Local choice of delivery methods" in page
    assert "No further targets can be set on AE4H" in page
    # Ashford's open proposals show to its own people, not to the public or another unit
    own = _client(assessed.uma).get(reverse("regime:organisation", args=["U1"])).text
    assert "Proposals awaiting decision" in own
    assert (
        "Proposals awaiting decision" not in _client().get(reverse("regime:organisation", args=["U1"])).text
    )
    assert (
        "Proposals awaiting decision"
        not in _client(assessed.olga).get(reverse("regime:organisation", args=["U1"])).text
    )


def test_the_freedoms_page_lists_earned_freedoms_in_the_chain_you_see(assessed, published) -> None:
    evaluate_regimes(as_of=AS_OF)
    decide_proposal(
        proposal=Proposal.objects.get(rule_id="no-further-targets"),
        decision=Decision.CONFIRMED,
        acting_user=assessed.ada,
    )
    assert "Denton Hospital" in _client(assessed.ada).get(reverse("regime:freedoms")).text
    assert "Denton Hospital" not in _client(assessed.morgan).get(reverse("regime:freedoms")).text
    assert Freedom.objects.filter(basis="earned").count() == 1


def test_payments_are_confirmed_a_period_at_a_time_and_hidden_from_the_public_until_decided(
    assessed, published
) -> None:
    evaluate_regimes(as_of=AS_OF)
    march = Payment.objects.filter(period="2019-03-01")
    assert "Denton" not in _client().get(reverse("regime:payments")).text
    client = _client(assessed.ada)
    page = client.get(reverse("regime:payments"), {"period": "2019-03-01"})
    assert "Confirm the 4 computed payments of March 2019" in page.text
    client.post(
        reverse("regime:payments") + "?period=2019-03-01",
        {"payment": [p.pk for p in march], "decision": "confirmed"},
    )
    assert set(march.values_list("status", flat=True)) == {Decision.CONFIRMED}
    assert "Denton" in _client().get(reverse("regime:payments"), {"period": "2019-03-01"}).text


def test_a_payment_or_proposal_chosen_by_something_not_a_number_is_refused_and_nothing_changes(
    assessed, published
) -> None:
    evaluate_regimes(as_of=AS_OF)
    client = _client(assessed.ada)
    page = client.post(reverse("regime:payments"), {"payment": ["abc"], "decision": "confirmed"})
    assert page.status_code == 200
    assert "Payments are chosen by number; &#x27;abc&#x27; is not one." in page.text
    assert (
        client.post(reverse("regime:proposals"), {"proposal": "abc", "decision": "confirmed"}).status_code
        == 404
    )
    assert not Payment.objects.exclude(status=Decision.OPEN).exists()
    assert not Proposal.objects.exclude(status=Decision.OPEN).exists()


def test_payments_already_decided_are_named_as_such_not_silently_dropped(assessed, published) -> None:
    evaluate_regimes(as_of=AS_OF)
    march = list(Payment.objects.filter(period="2019-03-01"))
    decide_payments(payments=march[:1], decision=Decision.CONFIRMED, acting_user=assessed.ada)
    # when Ada confirms the period's list from a page loaded before that decision
    page = _client(assessed.ada).post(
        reverse("regime:payments") + "?period=2019-03-01",
        {"payment": [p.pk for p in march], "decision": "confirmed"},
    )
    # then she is told one was already decided, and the others stay open
    assert "1 of these payments was already decided" in page.text
    assert Payment.objects.filter(period="2019-03-01", status=Decision.OPEN).count() == len(march) - 1


def test_a_manager_cannot_decide_payments_outside_his_chain_from_the_page(assessed, published) -> None:
    evaluate_regimes(as_of=AS_OF)
    # Denton (U4) is South's; Morgan manages North only, and the Department's rules are not his
    denton = Payment.objects.filter(organisation=assessed.u4).first()
    page = _client(assessed.morgan).post(
        reverse("regime:payments"), {"payment": [denton.pk], "decision": "confirmed"}
    )
    assert page.status_code in (200, 404)
    assert Payment.objects.get(pk=denton.pk).status == Decision.OPEN
