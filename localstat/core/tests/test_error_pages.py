"""Refusals and missing pages keep the site's layout and say what to do next."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client


def test_a_missing_page_keeps_the_layout_and_points_to_sign_in_and_the_published_results(db) -> None:
    page = Client().get("/no/such/page/")
    assert page.status_code == 404
    text = page.content.decode()
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in text
    assert 'href="/"' in text
    assert "sign in" in text
    assert "Resolver404" not in text


def test_a_refused_page_offers_the_signed_in_person_their_start_page(db) -> None:
    user = get_user_model().objects.create_user("someone", password="x")
    client = Client()
    client.force_login(user)
    page = client.get("/no/such/page/")
    assert page.status_code == 404
    text = page.content.decode()
    assert "Sign out (someone)" in text
    assert "sign in</a>" not in text
