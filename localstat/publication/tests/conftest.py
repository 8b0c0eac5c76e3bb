"""The publication's fixtures: the assessed scenario (four units reporting A&E), with a context
variable so that each unit has most similar units, assessed and published as release 1."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from localstat.assessment.services import run_assessment
from localstat.assessment.tests.conftest import assessed  # noqa: F401  (the four assessed units)
from localstat.chain import services as chain
from localstat.publication import stamp
from localstat.publication.models import Release
from localstat.publication.services import publish_release, schedule_release

NOON = datetime(2019, 4, 30, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _page_cache_of_its_own(settings: Any, tmp_path: Any) -> None:
    # Pages are keyed by the releases, but a test database can reuse a release's id and times.
    settings.LOCALSTAT_PAGE_CACHE_DIR = tmp_path / "page-cache"
    stamp.forget()


def publish(scenario: Any, title: str, note: str = "") -> Release:
    scheduled = schedule_release(
        service=scenario.health, title=title, publish_at=NOON, acting_user=None, change_note=note
    )
    return publish_release(release=scheduled, acting_user=None, now=NOON)


@pytest.fixture
def with_context(assessed: Any) -> Any:  # noqa: F811  (the fixture imported above)
    """Attendances as context: Ashford and Bramley alike, Carlton and Denton alike."""
    variable = chain.define_context_variable(code="ATTENDANCES", name="A&E attendances", acting_user=None)
    chain.record_context_values(
        variable=variable,
        values={assessed.u1: 100.0, assessed.u2: 110.0, assessed.u3: 400.0, assessed.u4: 420.0},
        period_start=date(2018, 4, 1),
        acting_user=None,
    )
    return assessed


@pytest.fixture
def published(with_context: Any) -> Release:
    run_assessment(as_of=date(2019, 4, 30), acting_user=None, trigger="test")
    return publish(with_context, "April 2019")
