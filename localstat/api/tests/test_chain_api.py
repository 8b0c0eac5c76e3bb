from __future__ import annotations

import json
from pathlib import Path

from django.test import Client

from localstat.api.urls import api

DOCS = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"


def test_the_units_endpoint_lists_units_with_their_manager(scenario, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(3):
        response = Client().get("/api/units", {"service": "health"})
    assert response.status_code == 200
    assert {(u["code"], u["performance_manager"]) for u in response.json()} == {
        ("U1", "AN"),
        ("U2", "AN"),
        ("U3", "AS"),
        ("U4", "AS"),
    }


def test_an_unknown_service_is_a_clear_404(scenario) -> None:
    response = Client().get("/api/units", {"service": "astrology"})
    assert response.status_code == 404
    assert "astrology" in response.json()["detail"]


def test_an_organisation_shows_its_place_in_each_chain(scenario) -> None:
    body = Client().get("/api/organisations/LA1").json()
    assert body["name"] == "Eastshire Council"
    assert body["places"] == [
        {
            "service": "education",
            "role": "intermediate_tier",
            "accountable_to": "DFE",
            "valid_from": "2016-04-01",
        }
    ]


def test_the_committed_openapi_schema_matches_the_code() -> None:
    committed = json.loads(DOCS.read_text())
    assert committed == json.loads(json.dumps(api.get_openapi_schema(), sort_keys=True))
