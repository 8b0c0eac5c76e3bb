"""A performance manager signs in with a real browser and sees their units."""

from __future__ import annotations

import pytest

from localstat.conftest import PASSWORD


@pytest.mark.browser
def test_a_performance_manager_signs_in_and_sees_their_units(site, browser) -> None:
    from localstat.conftest import build_scenario

    build_scenario()
    page = browser.new_page()
    page.goto(f"{site.url}/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Username").fill("morgan")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/start/")
    codes = page.locator("[data-org-code]").evaluate_all("rows => rows.map(r => r.dataset.orgCode)")
    assert sorted(codes) == ["U1", "U2"]
    assert page.get_by_role("heading", name="North: your units").is_visible()
    # the stylesheet was served and applied (GOV.UK's header is dark)
    assert page.locator(".govuk-header").evaluate("e => getComputedStyle(e).backgroundColor") in {
        "rgb(11, 12, 12)",
        "rgb(29, 112, 184)",
    }
