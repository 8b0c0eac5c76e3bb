from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from localstat.chain.models import ChainLink
from localstat.conftest import PASSWORD


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _listed_codes(html: str) -> set[str]:
    return set(re.findall(r'data-org-code="([^"]+)"', html))


def test_an_anonymous_visitor_gets_the_public_home(scenario) -> None:
    response = Client().get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "How are your local public services doing?" in html
    assert 'action="/search/"' in html  # the home page is the publication's: search comes first


def test_a_signed_in_person_is_taken_to_their_start_page(scenario) -> None:
    response = _client_for(scenario.morgan).get("/")
    assert response.status_code == 302
    assert response.url == reverse("start")


@pytest.mark.parametrize(
    ("who", "codes"),
    [
        ("ada", {"AN", "AS"}),
        ("morgan", {"U1", "U2"}),
        ("charlie", {"U1", "U2"}),
        ("sam", {"U1"}),
        ("uma", {"U1"}),
        ("ines", {"AN", "AS"}),
        ("alex", {"DH", "DFE"}),
    ],
)
def test_each_role_starts_on_its_own_organisations(scenario, who, codes) -> None:
    response = _client_for(getattr(scenario, who)).get(reverse("start"))
    assert response.status_code == 200
    assert _listed_codes(response.content.decode()) == codes


@pytest.mark.parametrize(
    ("who", "label", "caption"),
    [
        ("ada", "Department analyst", "The bodies that performance-manage front line units"),
        ("morgan", "Performance manager", "The front line units whose performance you manage."),
        ("charlie", "Challenger", "The front line units whose performance you challenge in reviews"),
        ("sam", "Unit submitter", "The unit you submit data for."),
        ("uma", "Unit manager", "The unit you manage"),
    ],
)
def test_each_start_page_names_the_role_by_its_label_and_says_what_its_list_is(
    scenario, who, label, caption
) -> None:
    html = _client_for(getattr(scenario, who)).get(reverse("start")).content.decode()
    shown = re.findall(r'<span class="govuk-caption-m">[^<]*· ([^<]+)</span>', html)
    assert shown == [label]
    assert caption in html
    if who == "charlie":
        assert "whose performance you manage" not in html


def test_a_unit_outside_your_chain_is_not_found(scenario) -> None:
    # Sam submits for Ashford: Bramley, Carlton and Elm School do not exist for Sam
    client = _client_for(scenario.sam)
    assert client.get(reverse("organisation", args=["U1"])).status_code == 200
    for code in ("U2", "U3", "S1"):
        assert client.get(reverse("organisation", args=[code])).status_code == 404


def test_an_anonymous_visitor_is_asked_to_sign_in_for_a_working_page(scenario) -> None:
    response = Client().get(reverse("organisation", args=["U1"]))
    assert response.status_code == 302
    assert "/sign-in/" in response.url


def test_the_organisation_page_shows_the_chain_around_it(scenario) -> None:
    html = _client_for(scenario.morgan).get(reverse("organisation", args=["AN"])).content.decode()
    assert "Department of Health" in html
    assert "Ashford Hospital" in html
    assert "Bramley Hospital" in html
    assert "Carlton Hospital" not in html


def test_a_department_analyst_moves_a_unit_from_the_page(scenario) -> None:
    client = _client_for(scenario.ada)
    response = client.post(
        reverse("move_unit", args=["U2"]),
        {
            "service": scenario.health.pk,
            "new_manager": scenario.south.pk,
            "on": "2018-01-01",
            "reason": "Boundary change",
        },
    )
    assert response.status_code == 302
    current = ChainLink.objects.get(organisation=scenario.u2, valid_to__isnull=True)
    assert (current.accountable_to.code, current.valid_from) == ("AS", date(2018, 1, 1))


def test_a_move_without_a_reason_shows_the_error_and_changes_nothing(scenario) -> None:
    response = _client_for(scenario.ada).post(
        reverse("move_unit", args=["U2"]),
        {"service": scenario.health.pk, "new_manager": scenario.south.pk, "on": "2018-01-01", "reason": ""},
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert (
        ChainLink.objects.get(organisation=scenario.u2, valid_to__isnull=True).accountable_to
        == scenario.north
    )


def test_a_performance_manager_cannot_move_units(scenario) -> None:
    response = _client_for(scenario.morgan).get(reverse("move_unit", args=["U2"]))
    assert response.status_code == 404


def test_the_directory_lists_units_with_a_fixed_number_of_queries(
    scenario, django_assert_max_num_queries
) -> None:
    client = Client()
    with django_assert_max_num_queries(8):
        response = client.get(reverse("directory"))
    html = response.content.decode()
    assert all(name in html for name in ("Ashford Hospital", "Denton Hospital", "Elm School"))


def test_the_directory_finds_an_organisation_by_town_or_name(scenario) -> None:
    html = Client().get(reverse("directory"), {"q": "bramley"}).content.decode()
    assert "Bramley Hospital" in html
    assert "Ashford Hospital" not in html


def test_signing_in_with_a_wrong_password_says_so(scenario) -> None:
    response = Client().post(reverse("login"), {"username": "morgan", "password": "wrong"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    response = Client().post(reverse("login"), {"username": "morgan", "password": PASSWORD})
    assert response.status_code == 302
