"""A citizen uses the public pages in a real browser (Debian's Chromium), and axe-core checks each
public page template for accessibility (WCAG 2.2 AA rules): no serious or critical violation."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from localstat.demo import pipeline
from localstat.demo.pipeline import DEMO_PASSWORD
from localstat.publication.models import Release, ReleaseStatus

AXE = Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"

#: One page per public template, in the demo's published NHS chain (RQM: Chelsea and Westminster).
PUBLIC_PAGES = [
    "/",
    "/search/?q=chelsea",
    "/units/RQM/",
    "/units/RQM/compare/",
    "/areas/",
    "/areas/Q71/",
    "/league-tables/",
    "/league-tables/AE4H/",
    "/data/",
    "/data/dictionary/",
    "/releases/",
    "/releases/health/1/",
]


#: The demo steps the published NHS chain needs (the other apps' steps add nothing these pages read).
STEPS = ("chain", "framework", "returns", "assessment", "publication")


@pytest.fixture
def demo_site(site, settings, monkeypatch):
    every = pipeline.discover_steps()
    monkeypatch.setattr(pipeline, "discover_steps", lambda: [step for step in every if step.name in STEPS])
    pipeline.build_demo(seed=2004, scale="small", progress=lambda message: None)
    return site


@pytest.mark.browser
def test_a_citizen_finds_their_hospital_reads_its_ae_performance_compares_it_and_downloads_the_data(
    demo_site, browser
) -> None:
    page = browser.new_page()
    # finds their hospital from the home page
    page.goto(f"{demo_site.url}/")
    page.get_by_label("Find a hospital, school, police area or council").fill("Chelsea")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Chelsea and Westminster Hospital NHS Foundation Trust").click()
    page.wait_for_url(f"{demo_site.url}/units/RQM/")

    # reads its A&E performance against the 95% standard, in plain English first
    ae = page.locator('section[data-indicator="AE4H"]')
    assert ae.get_by_test_id("headline").inner_text() == "Better than England. No significant change."
    standards = ae.get_by_test_id("standards").inner_text()
    assert "National target: at least 95.0% by 31 March 2020" in standards
    assert "Met" in standards
    assert "In March 2019 the value was 95.9%" in ae.inner_text()

    # compares it with similar trusts
    page.get_by_role(
        "link", name="Compare Chelsea and Westminster Hospital NHS Foundation Trust with similar"
    ).click()
    table = page.locator('[data-indicator="AE4H"] table')
    assert "(this one)" in table.get_by_test_id("this-unit").inner_text()
    similar = table.locator("tbody tr th a").all_inner_texts()
    assert len(similar) == 15
    assert "England" in table.inner_text()

    # downloads the data
    page.go_back()
    with page.expect_download() as download:
        page.get_by_test_id("downloads").first.get_by_role("link", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    march = [r for r in rows if r["indicator_code"] == "AE4H" and r["period_start"] == "2019-03-01"]
    assert [round(float(r["value"]), 1) for r in march] == [95.9]
    assert {r["unit_code"] for r in rows} == {"RQM"}

    # and finds the league table, each place given as the range its interval allows
    page.goto(f"{demo_site.url}/")
    page.locator("#main-content").get_by_role("link", name="League tables").click()
    page.get_by_role("link", name="A&E: patients seen within 4 hours (all department types)").click()
    row = page.locator('tr[data-unit="RQM"]')
    best, worst = int(row.get_attribute("data-best")), int(row.get_attribute("data-worst"))
    assert best <= worst
    assert row.locator("td").first.inner_text() == (str(best) if best == worst else f"{best} to {worst}")


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations of the WCAG 2.0–2.2 A and AA rules on the page."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
            });
            return result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`);
        }"""
    )


@pytest.mark.browser
def test_every_public_page_template_has_no_serious_or_critical_accessibility_violation(
    demo_site, browser
) -> None:
    page = browser.new_page()
    found = {}
    for url in PUBLIC_PAGES:
        response = page.goto(f"{demo_site.url}{url}")
        assert response is not None
        assert response.status == 200, url
        if violations := serious_violations(page):
            found[url] = violations
    assert found == {}

    # and the signed-in pages of releases: management, pre-release access and an embargoed release
    # (the demo announces Health's next release, frozen for pre-release access)
    release = Release.objects.get(service__code="health", status=ReleaseStatus.SCHEDULED)
    assert release.frozen_at is not None
    page.goto(f"{demo_site.url}/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    for url in ("/releases/manage/", "/releases/pre-release/", f"/releases/health/{release.number}/"):
        response = page.goto(f"{demo_site.url}{url}")
        assert response is not None
        assert response.status == 200, url
        if violations := serious_violations(page):
            found[url] = violations
    assert "Pre-release access: not to be shared before" in page.content()
    assert found == {}
