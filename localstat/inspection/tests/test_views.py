"""The inspection pages: who sees them, the forms, and the public pages."""

from __future__ import annotations

from datetime import date

import pytest

from localstat.inspection.choices import Component
from localstat.inspection.models import AuditMark, CapacityAssessment, Inspection
from localstat.inspection.services import FindingSpec, record_inspection, self_assess_capacity
from localstat.inspection.tests.conftest import scores


def _scores_post(value: int = 3) -> dict[str, str]:
    data = {}
    for component in Component.values:
        data[f"{component}_score"] = str(value)
        data[f"{component}_evidence"] = "Seen at the visit."
    return data


def test_the_plan_page_shows_every_unit_with_its_reasons(client, inspected, django_assert_max_num_queries):
    client.force_login(inspected.ines)
    with django_assert_max_num_queries(30):
        response = client.get("/inspection/?as_of=2019-04-30")
    assert response.status_code == 200
    html = response.content.decode()
    for code in ("U1", "U2", "U3", "U4"):
        assert f'data-unit="{code}"' in html
    assert "no inspection on record (+2)" in html
    assert 'data-unit="S1"' not in html


@pytest.mark.parametrize("who", ["morgan", "uma", "ada"])
def test_the_plan_is_not_found_for_anyone_but_inspectors(client, inspected, who):
    client.force_login(getattr(inspected, who))
    assert client.get("/inspection/").status_code == 404


def test_a_bad_as_of_date_is_not_found(client, inspected):
    client.force_login(inspected.ines)
    assert client.get("/inspection/?as_of=30/04/2019").status_code == 404


def test_the_inspection_form_records_an_inspection_with_its_findings(client, inspected):
    client.force_login(inspected.ines)
    form = client.get("/inspection/units/U4/inspect/")
    assert form.status_code == 200
    assert "A&amp;E: seen within 4 hours" in form.content.decode()
    data = {
        "visited_on": "2019-04-20",
        "depth": "light",
        "breadth": ["core_outcomes", "capacity"],
        "scope": "A&E.",
        "judgement": "outstanding",
        "summary": "Excellent.",
        "support_offered": "",
        "publish": "on",
        "finding-TOTAL_FORMS": "2",
        "finding-INITIAL_FORMS": "0",
        "finding-0-kind": "common_standard",
        "finding-0-indicator": "AE4H",
        "finding-0-subject": "A&E: seen within 4 hours",
        "finding-0-rating": "met",
        "finding-0-evidence": "98.5%",
        "finding-1-kind": "local_outcome",
        "finding-1-indicator": "",
        "finding-1-subject": "",
        "finding-1-rating": "",
        "finding-1-evidence": "",
    }
    response = client.post("/inspection/units/U4/inspect/", data)
    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/inspection/inspections/{inspection.pk}/"
    assert [f.indicator.code for f in inspection.findings.all()] == ["AE4H"]
    assert inspection.published_at is not None
    # and the public sees the outcome without signing in
    client.logout()
    public = client.get(f"/inspection/inspections/{inspection.pk}/")
    assert public.status_code == 200
    assert "Outstanding" in public.content.decode()
    assert "Denton" in client.get("/inspection/published/").content.decode()


def test_the_inspection_form_shows_the_services_refusal_and_keeps_what_was_typed(client, inspected):
    client.force_login(inspected.ines)
    data = {
        "visited_on": "2019-04-20",
        "depth": "light",
        "breadth": ["core_outcomes"],
        "scope": "A&E, typed carefully.",
        "judgement": "good",
        "summary": "Fine.",
        "finding-TOTAL_FORMS": "1",
        "finding-INITIAL_FORMS": "0",
        "finding-0-kind": "local_outcome",
        "finding-0-subject": "",
        "finding-0-rating": "",
        "finding-0-evidence": "",
    }
    response = client.post("/inspection/units/U4/inspect/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Record at least one finding" in html
    assert "A&amp;E, typed carefully." in html
    assert Inspection.objects.count() == 0


def test_an_unpublished_inspection_is_not_found_for_the_public_or_another_unit(client, inspected):
    inspection = record_inspection(
        unit=inspected.u4,
        visited_on=date(2019, 4, 1),
        judgement="good",
        summary="Private.",
        scope="A&E.",
        findings=[FindingSpec(kind="local_outcome", subject="x", rating="met", evidence="y")],
        acting_user=inspected.ines,
    )
    assert client.get(f"/inspection/inspections/{inspection.pk}/").status_code == 404
    client.force_login(inspected.uma)  # Ashford's manager
    assert client.get(f"/inspection/inspections/{inspection.pk}/").status_code == 404
    client.force_login(inspected.ines)
    assert client.post(f"/inspection/inspections/{inspection.pk}/").status_code == 302
    client.logout()
    assert client.get(f"/inspection/inspections/{inspection.pk}/").status_code == 200


def test_the_capacity_form_is_prefilled_and_records_the_scores(client, inspected):
    client.force_login(inspected.ines)
    page = client.get("/inspection/units/U1/capacity/").content.decode()
    assert "What LocalStat can see" in page
    assert "returns due in the last 12 months" in page
    response = client.post("/inspection/units/U1/capacity/", _scores_post(3))
    assessment = CapacityAssessment.objects.get()
    assert response["Location"] == f"/inspection/capacity/{assessment.pk}/"
    assert assessment.overall_score == 3
    assert client.get(response["Location"]).status_code == 200


def test_a_unit_manager_self_assesses_and_an_inspector_verifies(client, inspected):
    client.force_login(inspected.uma)
    own_page = client.get("/inspection/units/U1/")
    assert own_page.status_code == 200
    assert "Its place in the plan" in own_page.content.decode()
    client.post("/inspection/units/U1/self-assessment/", _scores_post(4))
    own = CapacityAssessment.objects.get()
    assert own.status == "awaiting_verification"
    # Uma may not assess or verify, nor self-assess Bramley
    assert client.get("/inspection/units/U1/capacity/").status_code == 404
    assert client.get(f"/inspection/capacity/{own.pk}/verify/").status_code == 404
    assert client.get("/inspection/units/U2/self-assessment/").status_code == 404
    client.force_login(inspected.ines)
    assert f"/inspection/capacity/{own.pk}/verify/" in client.get("/inspection/").content.decode()
    form = client.get(f"/inspection/capacity/{own.pk}/verify/").content.decode()
    assert "The unit&#x27;s own scores" in form
    client.post(f"/inspection/capacity/{own.pk}/verify/", _scores_post(3))
    own.refresh_from_db()
    assert own.status == "verified"
    assert own.verification.overall_score == 3


def test_the_audit_form_marks_returns_and_refuses_an_empty_period(client, inspected):
    client.force_login(inspected.ines)
    base = {"collection": "AE-MONTHLY", "outcome": "verified", "findings": "Traced."}
    empty = client.post(
        "/inspection/units/U1/audit/", base | {"period_start": "2015-01-01", "period_end": "2015-12-31"}
    )
    assert "nothing to audit" in empty.content.decode()
    done = client.post(
        "/inspection/units/U1/audit/", base | {"period_start": "2018-04-01", "period_end": "2019-03-31"}
    )
    assert done.status_code == 302
    assert AuditMark.objects.get().returns == 12
    client.force_login(inspected.morgan)
    assert client.get("/inspection/units/U1/audit/").status_code == 404


def test_the_published_rules_page_is_public_and_publishing_is_for_the_inspectorate(client, inspected):
    page = client.get("/inspection/rules/")
    assert page.status_code == 200
    assert "Care Quality Commission" in page.content.decode()
    assert client.get("/inspection/rules/CQC/publish/").status_code == 302  # to sign in
    client.force_login(inspected.ada)
    assert client.get("/inspection/rules/CQC/publish/").status_code == 404
    client.force_login(inspected.ines)
    text = client.get("/inspection/rules/CQC/publish/").context["form"].initial["text"]
    bad = client.post("/inspection/rules/CQC/publish/", {"text": text.replace("depth: full", "depth: deep")})
    assert "tiers[2].depth" in bad.content.decode()
    preview = client.post(
        "/inspection/rules/CQC/publish/", {"text": text.replace("at_most: 1.5", "at_most: 9"), "preview": "1"}
    )
    assert "3 units would change tier or date" in preview.content.decode()
    assert client.get("/inspection/rules/").content.decode().count("Version 1") == 1
    good = client.post(
        "/inspection/rules/CQC/publish/",
        {"text": text.replace("at_most: 1.5", "at_most: 2"), "note": "Wider"},
    )
    assert good.status_code == 302
    assert "Version 2" in client.get("/inspection/rules/").content.decode()


def test_the_backtest_page(client, inspected):
    client.force_login(inspected.ines)
    page = client.get("/inspection/backtest/")
    assert page.status_code == 200
    assert "By quarter" in page.content.decode()


def test_a_unit_page_outside_the_chain_is_not_found(client, inspected):
    self_assess_capacity(unit=inspected.u1, scores=scores(3), acting_user=inspected.uma)
    client.force_login(inspected.olga)  # Bramley's submitter
    assert client.get("/inspection/units/U1/").status_code == 404
    assert client.get(f"/inspection/capacity/{CapacityAssessment.objects.get().pk}/").status_code == 404


def test_the_public_list_and_a_unit_page_read_in_a_fixed_number_of_queries(
    client, inspected, django_assert_max_num_queries
):
    for day in (1, 2, 3):
        record_inspection(
            unit=inspected.u4,
            visited_on=date(2019, 4, day),
            judgement="good",
            summary="Fine.",
            scope="A&E.",
            findings=[FindingSpec(kind="local_outcome", subject="x", rating="met", evidence="y")],
            publish=True,
            acting_user=inspected.ines,
        )
    with django_assert_max_num_queries(6):
        assert client.get("/inspection/published/").status_code == 200
    client.force_login(inspected.ines)
    with django_assert_max_num_queries(40):
        assert client.get("/inspection/units/U4/").status_code == 200
