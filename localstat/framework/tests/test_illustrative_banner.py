"""The "Illustrative" banner about the demo's invented education controls: where it shows, and its figures."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from localstat.chain.models import Organisation
from localstat.demo.pipeline import DEMO_AS_OF
from localstat.demo.testing import module_demo
from localstat.framework import services
from localstat.framework.choices import ControlKind, ControlScope, Focus
from localstat.framework.services import ControlSpec

pytestmark = pytest.mark.django_db
demo = module_demo(only=("returns",))


def _banner(url: str) -> str | None:
    html = Client().get(url).content.decode()
    found = re.search(r"data-illustrative>(.*?)</div>", html, re.S)
    return found.group(1) if found else None


@pytest.mark.parametrize(
    "url", ["/framework/managers/Q70/", "/framework/departments/DH/", "/framework/units/RBD/"]
)
def test_an_nhs_page_without_the_invented_education_controls_shows_no_banner_about_them(demo, url) -> None:
    # an illustrative NHS target reaches these units, but it carries its own tag: the banner is not about it
    assert _banner(url) is None


def test_the_banner_counts_what_the_page_counts_rather_than_quoting_a_fixed_figure(demo) -> None:
    school = Organisation.objects.get(code="NVC-S001")
    assert "207 of the 207 controls counted here are the demo" in _banner("/framework/units/NVC-S001/")
    services.register_control(
        spec=ControlSpec(
            code="NVC-LOCAL-1",
            title="A locally agreed attendance plan",
            kind=ControlKind.COMPLIANCE,
            focus=Focus.PROCESS,
            issuing_body=Organisation.objects.get(code="DFE"),
            in_force_from=DEMO_AS_OF,
            scope=ControlScope.UNITS,
            units=[school],
        ),
        acting_user=None,
    )
    assert "207 of the 208 controls counted here are the demo" in _banner("/framework/units/NVC-S001/")
    assert "207 of the 208 controls" in _banner("/framework/units/NVC-S001/burden/")


def test_the_framework_home_names_unit_types_by_their_labels(demo) -> None:
    html = Client().get("/framework/").content.decode()
    burdens = re.findall(r">Burden on every ([^<]+)</a>", html)
    assert "NHS provider" in burdens
    assert "basic command unit" in burdens
    assert not [b for b in burdens if "_" in b or b in ("nhsprovider", "basiccommandunit")]
