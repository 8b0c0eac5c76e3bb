"""The JSON API: per-unit bearer tokens, the same import service, clear errors, background pushes."""

from __future__ import annotations

import pytest
from django.test import Client

from localstat.returns.models import ImportJob, Observation
from localstat.returns.services import create_unit_token, revoke_unit_token

MARCH = [
    {"unit": "U1", "indicator": "AE4H_T1", "period": "2019-03-01", "numerator": 900, "denominator": 1000},
    {"unit": "U1", "indicator": "ADM", "period": "2019-03-01", "numerator": 250},
]


def _push(key: str | None, values: list[dict], **body: object):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return Client().post(
        "/api/returns/values", {"values": values, **body}, content_type="application/json", **headers
    )


@pytest.fixture
def u1_key(ret) -> str:
    return create_unit_token(unit=ret.u1, name="Ashford's EPR", acting_user=None)[1]


def test_a_units_system_pushes_its_values_with_its_token(ret, u1_key) -> None:
    response = _push(u1_key, MARCH)
    assert response.status_code == 200
    assert response.json()["summary"] == "3 new, 0 changed, 0 unchanged"
    # the same push again writes nothing
    assert _push(u1_key, MARCH).json()["summary"] == "0 new, 0 changed, 3 unchanged"


def test_another_units_token_may_not_push_for_it(ret, u1_key) -> None:
    u2_key = create_unit_token(unit=ret.u2, acting_user=None)[1]
    response = _push(u2_key, MARCH)
    assert response.status_code == 422
    assert [e["message"] for e in response.json()["errors"]] == [
        "values[0].unit: this token submits returns for U2 only",
        "values[1].unit: this token submits returns for U2 only",
    ]
    assert Observation.objects.count() == 0


@pytest.mark.parametrize("key", [None, "ls_not-a-real-token"])
def test_no_token_or_a_wrong_one_is_401(ret, key) -> None:
    assert _push(key, MARCH).status_code == 401


def test_a_revoked_token_stops_working(ret) -> None:
    token, key = create_unit_token(unit=ret.u1, acting_user=None)
    revoke_unit_token(token=token, acting_user=None)
    assert _push(key, MARCH).status_code == 401


def test_bad_values_are_listed_and_nothing_is_written(ret, u1_key) -> None:
    values = [{**MARCH[0], "numerator": 1200}, {**MARCH[1], "indicator": "NOPE"}]
    response = _push(u1_key, values)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["numerator", "indicator"]
    assert Observation.objects.count() == 0
    # malformed JSON is refused by the schema before it reaches the service
    assert _push(u1_key, [{"unit": "U1"}]).status_code == 422


def test_only_a_unit_manager_or_administrator_makes_tokens(ret) -> None:
    from localstat.chain.access import NotPermitted

    with pytest.raises(NotPermitted):
        create_unit_token(unit=ret.u1, acting_user=ret.sam)
    with pytest.raises(NotPermitted):
        create_unit_token(unit=ret.u2, acting_user=ret.uma)
    assert create_unit_token(unit=ret.u1, acting_user=ret.uma)[0].unit == ret.u1


def test_a_large_push_runs_in_the_background_and_reports_its_job(ret, u1_key, settings) -> None:
    settings.LOCALSTAT_ASYNC_ROWS = 1
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    response = _push(u1_key, MARCH)
    assert response.status_code == 202
    job_id = response.json()["id"]
    assert response.json()["status"] == "queued"
    from localstat.returns.jobs import run_job

    run_job(job_id)
    job = Client().get(f"/api/returns/jobs/{job_id}", HTTP_AUTHORIZATION=f"Bearer {u1_key}").json()
    assert (job["status"], job["written"], job["summary"]) == ("done", 2, "3 new, 0 changed, 0 unchanged")
    assert ImportJob.objects.get().source == "api"


def test_the_returns_list_takes_a_fixed_number_of_queries(ret, u1_key, django_assert_max_num_queries) -> None:
    _push(u1_key, MARCH)
    with django_assert_max_num_queries(2):
        response = Client().get("/api/returns/returns", HTTP_AUTHORIZATION=f"Bearer {u1_key}")
    assert [(r["unit"], r["status"]) for r in response.json()] == [("U1", "submitted")]
    with django_assert_max_num_queries(5):
        collections = Client().get("/api/returns/collections").json()
    assert collections[0]["issuers"] == ["DH"]
