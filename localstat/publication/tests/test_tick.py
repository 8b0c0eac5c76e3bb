"""The tick publishes each announced release at its time, and nothing before it."""

from __future__ import annotations

from datetime import date

from django.test import Client

from localstat.assessment.services import run_assessment
from localstat.core.clock import set_reference_date
from localstat.publication.models import Release, ReleaseStatus
from localstat.publication.services import freeze_release, schedule_release
from localstat.publication.tests.test_pre_release import PUBLICATION
from localstat.publication.tick import publish_due_releases
from localstat.returns.tick import discover_rules


def test_the_tick_publishes_a_frozen_release_once_its_announced_time_has_passed(with_context) -> None:
    run_assessment(as_of=date(2019, 4, 30), acting_user=None, trigger="test")
    release = schedule_release(
        service=with_context.health, title="April 2019", publish_at=PUBLICATION, acting_user=with_context.ada
    )
    freeze_release(release=release, acting_user=with_context.ada, now=PUBLICATION.replace(day=1))
    # the day before: nothing is published, and the public cannot read it
    assert publish_due_releases(date(2019, 5, 1)).startswith("0 releases published")
    assert Client().get("/releases/health/1/").status_code == 404
    # once its time has passed (the database's date is the day after): published, as it was frozen
    set_reference_date(date(2019, 5, 3), reason="test")
    said = publish_due_releases(date(2019, 5, 3))
    assert said.startswith("1 releases published at their announced time (")
    release.refresh_from_db()
    assert release.status == ReleaseStatus.PUBLISHED
    assert release.published_at >= PUBLICATION
    assert release.published_by is None
    assert Client().get("/releases/health/1/").status_code == 200
    # and a second tick publishes nothing again
    assert publish_due_releases(date(2019, 5, 3)).startswith("0 releases published")
    assert Release.objects.filter(status=ReleaseStatus.PUBLISHED).count() == 1


def test_the_rule_is_one_of_the_ticks() -> None:
    assert "publish_due_releases" in [rule.name for rule in discover_rules()]
