from __future__ import annotations

import pytest
from django.test import Client

from localstat.assessment.services import run_assessment


@pytest.fixture
def run(assessed):
    return run_assessment(acting_user=None)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_judgements_are_filtered_to_the_units_you_may_see(
    assessed, run, django_assert_max_num_queries
) -> None:
    client = _client(assessed.morgan)
    with django_assert_max_num_queries(8):
        body = client.get("/api/assessment/judgements", {"indicator": "AE4H"}).json()
    assert {j["organisation"] for j in body} == {"U1", "U2", "AN"}
    everyone = (
        _client(assessed.ada)
        .get("/api/assessment/judgements", {"variation": "special_cause_improvement"})
        .json()
    )
    assert "U1" in {j["organisation"] for j in everyone}
    assert all(j["variation"] == "special_cause_improvement" for j in everyone)


def test_one_judgement_comes_with_its_evidence_and_reasons(assessed, run) -> None:
    body = _client(assessed.sam).get("/api/assessment/judgements/U1/AE4H").json()
    assert body["evidence"]["numerator"] == 9380.0
    assert body["reasons"][0] == "In March 2019 the value was 93.8% (95% confidence interval 93.3% to 94.3%)."


def test_another_units_judgement_is_not_found_and_anonymous_is_refused(assessed, run) -> None:
    assert _client(assessed.sam).get("/api/assessment/judgements/U2/AE4H").status_code == 404
    assert Client().get("/api/assessment/judgements").status_code == 401
    assert _client(assessed.morgan).get("/api/assessment/runs").status_code == 403
    assert _client(assessed.ada).get("/api/assessment/runs").json()[0]["id"] == run.pk


def test_judgements_come_a_page_at_a_time_with_the_whole_count(assessed, run) -> None:
    client = _client(assessed.ada)
    everything = client.get("/api/assessment/judgements").json()
    first = client.get("/api/assessment/judgements", {"limit": 2})
    assert first.json() == everything[:2]
    assert first["X-Total-Count"] == str(len(everything))
    assert 'offset=2>; rel="next"' in first["Link"]
    rest = client.get("/api/assessment/judgements", {"limit": 2, "offset": 2}).json()
    assert rest == everything[2:4]
    filtered = client.get("/api/assessment/judgements", {"indicator": "AE4H", "limit": 1})
    assert [j["indicator"] for j in filtered.json()] == ["AE4H"]
    refused = client.get("/api/assessment/judgements", {"limit": 5001})
    assert refused.status_code == 422
    assert refused.json()["detail"] == "limit must be 1 to 5000 and offset 0 or more"
