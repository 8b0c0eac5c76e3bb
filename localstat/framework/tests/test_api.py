"""The framework's API: indicators, targets and their steps, controls, burden."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from localstat.framework import services
from localstat.framework.choices import ControlKind, ControlScope, ExemptionGrounds, Focus, TargetKind
from localstat.framework.models import Control, Target
from localstat.framework.services import ControlSpec
from localstat.framework.tests.conftest import proportion


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _national(fw):
    return services.propose_psa_target(
        psa=fw.psa,
        indicator=fw.ae4h,
        kind=TargetKind.FLOOR,
        level=95,
        deadline=date(2020, 3, 31),
        reference="DH-PSA1-T1",
        acting_user=None,
    )


def _queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured.captured_queries)


def test_indicators_list_their_current_definition_and_hide_internal_ones_from_the_public(fw) -> None:
    proportion(code="AE_STAFF", name="Staff sickness", service=fw.health, owner=fw.dh, internal_only=True)
    body = _client().get("/api/framework/indicators", {"service": "health"}).json()
    assert [i["code"] for i in body] == ["AE4H", "AE_TRIAGE"]
    assert body[0]["version"]["polarity"] == "higher"
    assert "AE_STAFF" in [i["code"] for i in _client(fw.ada).get("/api/framework/indicators").json()]
    assert _client().get("/api/framework/indicators/AE_STAFF").status_code == 404


def test_an_indicator_shows_every_version(fw) -> None:
    services.revise_indicator(
        indicator=fw.ae4h,
        valid_from=date(2018, 4, 1),
        multiplier=1000,
        display_unit="per 1,000",
        reason="x",
        acting_user=None,
    )
    body = _client().get("/api/framework/indicators/AE4H").json()
    assert [v["number"] for v in body["versions"]] == [1, 2]
    assert body["version"]["multiplier"] == 1000


def test_a_department_analyst_proposes_and_agrees_a_target_over_the_api(fw) -> None:
    client = _client(fw.ada)
    response = client.post(
        "/api/framework/targets",
        {
            "indicator": "AE4H",
            "psa": "DH-PSA1",
            "kind": "floor",
            "level": "95",
            "deadline": "2020-03-31",
            "milestones": [{"period_start": "2019-10-01", "level": "92"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    reference = response.json()["reference"]
    assert response.json()["status"] == "proposed"
    agreed = client.post(
        f"/api/framework/targets/{reference}/steps", {"step": "agree"}, content_type="application/json"
    )
    assert agreed.json()["status"] == "agreed"


@pytest.mark.parametrize(
    ("who", "payload", "status", "detail"),
    [
        (None, {"indicator": "AE4H", "psa": "DH-PSA1"}, 401, "Unauthorized"),
        ("morgan", {"indicator": "AE4H", "psa": "DH-PSA1"}, 403, "morgan may not propose"),
        ("ada", {"indicator": "AE_TRIAGE", "psa": "DH-PSA1"}, 400, "must be about an outcome"),
        ("ada", {"indicator": "NOPE", "psa": "DH-PSA1"}, 400, "no indicator has the code 'NOPE'"),
        ("ada", {"indicator": "AE4H", "units": ["U2"], "set_by": "AN"}, 400, "exempt unit: U2"),
        ("ada", {"indicator": "AE4H", "units": ["U1"]}, 400, "set_by: name the performance manager"),
    ],
)
def test_a_refused_target_says_why_and_writes_nothing(fw, who, payload, status, detail) -> None:
    services.grant_exemption(
        unit=fw.u2, service=fw.health, grounds=ExemptionGrounds.EARNED_FREEDOM, evidence="x", acting_user=None
    )
    body = {"kind": "floor", "level": "90", "deadline": "2020-03-31", **payload}
    client = _client(getattr(fw, who) if who else None)
    response = client.post("/api/framework/targets", body, content_type="application/json")
    assert response.status_code == status
    assert detail in response.json()["detail"]
    assert not Target.objects.exists()


def test_a_step_out_of_order_or_by_the_wrong_person_is_refused(fw) -> None:
    target = _national(fw)
    response = _client(fw.ada).post(
        f"/api/framework/targets/{target.reference}/steps",
        {"step": "met", "evidence": "x"},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["detail"]) == (
        400,
        "DH-PSA1-T1 is proposed; only a active target can be recorded as met.",
    )
    # a proposed national target does not exist for Morgan; once agreed it does, and Morgan may not activate it
    steps = f"/api/framework/targets/{target.reference}/steps"
    assert (
        _client(fw.morgan).post(steps, {"step": "agree"}, content_type="application/json").status_code == 404
    )
    services.agree_target(target=target, acting_user=None)
    response = _client(fw.morgan).post(steps, {"step": "activate"}, content_type="application/json")
    assert response.status_code == 403
    assert "morgan may not agree targets and make them active" in response.json()["detail"]


def test_controls_and_burden_over_the_api(fw) -> None:
    client = _client(fw.ada)
    response = client.post(
        "/api/framework/controls",
        {
            "code": "DH-1",
            "title": "Report trolley waits",
            "kind": "measure",
            "focus": "process",
            "issuing_body": "DH",
            "in_force_from": "2019-01-01",
            "scope": "units",
            "units": ["U1"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    bad = client.post(
        "/api/framework/controls",
        {
            "code": "DH-2",
            "title": "x",
            "kind": "compliance",
            "focus": "process",
            "issuing_body": "DH",
            "in_force_from": "2019-01-01",
            "scope": "units",
            "units": ["U1"],
            "indicator": "AE4H",
        },
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "a compliance requirement is an obligation" in bad.json()["detail"]
    assert [c["code"] for c in _client().get("/api/framework/controls", {"unit": "U1"}).json()] == ["DH-1"]
    burden = _client().get("/api/framework/units/U1/burden", {"as_of": "2019-04-30"}).json()
    assert (burden["total_controls"], burden["ratio_sentence"]) == (
        1,
        "1 controls, and no headline PSA targets to compare them with",
    )
    assert _client().get("/api/framework/units/DH/burden").status_code == 404
    assert Control.objects.count() == 1


def test_api_lists_take_the_same_number_of_queries_however_long_they_are(
    fw, django_assert_max_num_queries
) -> None:
    def grow(start: int, count: int) -> None:
        services.register_controls(
            specs=[
                ControlSpec(
                    code=f"C{n}",
                    title="x",
                    kind=ControlKind.MEASURE,
                    focus=Focus.PROCESS,
                    issuing_body=fw.dh,
                    in_force_from=date(2018, 1, 1),
                    scope=ControlScope.UNITS,
                    units=[fw.u1, fw.u2],
                )
                for n in range(start, start + count)
            ],
            acting_user=None,
        )
        for n in range(start, start + count):
            proportion(code=f"X{n}", name="x", service=fw.health, owner=fw.dh)
            services.assign_target(
                indicator=fw.ae4h,
                units=[fw.u1, fw.u2],
                kind="floor",
                level=90,
                deadline=date(2020, 1, 1),
                set_by=fw.north,
                acting_user=None,
            )

    grow(0, 2)
    client = _client(fw.ada)
    urls = ["/api/framework/indicators", "/api/framework/targets", "/api/framework/controls"]
    few = {url: _queries(client, url) for url in urls}
    grow(2, 30)
    for url in urls:
        with django_assert_max_num_queries(12):
            assert _queries(client, url) == few[url], url
