"""The public sees what the rules granted, never values the publication has not released yet.

The ``assessed`` A&E returns are approved and judged, and no release contains them: the evidence a
rule read from those judgements stays with the people in the unit's chain (ARCHITECTURE: the public
sees released data only).
"""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from localstat.publication.models import Release, ReleasedValue
from localstat.regime.choices import Decision
from localstat.regime.models import Payment, Proposal
from localstat.regime.services import decide_payments, decide_proposal, evaluate_regimes
from localstat.regime.tests.conftest import AS_OF


def _client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _numbers(evidence: Any) -> set[str]:
    """Every value the engine recorded, written as the pages write them (one decimal place)."""
    if isinstance(evidence, dict):
        return set().union(*(_numbers(v) for v in evidence.values())) if evidence else set()
    if isinstance(evidence, list):
        return set().union(*(_numbers(v) for v in evidence)) if evidence else set()
    try:
        number = float(evidence)
    except (TypeError, ValueError):
        return set()
    return set() if number.is_integer() else {f"{number:.1f}"}


def _grant_everything(assessed: Any) -> set[str]:
    evaluate_regimes(as_of=AS_OF)
    for proposal in Proposal.objects.filter(status=Decision.OPEN).order_by("pk"):
        decide_proposal(
            proposal=proposal,
            decision=Decision.CHANGED if proposal.rule_id == "grant" else Decision.CONFIRMED,
            amount=40000 if proposal.rule_id == "grant" else None,
            reason="Half the improvement is recent" if proposal.rule_id == "grant" else "",
            acting_user=assessed.ada,
        )
    decide_payments(
        payments=list(Payment.objects.all()), decision=Decision.CONFIRMED, acting_user=assessed.ada
    )
    values: set[str] = set()
    for evidence in [
        *Proposal.objects.values_list("evidence", flat=True),
        *Payment.objects.values_list("evidence", flat=True),
    ]:
        values |= _numbers(evidence)
    return values


def _public_texts(published: Any, client: Client) -> dict[str, str]:
    periods = sorted({p.isoformat() for p in Payment.objects.values_list("period", flat=True)})
    urls = [
        reverse("regime:home"),
        reverse("regime:rule_set", args=[published.pk]),
        *(f"{reverse('regime:payments')}?period={period}" for period in periods),
        *(reverse("regime:organisation", args=[code]) for code in ("U1", "U2", "U3", "U4")),
        "/api/regime/rule-sets",
        "/api/regime/freedoms",
        "/api/regime/rewards",
        "/api/regime/payments",
        *(f"/api/regime/payments?period={period}" for period in periods),
    ]
    pages = {url: client.get(url) for url in urls}
    assert {url: r.status_code for url, r in pages.items()} == dict.fromkeys(urls, 200)
    return {url: r.content.decode() for url, r in pages.items()}


def test_a_value_approved_and_judged_but_not_released_never_appears_on_a_public_regime_page(
    assessed, published
) -> None:
    # given approved, judged A&E values that no release contains, and everything the rules proposed decided
    assert not Release.objects.exists()
    assert not ReleasedValue.objects.exists()
    unreleased = _grant_everything(assessed)
    assert "98.6" in unreleased  # Denton's level, which fired the freedom and the payments
    # when the public reads every regime page and public endpoint
    texts = _public_texts(published, _client())
    # then each shows what was granted, to whom, under which rule and version, and the decision's reason
    assert "Denton Hospital" in texts[reverse("regime:organisation", args=["U4"])]
    assert (
        "No further A&amp;E targets (Health rules, version 1, rule no-further-targets)"
        in texts[reverse("regime:organisation", args=["U4"])]
    )
    assert "Half the improvement is recent" in texts[reverse("regime:organisation", args=["U1"])]
    # and no value the rules read from the unreleased judgements
    leaks = {url: sorted(v for v in unreleased if v in text) for url, text in texts.items()}
    assert {url: found for url, found in leaks.items() if found} == {}


def test_someone_signed_in_outside_the_chain_sees_no_more_than_the_public(assessed, published) -> None:
    unreleased = _grant_everything(assessed)
    # Olga works outside the Health chain; Sam submits for Ashford, not Denton
    for outsider in (assessed.olga, assessed.sam):
        texts = _public_texts(published, _client(outsider))
        assert [v for v in unreleased if v in texts[reverse("regime:organisation", args=["U4"])]] == []
        for url in ("/api/regime/payments", f"{reverse('regime:payments')}?period=2019-03-01"):
            assert "98.6" not in texts[url]


def test_the_people_in_the_chain_still_read_the_full_evidence(assessed, published) -> None:
    _grant_everything(assessed)
    ada = _client(assessed.ada)
    assert "98.6" in ada.get(reverse("regime:organisation", args=["U4"])).text
    assert "98.6" in ada.get(reverse("regime:freedoms")).text
    assert "98.6" in ada.get(reverse("regime:payments"), {"period": "2019-03-01"}).text
    body = ada.get("/api/regime/payments", {"unit": "U4", "period": "2019-03-01"}).json()
    assert body[0]["evidence"] != {}
