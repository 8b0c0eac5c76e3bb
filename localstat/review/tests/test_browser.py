"""The review in a real browser (Debian's Chromium): the challenger marks and issues a briefing, the
secretariat records an action, and axe-core finds no serious or critical violation on any review page."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from localstat.conftest import PASSWORD
from localstat.returns.models import Return
from localstat.review import services
from localstat.review.models import Action, Briefing

AXE = Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def _sign_in(page, site, username: str) -> None:
    page.goto(f"{site.url}/sign-in/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/sign-in/" not in page.url, f"{username} could not sign in"


@pytest.mark.browser
def test_the_challenger_marks_and_issues_and_the_secretariat_records_an_action(
    site, reviewed, browser
) -> None:
    # given Bramley's April return is overdue: an exception for the briefing
    Return.objects.create(
        collection=Return.objects.first().collection,
        unit=reviewed.u2,
        period_start=date(2019, 4, 1),
        period_end=date(2019, 4, 30),
        deadline=date(2019, 4, 20),
    )
    services.generate_briefing(meeting=reviewed.first, acting_user=None)
    item = Briefing.objects.get().items.get(kind="overdue_return")
    page = browser.new_page()
    _sign_in(page, site, "charlie")
    page.goto(f"{site.url}/reviews/challenger/")
    page.get_by_role("link", name="Mark what to probe and issue the briefing").click()
    form = page.locator(f"#item-{item.pk}")
    form.get_by_label("Probe this in the meeting").check()
    form.get_by_label("What to ask").fill("What changed?")
    page.get_by_role("button", name="Save the marks and issue the briefing").click()
    assert "The briefing is issued with 1 item to probe" in page.content()
    page.context.clear_cookies()

    _sign_in(page, site, "morgan")
    page.goto(f"{site.url}/reviews/meetings/{reviewed.first.pk}/")
    assert item.headline in page.locator("main").inner_text()  # the challenger's item is on the agenda
    action = page.locator("#record-action")
    action.get_by_label("What is to be done").fill("Open a second triage stream")
    action.get_by_label("Owner").select_option(label="uma")
    action.get_by_label("Due date").fill("2019-05-31")
    action.get_by_label("Data required next time").fill("Daily 4-hour performance")
    action.get_by_role("button", name="Record the action").click()
    assert Action.objects.get().description == "Open a second triage stream"


@pytest.mark.browser
def test_every_review_page_has_no_serious_or_critical_accessibility_violation(
    site, reviewed, browser
) -> None:
    first = reviewed.first
    briefing = services.generate_briefing(meeting=first, acting_user=None)
    action = services.record_action(
        meeting=first,
        organisation=reviewed.u1,
        description="Open a second triage stream",
        owner=reviewed.uma,
        due_on=date(2019, 5, 31),
        acting_user=None,
    )
    services.hold_meeting(meeting=first, held_on=date(2019, 4, 30), acting_user=None)
    assert briefing.pk
    urls = [
        "/reviews/",
        "/reviews/challenger/",
        "/reviews/secretariat/",
        "/reviews/actions/",
        f"/reviews/actions/{action.pk}/",
        f"/reviews/bodies/{reviewed.north.code}/cycles/new/",
        f"/reviews/cycles/{reviewed.cycle.pk}/",
        f"/reviews/cycles/{reviewed.cycle.pk}/display/",
        f"/reviews/meetings/{first.pk}/",
        f"/reviews/meetings/{first.pk}/briefing/",
        f"/reviews/meetings/{first.pk}/follow-up/",
        f"/reviews/meetings/{first.pk + 1}/",
        "/reviews/units/U1/history/",
    ]
    page = browser.new_page()
    _sign_in(page, site, "morgan")
    found = {}
    for url in urls:
        response = page.goto(f"{site.url}{url}")
        assert response is not None
        assert response.status == 200, url
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            """async () => {
                const result = await axe.run(document, {
                    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
                });
                return result.violations
                    .filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`);
            }"""
        )
        if violations:
            found[url] = violations
    assert found == {}
