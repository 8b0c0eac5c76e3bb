"""The agreements' pages: a unit proposes, its manager challenges with the checks and agrees, both sign;
the printable agreement, the CSV export, the organisation's page and the gaps report."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from localstat.agreements.models import Goal, Negotiation
from localstat.agreements.tests.conftest import agree_and_sign, propose_ae


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(prefix_rows: list[dict[str, str]], **fields: str) -> dict[str, str]:
    data = {
        "targets-TOTAL_FORMS": str(len(prefix_rows)),
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "20",
        **fields,
    }
    for i, row in enumerate(prefix_rows):
        data.update({f"targets-{i}-{k}": v for k, v in row.items()})
    return data


def test_a_unit_manager_proposes_from_the_page_and_sees_the_checks(assessed: Any) -> None:
    client = _client(assessed.uma)
    assert client.get(reverse("agreements:propose")).status_code == 200
    response = client.post(
        reverse("agreements:propose"),
        _form(
            [
                {
                    "indicator": "AE4H",
                    "level": "96.5",
                    "deadline": "2020-03-31",
                    "responsible_officer": "Dr Patel",
                }
            ],
            proposer="U1",
            service="health",
            title="Evening waits",
            comment="Local priority",
        ),
    )
    negotiation = Negotiation.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("agreements:negotiation", args=[negotiation.pk])).content.decode()
    assert "Not achievable without a plan" in page
    assert "95.40 it needs a plan" in page  # the reach of the best value, 93.8 + 2.66 × 0.6
    assert "limit on the improvement side 88.50" in page
    # The unit sees no challenge button; its manager does
    assert reverse("agreements:challenge", args=[negotiation.pk]) not in page
    manager_page = _client(assessed.morgan).get(reverse("agreements:negotiation", args=[negotiation.pk]))
    assert reverse("agreements:challenge", args=[negotiation.pk]) in manager_page.content.decode()


def test_a_bad_proposal_shows_the_error_and_keeps_what_was_typed(assessed: Any) -> None:
    response = _client(assessed.uma).post(
        reverse("agreements:propose"),
        _form(
            [{"indicator": "AE4H", "level": "120", "deadline": "2020-03-31"}],
            proposer="U1",
            service="health",
            title="Evening waits",
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "a proportion out of 100: a level of 120 is impossible" in page
    assert 'value="Evening waits"' in page
    assert Negotiation.objects.count() == 0


def test_the_manager_challenges_and_agrees_from_the_pages(assessed: Any) -> None:
    negotiation = propose_ae(assessed)
    client = _client(assessed.morgan)
    url = reverse("agreements:challenge", args=[negotiation.pk])
    assert "not achievable without a plan" in client.get(url).content.decode().lower()
    assert client.post(url, {"comment": "What would change?"}).status_code == 302
    response = client.post(
        reverse("agreements:agree", args=[negotiation.pk]),
        {
            "style_of_relationship": "Monthly review",
            "triggers": "Two months off trajectory",
            "escalation": "Area director",
            "name": "Morgan Manager",
            "job_title": "Director of Performance",
        },
    )
    assert response.status_code == 302
    response = _client(assessed.uma).post(
        reverse("agreements:sign", args=[negotiation.pk, "proposer"]),
        {"name": "Uma Unit", "job_title": "Chief Executive"},
    )
    negotiation.refresh_from_db()
    assert negotiation.status == "agreed"
    assert list(negotiation.steps.values_list("kind", flat=True)) == ["proposal", "challenge", "agreement"]


def test_people_outside_the_chain_get_404_and_those_without_the_step_get_403(assessed: Any) -> None:
    negotiation = propose_ae(assessed)
    detail = reverse("agreements:negotiation", args=[negotiation.pk])
    # Olga belongs to Bramley and Piers manages South: Ashford's negotiation is not theirs to see
    assert _client(assessed.olga).get(detail).status_code == 404
    assert _client(assessed.morgan_of_south).get(detail).status_code == 404
    # Sam sees Ashford's page but may not challenge or agree
    assert _client(assessed.sam).get(detail).status_code == 200
    assert (
        _client(assessed.sam)
        .post(reverse("agreements:challenge", args=[negotiation.pk]), {"comment": "x"})
        .status_code
        == 403
    )
    assert _client(assessed.uma).get(reverse("agreements:agree", args=[negotiation.pk])).status_code == 403
    # Anonymous visitors are sent to sign in
    assert Client().get(detail).status_code == 302
    assert negotiation.steps.count() == 1


def test_the_agreement_prints_on_one_page_with_its_terms_and_signatures(assessed: Any) -> None:
    negotiation = agree_and_sign(assessed, propose_ae(assessed, level=95))
    page = _client(assessed.ada).get(reverse("agreements:document", args=[negotiation.pk])).content.decode()
    assert "@media print" in page
    assert "Two months off trajectory, or any month below 90%." in page
    assert "Morgan, Director of Performance, North" in page
    assert "Uma, Chief Executive, Ashford Hospital" in page
    assert "Dr Rhona Patel, Clinical Director for Urgent Care" in page


def test_the_csv_export_has_a_row_per_target_of_what_the_person_may_see(assessed: Any) -> None:
    negotiation = agree_and_sign(assessed, propose_ae(assessed, level=95))
    response = _client(assessed.morgan).get(reverse("agreements:export"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    assert (rows[0]["reference"], rows[0]["status"], rows[0]["indicator"], rows[0]["verdict"]) == (
        negotiation.reference,
        "agreed",
        "AE4H",
        "stretching",
    )
    assert rows[0]["target_reference"].startswith("AN-AE4H-")
    assert "Uma, Chief Executive" in rows[0]["signed_by"]
    # South's manager sees none of North's agreements
    other = _client(assessed.morgan_of_south).get(reverse("agreements:export"))
    assert len(list(csv.DictReader(io.StringIO(b"".join(other.streaming_content).decode())))) == 0


def test_the_organisation_page_shows_who_is_responsible_and_the_gaps_report_lists_the_gaps(
    assessed: Any, django_assert_max_num_queries: Any
) -> None:
    agree_and_sign(assessed, propose_ae(assessed, level=95, plan=""))
    client = _client(assessed.morgan)
    page = client.get(reverse("agreements:organisation", args=["U1"])).content.decode()
    assert "Dr Rhona Patel, Clinical Director for Urgent Care" in page
    assert "Awaiting the responsible manager" in page
    with django_assert_max_num_queries(12):
        report = client.get(reverse("agreements:goals_lacking")).content.decode()
    goal = Goal.objects.get()
    assert goal.missing == ["an action plan"]
    assert "an action plan" in report
    assert reverse("agreements:goal_edit", args=[goal.pk]) in report


def test_the_home_page_lists_negotiations_in_a_fixed_number_of_queries(
    assessed: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(3):
        propose_ae(assessed)
    client = _client(assessed.morgan)
    with django_assert_max_num_queries(16):
        page = client.get(reverse("agreements:home")).content.decode()
    assert page.count("Four-hour A&amp;E waits at Ashford") == 6  # in the table, and waiting for Morgan


def test_the_home_page_says_whose_step_is_next(assessed: Any) -> None:
    negotiation = propose_ae(assessed)
    home = reverse("agreements:home")
    assert "To challenge or agree" in _client(assessed.morgan).get(home).content.decode()
    assert "Waiting for you" not in _client(assessed.uma).get(home).content.decode()
    client = _client(assessed.morgan)
    client.post(reverse("agreements:challenge", args=[negotiation.pk]), {"comment": "Why?"})
    assert "To revise after a challenge" in _client(assessed.uma).get(home).content.decode()
    assert "Waiting for you" not in client.get(home).content.decode()


@pytest.mark.parametrize("name", ["agreements:home", "agreements:goals_lacking", "agreements:export"])
def test_list_pages_need_a_sign_in(db: None, name: str) -> None:
    assert Client().get(reverse(name)).status_code == 302


def test_the_responsible_manager_signs_off_the_trajectory_from_the_page(assessed: Any) -> None:
    agree_and_sign(assessed, propose_ae(assessed, level=95), on=date(2019, 4, 20))
    from localstat.agreements.models import TrajectorySignOff

    sign_off = TrajectorySignOff.objects.get()
    url = reverse("agreements:trajectory_sign_off", args=[sign_off.pk])
    assert _client(assessed.morgan).get(url).status_code == 403
    assert _client(assessed.uma).post(url, {"name": "Uma Unit"}).status_code == 302
    sign_off.refresh_from_db()
    assert sign_off.signed_off_name == "Uma Unit"


def test_the_gaps_report_shows_another_manager_none_of_norths_goals_and_counts_beyond_the_page(
    assessed: Any, monkeypatch: Any
) -> None:
    from localstat.agreements.views import accountability

    agree_and_sign(assessed, propose_ae(assessed, level=95, plan=""))
    goal = Goal.objects.get()
    # another area's manager sees none of North's goals; the public is sent to sign in
    other = _client(assessed.morgan_of_south).get(reverse("agreements:goals_lacking")).content.decode()
    assert goal.outcome not in other
    assert "Every goal you can see has a named owner" in other
    assert Client().get(reverse("agreements:goals_lacking")).status_code == 302
    # a report longer than the page says how many there are, not just how many it lists
    Goal.objects.create(
        organisation=goal.organisation,
        agreement=goal.agreement,
        outcome="Evening waits halved",
    )
    monkeypatch.setattr(accountability, "GOALS_LISTED", 1)
    page = _client(assessed.morgan).get(reverse("agreements:goals_lacking")).content.decode()
    assert "2 goals: the first 1 listed here" in page


@pytest.mark.parametrize(
    ("who", "step"),
    [
        ("morgan", "challenge"),
        ("uma", "revise"),
        ("morgan", "agree"),
        ("uma", "withdraw"),
        ("morgan", "withdraw"),
    ],
)
def test_a_step_the_agreed_negotiation_no_longer_takes_offers_no_form_and_says_why(
    assessed: Any, who: str, step: str
) -> None:
    # Given an agreed and signed negotiation
    negotiation = agree_and_sign(assessed, propose_ae(assessed))
    steps = negotiation.steps.count()
    client = _client(getattr(assessed, who))
    url = reverse(f"agreements:{step}", args=[negotiation.pk])
    # When someone who could once take the step opens its page or posts it
    for response in (client.get(url), client.post(url, {"comment": "Too late", "job_title": "x"})):
        # Then they are sent back to the negotiation, told why, and nothing is recorded
        assert response.status_code == 302
        assert response["Location"] == reverse("agreements:negotiation", args=[negotiation.pk])
    page = client.get(url, follow=True).content.decode()
    assert f"{negotiation.reference} is agreed and signed: it cannot be" in page
    assert negotiation.steps.count() == steps


def test_a_side_that_has_signed_is_not_offered_the_signature_again(assessed: Any) -> None:
    negotiation = agree_and_sign(assessed, propose_ae(assessed))
    response = _client(assessed.uma).get(reverse("agreements:sign", args=[negotiation.pk, "proposer"]))
    assert response.status_code == 302
    # and someone who may never sign for the unit is still refused, not redirected
    response = _client(assessed.morgan).get(reverse("agreements:sign", args=[negotiation.pk, "proposer"]))
    assert response.status_code == 403
