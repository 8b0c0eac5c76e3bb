"""The regime over the API: the same permissions and errors as the pages."""

from __future__ import annotations

from django.test import Client

from localstat.regime.choices import Decision
from localstat.regime.models import Payment, Proposal, RuleSet
from localstat.regime.services import evaluate_regimes
from localstat.regime.tests.conftest import AS_OF, RULES


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_published_rules_freedoms_and_rewards_are_public(assessed, published) -> None:
    body = _client().get("/api/regime/rule-sets").json()
    assert [(r["operator"], r["version"], r["status"]) for r in body] == [("DH", 1, "published")]
    freedoms = _client().get("/api/regime/freedoms", {"unit": "U1"}).json()
    assert [f["kind"] for f in freedoms] == ["local_delivery_methods"]
    assert _client().get("/api/regime/proposals").status_code == 401


def test_rules_are_drafted_previewed_and_published_by_their_operator_only(assessed, run) -> None:
    payload = {"operator": "DH", "service": "health", "source": RULES}
    assert (
        _client(assessed.morgan)
        .post("/api/regime/rule-sets", payload, content_type="application/json")
        .status_code
        == 403
    )
    bad = _client(assessed.ada).post(
        "/api/regime/rule-sets", {**payload, "source": "rules: 3"}, content_type="application/json"
    )
    assert bad.status_code == 400
    assert "title" in bad.json()["detail"] or "rules" in bad.json()["detail"]
    preview = _client(assessed.ada).post("/api/regime/preview", payload, content_type="application/json")
    assert preview.json()["triggered"]["no-further-targets"] == ["U4"]
    assert not RuleSet.objects.exists()
    created = _client(assessed.ada).post("/api/regime/rule-sets", payload, content_type="application/json")
    assert created.status_code == 201
    draft = created.json()["id"]
    assert _client().get(f"/api/regime/rule-sets/{draft}").status_code == 404
    published = _client(assessed.ada).post(f"/api/regime/rule-sets/{draft}/publish")
    assert published.json()["status"] == "published"


def test_proposals_are_decided_over_the_api_with_the_pages_rules(assessed, published) -> None:
    evaluate_regimes(as_of=AS_OF)
    grant = Proposal.objects.get(rule_id="no-further-targets")
    url = f"/api/regime/proposals/{grant.pk}/decision"
    # Uma sees the proposal about her unit? No: Denton is not hers
    assert (
        _client(assessed.uma)
        .post(url, {"decision": "confirmed"}, content_type="application/json")
        .status_code
        == 404
    )
    assert (
        _client(assessed.ada).post(url, {"decision": "rejected"}, content_type="application/json").status_code
        == 400
    )
    body = (
        _client(assessed.ada)
        .post(
            url,
            {"decision": "changed", "ends_on": "2019-12-31", "reason": "Till Christmas"},
            content_type="application/json",
        )
        .json()
    )
    assert (body["status"], body["decided"], body["reason"]) == (
        "changed",
        {"ends_on": "2019-12-31"},
        "Till Christmas",
    )
    assert any("AE4H" in line for line in body["reasons"])
    listed = _client(assessed.uma).get("/api/regime/proposals", {"unit": "U1"}).json()
    assert {p["rule_id"] for p in listed} == {"letter", "grant"}


def test_payments_are_public_once_decided_and_decided_by_the_operator(assessed, published) -> None:
    evaluate_regimes(as_of=AS_OF)
    assert _client().get("/api/regime/payments").json() == []
    ids = list(Payment.objects.filter(period="2019-03-01").values_list("pk", flat=True))
    payload = {"payments": ids, "decision": "confirmed"}
    assert _client(assessed.morgan).post(
        "/api/regime/payments/decision", payload, content_type="application/json"
    ).status_code in (403, 404)
    decided = (
        _client(assessed.ada)
        .post("/api/regime/payments/decision", payload, content_type="application/json")
        .json()
    )
    assert {p["status"] for p in decided} == {Decision.CONFIRMED}
    public = _client().get("/api/regime/payments", {"period": "2019-03-01"}).json()
    assert {(p["organisation"], p["amount_paid"]) for p in public if p["earned"]} == {("U4", "100000.00")}


def test_a_status_filter_that_names_no_status_is_refused_with_the_statuses_there_are(
    assessed, published
) -> None:
    evaluate_regimes(as_of=AS_OF)
    ada = _client(assessed.ada)
    refused = ada.get("/api/regime/proposals", {"status": "awaiting"})
    assert refused.status_code == 400
    assert refused.json()["detail"] == (
        "status: 'awaiting' is not a status; use one of open, confirmed, changed, rejected, lapsed."
    )
    assert ada.get("/api/regime/proposals", {"status": "open"}).json()
    assert _client().get("/api/regime/payments", {"status": "paid"}).status_code == 400
    assert ada.get("/api/regime/interventions", {"status": "opened"}).status_code == 400
