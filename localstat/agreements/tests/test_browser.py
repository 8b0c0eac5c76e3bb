"""The agreements in a real browser (Debian's Chromium): a unit manager proposes with the form and sees the
checks, its manager challenges; and axe-core finds no serious or critical violation on any agreements page."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from localstat.agreements import services
from localstat.agreements.models import Goal, LocalPSA, Negotiation, TrajectorySignOff
from localstat.agreements.tests.conftest import agree_and_sign, propose_ae
from localstat.conftest import PASSWORD

AXE = Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def _sign_in(page: Any, site: Any, username: str) -> None:
    page.goto(f"{site.url}/sign-in/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/sign-in/" not in page.url, f"{username} could not sign in"


@pytest.mark.browser
def test_a_unit_proposes_with_the_form_and_its_manager_challenges(
    site: Any, assessed: Any, browser: Any
) -> None:
    page = browser.new_page()
    _sign_in(page, site, "uma")
    page.goto(f"{site.url}/agreements/propose/")
    page.get_by_label("Local priority").fill("Evening waits")
    page.get_by_label("Indicator").select_option("AE4H")
    page.get_by_label("Level to reach").fill("96.5")
    page.get_by_label("Deadline").fill("2020-03-31")
    page.get_by_label("Responsible officer").fill("Dr Rhona Patel")
    page.get_by_role("button", name="Propose").click()
    main = page.locator("main").inner_text()
    assert "Not achievable without a plan" in main
    negotiation = Negotiation.objects.get()
    page.context.clear_cookies()

    _sign_in(page, site, "morgan")
    page.goto(f"{site.url}/agreements/{negotiation.pk}/")
    page.get_by_role("link", name="Challenge").click()
    page.get_by_label("Comment").fill("What would change?")
    page.get_by_role("button", name="Record the challenge").click()
    assert "Challenge recorded" in page.content()
    assert list(negotiation.steps.values_list("kind", flat=True)) == ["proposal", "challenge"]


@pytest.mark.browser
def test_every_agreements_page_has_no_serious_or_critical_accessibility_violation(
    site: Any, assessed: Any, browser: Any
) -> None:
    open_one = propose_ae(assessed)
    agreed = agree_and_sign(assessed, propose_ae(assessed, level=95))
    lpsa = services.propose_targets(
        proposer=assessed.u1,
        service=assessed.health,
        title="Urgent care Local PSA",
        targets=[
            services.TargetSpec(
                indicator="AE4H",
                level=95,
                deadline=date(2020, 3, 31),
                no_stretch_level=90,
                reward_share="0.5",
            )
        ],
        local_psa=services.LocalPSASpec(
            starts_on=date(2019, 4, 1),
            ends_on=date(2020, 3, 31),
            reward_grant=100_000,
            flexibilities=[("Pooled budgets", "Ring-fencing")],
        ),
        on=date(2019, 4, 1),
        acting_user=assessed.uma,
    )
    goal = Goal.objects.get()
    urls = [
        "/agreements/",
        "/agreements/propose/",
        "/agreements/propose/?kind=local_psa",
        "/agreements/goals/lacking/",
        f"/agreements/{open_one.pk}/",
        f"/agreements/{open_one.pk}/challenge/",
        f"/agreements/{open_one.pk}/agree/",
        f"/agreements/{open_one.pk}/withdraw/",
        f"/agreements/{agreed.pk}/",
        f"/agreements/{agreed.pk}/document/",
        f"/agreements/{lpsa.pk}/local-psa/",
        f"/agreements/flexibilities/{LocalPSA.objects.get().flexibilities.get().pk}/decide/",
        "/agreements/organisations/U1/",
        "/agreements/organisations/U1/accountability/new/",
        f"/agreements/accountability/{goal.agreement_id}/goals/new/",
        f"/agreements/goals/{goal.pk}/",
    ]
    uma_urls = [
        f"/agreements/{open_one.pk}/revise/",
        f"/agreements/trajectories/{TrajectorySignOff.objects.get().pk}/sign-off/",
    ]
    page = browser.new_page()
    found = {}
    for username, paths in (("alex", urls), ("uma", uma_urls)):
        page.context.clear_cookies()
        _sign_in(page, site, username)
        for url in paths:
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


@pytest.mark.browser
def test_a_local_psa_with_twelve_stretch_targets_prints_on_one_a4_page(
    site: Any, assessed: Any, browser: Any, tmp_path: Path
) -> None:
    """Hammersmith & Fulham's Local PSA had 12 interlocking targets (seed 3.18): its agreement, with three
    signatures and two freedoms, still prints on one page. The scenario has one indicator, and a target
    per indicator is the rule, so the browser repeats the real target's row to twelve before printing."""
    lpsa = services.propose_targets(
        proposer=assessed.u1,
        service=assessed.health,
        title="Urgent care Local PSA",
        targets=[
            services.TargetSpec(
                indicator="AE4H",
                level=95,
                deadline=date(2020, 3, 31),
                no_stretch_level=90,
                reward_share="0.5",
                responsible_officer="Dr Rhona Patel, Clinical Director for Urgent Care",
            )
        ],
        local_psa=services.LocalPSASpec(
            starts_on=date(2019, 4, 1),
            ends_on=date(2020, 3, 31),
            reward_grant=2_400_000,
            pump_priming_grant=750_000,
            flexibilities=[
                (
                    "Pool the crime and disorder reduction budgets with the police",
                    "Ring-fenced funding streams",
                ),
                (
                    "Set its own frequency for residual waste collections",
                    "Statutory guidance on weekly collections",
                ),
            ],
        ),
        on=date(2019, 4, 1),
        acting_user=assessed.uma,
    )
    agree_and_sign(assessed, lpsa)
    page = browser.new_page()
    _sign_in(page, site, "alex")
    page.goto(f"{site.url}/agreements/{lpsa.pk}/document/")
    rows = page.evaluate(
        """() => { const body = document.querySelector('.ls-agreement tbody');
            while (body.rows.length < 12) body.appendChild(body.rows[0].cloneNode(true));
            return body.rows.length; }"""
    )
    assert rows == 12
    pdf = page.pdf(format="A4")
    # Each page of a PDF is one "/Type /Page" object (the page tree is "/Type /Pages").
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
