"""The inspection's additions to the named scenario: the assessed A&E chain and the CQC's published rules.

CQC inspects health, so Ines acts on Ashford (U1), Bramley (U2), Carlton (U3) and Denton (U4) but never
on Elm School (S1). Today is 30 April 2019.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from localstat.assessment.services import run_assessment
from localstat.assessment.tests.conftest import Assessed, assessed  # noqa: F401  (the fixture)
from localstat.inspection.choices import Component
from localstat.inspection.services import publish_inspection_rules

RULES_FILE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "inspection-rules.yaml"


def scores(value: int = 3, evidence: str = "Seen at the visit.") -> dict[str, tuple[int, str]]:
    return dict.fromkeys(Component.values, (value, evidence))


@pytest.fixture
def inspected(assessed: Assessed) -> Any:  # noqa: F811
    """Assessed, judged, and the CQC's rules published."""
    run_assessment(as_of=None, acting_user=None, trigger="inspection tests")
    publish_inspection_rules(
        inspectorate=assessed.cqc, text=RULES_FILE.read_text(), acting_user=assessed.ines
    )
    return assessed
