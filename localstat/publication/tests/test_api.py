"""The read-only public API serves the published releases only."""

from datetime import UTC, date, datetime

from django.test import Client
from ninja.testing import TestClient

from localstat.api.publication import router
from localstat.assessment.services import run_assessment
from localstat.publication.services import schedule_release

LATER = datetime(2019, 5, 30, 9, 30, tzinfo=UTC)


def test_releases_list_the_published_and_the_announced_but_only_published_ones_have_data(
    with_context, published
) -> None:
    schedule_release(service=with_context.health, title="May 2019", publish_at=LATER, acting_user=None)
    api = TestClient(router)
    releases = api.get("/releases").json()
    assert [(r["number"], r["status"], r["judgements"]) for r in releases] == [
        (2, "scheduled", None),
        (1, "published", published.judgements),
    ]
    assert api.get("/releases/health/1").json()["url"] == "/releases/health/1/"
    assert api.get("/releases/health/2").status_code == 404


def test_units_indicators_values_judgements_and_league_tables(published) -> None:
    api = TestClient(router)
    assert [u["code"] for u in api.get("/units").json()] == ["U1", "U2", "U3", "U4"]
    assert [u["code"] for u in api.get("/units?q=ashf").json()] == ["U1"]
    unit = api.get("/units/U1").json()
    assert unit["area_code"] == "AN"
    assert [p["code"] for p in unit["peers"]] == ["U2", "U3", "U4"]
    assert unit["judgements"][0]["value"] == 93.8
    assert api.get("/units/NOPE").status_code == 404

    (indicator,) = api.get("/indicators").json()
    assert (indicator["code"], indicator["polarity"], indicator["units"]) == ("AE4H", "higher", 4)

    values = api.get("/values?service=health&unit=U1&limit=5&offset=20").json()
    assert [v["period_start"] for v in values] == ["2018-12-01", "2019-01-01", "2019-02-01", "2019-03-01"]
    judgements = api.get("/judgements?service=health&area=AS").json()
    assert {j["organisation_code"] for j in judgements} == {"U3", "U4"}
    league = api.get("/league-tables/AE4H").json()
    assert [(r["unit_code"], r["rank"], r["best_rank"], r["worst_rank"]) for r in league] == [
        ("U4", 1, 1, 1),
        ("U1", 2, 2, 2),
        ("U3", 3, 3, 3),
        ("U2", 4, 4, 4),
    ]


def test_bad_paging_and_unknown_services_are_refused_clearly(published) -> None:
    api = TestClient(router)
    response = api.get("/values?service=health&limit=0")
    assert response.status_code == 422
    assert "limit must be 1 to 5000" in response.json()["detail"]
    assert api.get("/values?service=nowhere").json() == {
        "detail": "No published release of service 'nowhere'"
    }


def test_nothing_is_served_before_the_first_release(with_context) -> None:
    run_assessment(as_of=date(2019, 4, 30), acting_user=None, trigger="test")
    api = TestClient(router)
    assert api.get("/units").json() == []
    assert api.get("/values?service=health").status_code == 404
    assert api.get("/units/U1").status_code == 404


def test_lists_say_the_whole_count_and_link_to_the_next_page(published) -> None:
    client = Client()
    first = client.get("/api/public/values?service=health&unit=U1&limit=10")
    assert len(first.json()) == 10
    assert first["X-Total-Count"] == "24"
    assert first["Link"] == (
        '<http://testserver/api/public/values?service=health&unit=U1&limit=10&offset=10>; rel="next"'
    )
    last = client.get("/api/public/values?service=health&unit=U1&limit=10&offset=20")
    assert len(last.json()) == 4
    assert last["X-Total-Count"] == "24"
    assert "Link" not in last
    units = client.get("/api/public/units?limit=3")
    assert (len(units.json()), units["X-Total-Count"]) == (3, "4")
    assert "offset=3" in units["Link"]
