from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from localstat.chain.choices import ChainRole
from localstat.chain.models import ChainLink, Organisation
from localstat.core.clock import today
from localstat.demo.models import DemoLogin
from localstat.demo.pipeline import DEMO_AS_OF, DEMO_PASSWORD, login_lines
from localstat.demo.testing import module_demo

README = Path(__file__).resolve().parents[3] / "README.md"


def _tour() -> dict[str, set[str]]:
    """The README's tour table: login → the organisation codes it says the start page lists."""
    tour = {}
    for line in README.read_text().splitlines():
        match = re.match(r"\| `([^`]+)` \| [^|]+ \| ([^|]+) \|$", line)
        if match:
            tour[match.group(1)] = set(re.findall(r"`([^`]+)`", match.group(2)))
    return tour


pytestmark = pytest.mark.django_db
demo = module_demo()


def test_every_demo_login_starts_on_exactly_the_organisations_the_readme_names(demo) -> None:
    tour = _tour()
    assert set(tour) == set(DemoLogin.objects.values_list("username", flat=True))
    for username, codes in tour.items():
        client = Client()
        assert client.login(username=username, password=DEMO_PASSWORD), username
        html = client.get(reverse("start")).content.decode()
        assert set(re.findall(r'data-org-code="([^"]+)"', html)) == codes, username


def test_the_demo_holds_the_real_nhs_chain(demo) -> None:
    units = ChainLink.objects.filter(
        service__code="health", role=ChainRole.FRONT_LINE_UNIT, valid_to__isnull=True
    )
    assert units.count() == 274
    assert units.filter(accountable_to__code="NHS-UNRECORDED").count() == 104
    # the 104 providers the trust list does not cover have no invented name
    assert (
        not Organisation.objects.filter(chain_links__accountable_to__code="NHS-UNRECORDED")
        .exclude(name="")
        .exists()
    )
    tier = ChainLink.objects.filter(
        service__code="health", role=ChainRole.INTERMEDIATE_TIER, accountable_to__code="DH"
    )
    assert tier.count() == 15
    assert Organisation.objects.get(code="Q70").geographic_parent.code == "Y57"


def test_the_synthetic_chains_are_labelled_synthetic(demo) -> None:
    for service, count in (("education", 40), ("policing", 8), ("local-government", 6)):
        units = Organisation.objects.filter(
            chain_links__service__code=service, chain_links__role=ChainRole.FRONT_LINE_UNIT
        )
        assert units.count() == count
        assert not units.filter(synthetic=False).exists()
    html = Client().get(reverse("directory"), {"q": "NVC-S001"}).content.decode()
    assert "Synthetic" in html


def test_the_demo_sets_the_clock_to_the_day_it_was_built_for(demo) -> None:
    assert today() == DEMO_AS_OF


def test_the_login_lines_have_the_documented_shape(demo, capsys) -> None:
    call_command("demo", "--logins")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == login_lines()
    assert len(lines) == 11
    for line in lines:
        assert re.fullmatch(r"login: \S+  password: \S+  role: \S+  organisation: \S+", line), line
