"""An inspector works through the demo's plan in a real browser (Debian's Chromium), and axe-core checks
each inspection page template for accessibility (WCAG 2.2 AA rules): no serious or critical violation."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from localstat.demo import pipeline
from localstat.demo.pipeline import DEMO_PASSWORD
from localstat.inspection.models import CapacityAssessment, Inspection
from localstat.inspection.tests.test_demo import STEPS

AXE = Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def demo_site(site, monkeypatch):
    every = pipeline.discover_steps()
    monkeypatch.setattr(pipeline, "discover_steps", lambda: [step for step in every if step.name in STEPS])
    pipeline.build_demo(seed=2004, scale="small", progress=lambda message: None)
    return site


def _sign_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _violations(page) -> list[str]:
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
def test_an_inspector_inspects_the_riskiest_unit_and_its_next_date_moves(demo_site, browser) -> None:
    page = browser.new_page()
    _sign_in(page, demo_site.url, "inspector")
    page.goto(f"{demo_site.url}/inspection/")
    first = page.locator("table[data-testid=plan] tbody tr").first
    code = first.get_attribute("data-unit")
    assert "points" in first.inner_text()
    first.locator("th a").click()
    page.wait_for_url(f"{demo_site.url}/inspection/units/{code}/")
    due_before = page.get_by_test_id("due").inner_text()
    page.get_by_role("link", name="Record an inspection").click()
    page.get_by_label("Scope").fill("A&E standards and performance management.")
    page.locator("#id_finding-0-rating").select_option("partly_met")
    page.locator("#id_finding-0-evidence").fill("Below the standard, improving since January.")
    page.get_by_label("Overall judgement").select_option("requires_improvement")
    page.get_by_label("Summary of the findings").fill("Improving, from a low base.")
    page.get_by_label("Support offered").fill("A peer review with a trust in the top band.")
    page.get_by_role("button", name="Record the inspection").click()
    assert "Inspection of" in page.locator("h1").inner_text()
    inspection = Inspection.objects.get(unit__code=code, synthetic=False)
    assert inspection.findings.count() == 1
    page.goto(f"{demo_site.url}/inspection/units/{code}/")
    assert page.get_by_test_id("due").inner_text() != due_before
    # then scores its capacity, starting from what LocalStat pre-filled
    page.get_by_role("link", name="Assess capacity").click()
    for component in ("leadership", "accountability", "review", "rewards_sanctions"):
        page.locator(f"#id_{component}_score").select_option("2")
        page.locator(f"#id_{component}_evidence").fill("Seen at the visit.")
    page.locator("#id_robust_data_score").select_option("3")
    page.get_by_role("button", name="Record the assessment").click()
    assert CapacityAssessment.objects.get(unit__code=code).overall_score == 2.2


@pytest.mark.browser
def test_every_inspection_page_template_has_no_serious_or_critical_accessibility_violation(
    demo_site, browser
) -> None:
    page = browser.new_page()
    found = {}
    inspection = Inspection.objects.get(unit__code="RBD", visited_on=pipeline.DEMO_AS_OF)
    own = CapacityAssessment.objects.get(unit__code="RBD", source="self_assessment")
    for url in ["/inspection/rules/", "/inspection/published/", f"/inspection/inspections/{inspection.pk}/"]:
        page.goto(f"{demo_site.url}{url}")
        found[url] = _violations(page)
    _sign_in(page, demo_site.url, "inspector")
    for url in [
        "/inspection/",
        "/inspection/backtest/",
        "/inspection/units/RBD/",
        "/inspection/units/RBD/inspect/",
        "/inspection/units/RBD/capacity/",
        f"/inspection/capacity/{own.pk}/",
        "/inspection/units/RBD/audit/",
        "/inspection/rules/CQC/publish/",
    ]:
        response = page.goto(f"{demo_site.url}{url}")
        assert response is not None
        assert response.status == 200, url
        found[url] = _violations(page)
    assert {url: v for url, v in found.items() if v} == {}
