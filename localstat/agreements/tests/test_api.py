"""The agreements' API: the same services and permissions as the pages."""

from __future__ import annotations

from typing import Any

from django.test import Client

from localstat.agreements.models import Negotiation
from localstat.agreements.tests.conftest import agree_and_sign, propose_ae

TARGET = {"indicator": "AE4H", "level": 95, "deadline": "2020-03-31", "responsible_officer": "Dr Patel"}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, url: str, body: dict) -> Any:
    return client.post(url, body, content_type="application/json")


def test_a_negotiation_runs_from_proposal_to_signed_over_the_api(assessed: Any) -> None:
    uma, morgan = _client(assessed.uma), _client(assessed.morgan)
    response = _post(
        uma,
        "/api/agreements/negotiations",
        {
            "proposer": "U1",
            "service": "health",
            "title": "Evening waits",
            "targets": [TARGET | {"level": 96.5}],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["steps"][0]["targets"][0]["verdict"] == "not_achievable_without_plan"
    assert round(body["steps"][0]["targets"][0]["reach_limit"], 3) == 95.396
    url = f"/api/agreements/negotiations/{body['id']}"
    assert (
        _post(morgan, f"{url}/steps", {"kind": "challenge", "comment": "What would change?"}).status_code
        == 201
    )
    assert (
        _post(uma, f"{url}/steps", {"kind": "revision", "comment": "95%", "targets": [TARGET]}).status_code
        == 201
    )
    agreed = _post(
        morgan,
        f"{url}/steps",
        {
            "kind": "agreement",
            "style_of_relationship": "Monthly",
            "triggers": "Two months off",
            "escalation": "Area",
            "job_title": "Director",
        },
    )
    assert agreed.json()["status"] == "awaiting_signatures"
    signed = _post(uma, f"{url}/signatures", {"side": "proposer", "job_title": "Chief Executive"})
    assert signed.status_code == 201
    assert signed.json()["status"] == "agreed"
    assert signed.json()["steps"][2]["targets"][0]["target"].startswith("AN-AE4H-")
    trajectories = morgan.get("/api/agreements/organisations/U1/trajectories?as_of=2019-04-30").json()
    assert [t["signed_off"] for t in trajectories] == [False]


def test_the_api_refuses_with_the_services_words_and_the_chains_rules(assessed: Any) -> None:
    uma = _client(assessed.uma)
    bad = _post(
        uma,
        "/api/agreements/negotiations",
        {"proposer": "U1", "service": "health", "title": "x", "targets": [TARGET | {"level": 120}]},
    )
    assert bad.status_code == 400
    assert "a level of 120 is impossible" in bad.json()["detail"]
    refused = _post(
        _client(assessed.sam),
        "/api/agreements/negotiations",
        {"proposer": "U1", "service": "health", "title": "x", "targets": [TARGET]},
    )
    assert refused.status_code == 403
    negotiation = propose_ae(assessed)
    assert _client(assessed.olga).get(f"/api/agreements/negotiations/{negotiation.pk}").status_code == 404
    challenge = _post(
        _client(assessed.uma),
        f"/api/agreements/negotiations/{negotiation.pk}/steps",
        {"kind": "challenge", "comment": "x"},
    )
    assert challenge.status_code == 403
    assert Client().get("/api/agreements/negotiations").status_code == 401
    assert Negotiation.objects.count() == 1


def test_checks_can_be_seen_before_proposing_and_record_nothing(assessed: Any) -> None:
    response = _post(
        _client(assessed.uma),
        "/api/agreements/checks",
        {"unit": "U1", "targets": [TARGET | {"level": 88.0}, TARGET | {"level": 95.0}]},
    )
    assert [c["verdict"] for c in response.json()] == ["not_stretching", "stretching"]
    assert Negotiation.objects.count() == 0


def test_accountability_and_the_gaps_over_the_api(assessed: Any) -> None:
    agree_and_sign(assessed, propose_ae(assessed, level=95, plan=""))
    morgan = _client(assessed.morgan)
    record = morgan.get("/api/agreements/organisations/U1/accountability").json()
    assert (record["goals"], record["complete"], record["without_plan"]) == (1, 0, 1)
    gaps = morgan.get("/api/agreements/goals/lacking").json()
    assert [g["missing"] for g in gaps] == [["an action plan"]]
    rows = morgan.get("/api/agreements/export").json()
    assert rows[0]["status"] == "agreed"
