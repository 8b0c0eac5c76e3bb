"""The inspection API: public rules and outcomes, the plan for inspectors, writes refused to others."""

from __future__ import annotations

from datetime import date

from localstat.inspection.models import CapacityAssessment, Inspection
from localstat.inspection.tests.conftest import scores

INSPECTION = {
    "unit": "U4",
    "visited_on": "2019-04-10",
    "judgement": "good",
    "summary": "Sound.",
    "scope": "A&E and capacity.",
    "findings": [
        {"kind": "common_standard", "subject": "A&E", "rating": "met", "evidence": "98%", "indicator": "AE4H"}
    ],
    "publish": True,
}


def _as(client, user):
    client.force_login(user)
    return client


def test_the_public_reads_the_published_rules_without_signing_in(client, inspected):
    response = client.get("/api/inspection/rules")
    assert response.status_code == 200
    (rules,) = response.json()
    assert rules["inspectorate"] == "CQC"
    assert [t["tier"] for t in rules["rules"]["tiers"]] == ["low", "medium", "high"]


def test_an_inspector_reads_the_plan_with_reasons_and_others_are_refused(client, inspected):
    response = _as(client, inspected.ines).get("/api/inspection/plan?as_of=2019-04-30")
    assert response.status_code == 200
    body = response.json()
    assert body["inspectorate"] == "CQC"
    assert sorted(u["unit"] for u in body["units"]) == ["U1", "U2", "U3", "U4"]
    assert all(u["reasons"] for u in body["units"])
    assert _as(client, inspected.morgan).get("/api/inspection/plan").status_code == 403
    client.logout()
    assert client.get("/api/inspection/plan").status_code == 401


def test_an_inspector_records_an_inspection_and_the_public_then_sees_it(client, inspected):
    response = _as(client, inspected.ines).post(
        "/api/inspection/inspections", INSPECTION, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["findings"][0]["indicator"] == "AE4H"
    client.logout()
    public = client.get("/api/inspection/inspections?unit=U4").json()
    assert [i["visited_on"] for i in public] == ["2019-04-10"]


def test_a_bad_inspection_is_refused_with_the_reasons_and_writes_nothing(client, inspected):
    bad = INSPECTION | {"judgement": "splendid", "findings": []}
    response = _as(client, inspected.ines).post(
        "/api/inspection/inspections", bad, content_type="application/json"
    )
    assert response.status_code == 400
    assert "overall judgement" in response.json()["detail"]
    assert Inspection.objects.count() == 0


def test_a_performance_manager_cannot_record_an_inspection(client, inspected):
    response = _as(client, inspected.morgan).post(
        "/api/inspection/inspections", INSPECTION, content_type="application/json"
    )
    assert response.status_code == 404
    assert Inspection.objects.count() == 0


def test_an_unpublished_inspection_is_hidden_from_the_public_and_another_chains_unit(client, inspected):
    _as(client, inspected.ines).post(
        "/api/inspection/inspections", INSPECTION | {"publish": False}, content_type="application/json"
    )
    client.logout()
    assert client.get("/api/inspection/inspections").json() == []
    # Ashford's submitter is not in Denton's chain
    assert _as(client, inspected.sam).get("/api/inspection/inspections").json() == []


def test_self_assessment_and_verification_over_the_api(client, inspected):
    body = {"scores": {c: {"score": s, "evidence": e} for c, (s, e) in scores(3).items()}}
    own = _as(client, inspected.uma).post(
        "/api/inspection/units/U1/self-assessment", body, content_type="application/json"
    )
    assert own.status_code == 201
    assert own.json()["status"] == "awaiting_verification"
    # the unit manager may not verify their own
    refused = client.post(
        f"/api/inspection/capacity/{own.json()['id']}/verify", body, content_type="application/json"
    )
    assert refused.status_code == 404
    verified = _as(client, inspected.ines).post(
        f"/api/inspection/capacity/{own.json()['id']}/verify", body, content_type="application/json"
    )
    assert verified.status_code == 201
    assert verified.json()["verifies"] == own.json()["id"]
    listed = client.get("/api/inspection/units/U1/capacity").json()
    assert [a["status"] for a in listed] == ["verified", "verified"]


def test_a_score_out_of_range_is_refused(client, inspected):
    body = {"scores": {c: {"score": 5, "evidence": "x"} for c in scores()}}
    response = _as(client, inspected.ines).post(
        "/api/inspection/units/U1/capacity", body, content_type="application/json"
    )
    assert response.status_code == 422
    assert CapacityAssessment.objects.count() == 0


def test_the_prefill_and_an_audit_mark_over_the_api(client, inspected):
    _as(client, inspected.ines)
    prefill = client.get("/api/inspection/units/U1/prefill").json()
    assert [p["component"] for p in prefill] == [
        "robust_data",
        "leadership",
        "accountability",
        "review",
        "rewards_sanctions",
    ]
    mark = client.post(
        "/api/inspection/audit-marks",
        {
            "unit": "U1",
            "period_start": "2018-04-01",
            "period_end": "2019-03-31",
            "outcome": "verified",
            "findings": "Traced a sample.",
            "collection": "AE-MONTHLY",
        },
        content_type="application/json",
    )
    assert mark.status_code == 201
    assert mark.json()["returns"] == 12
    backtest = client.get("/api/inspection/backtest").json()
    assert backtest["start"] == str(date(2017, 4, 1))


def test_an_inspector_previews_then_publishes_rules_over_the_api(client, inspected):
    from localstat.inspection.tests.conftest import RULES_FILE

    text = RULES_FILE.read_text().replace("at_most: 1.5", "at_most: 9")
    _as(client, inspected.ines)
    preview = client.post(
        "/api/inspection/rules/CQC/preview", {"text": text}, content_type="application/json"
    )
    assert preview.status_code == 200
    assert preview.json()["moved"] == 3
    bad = client.post("/api/inspection/rules/CQC", {"text": "tiers: ["}, content_type="application/json")
    assert bad.status_code == 400
    published = client.post(
        "/api/inspection/rules/CQC", {"text": text, "note": "Wider"}, content_type="application/json"
    )
    assert published.status_code == 201
    assert published.json()["version"] == 2
    # the department's analyst may not publish the inspectorate's rules
    refused = _as(client, inspected.ada).post(
        "/api/inspection/rules/CQC", {"text": text + "\n"}, content_type="application/json"
    )
    assert refused.status_code == 404
