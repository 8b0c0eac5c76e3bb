from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from localstat.assessment.services import run_assessment
from localstat.chain.access import NotPermitted
from localstat.core.models import AuditEvent
from localstat.publication.models import ReleasedJudgement, ReleasedValue, ReleaseStatus
from localstat.publication.services import publish_release, schedule_release

NOON = datetime(2019, 4, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def run(assessed):
    return run_assessment(as_of=date(2019, 4, 30), acting_user=None, trigger="test")


def test_a_release_is_announced_then_published_and_freezes_approved_values_and_judgements(assessed, run):
    release = schedule_release(
        service=assessed.health, title="April 2019", publish_at=NOON, acting_user=assessed.ada
    )
    assert (release.number, release.status, release.run) == (1, ReleaseStatus.SCHEDULED, run)
    assert not ReleasedValue.objects.exists()
    with pytest.raises(ValidationError, match="may not be published earlier"):
        publish_release(release=release, acting_user=assessed.ada, now=NOON - timedelta(minutes=1))

    release = publish_release(release=release, acting_user=assessed.ada, now=NOON)

    assert release.status == ReleaseStatus.PUBLISHED
    assert release.published_at == NOON
    assert release.values == ReleasedValue.objects.filter(release=release).count() == 4 * 24
    assert release.judgements == ReleasedJudgement.objects.filter(release=release).count()
    assert release.judgements == run.judgements.count()
    actions = set(
        AuditEvent.objects.filter(subject_type="publication.release", subject_id=str(release.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions == {"publication.schedule_release", "publication.publish_release"}
    with pytest.raises(ValidationError, match="already published"):
        publish_release(release=release, acting_user=assessed.ada, now=NOON)


def test_the_next_release_is_numbered_on_and_carries_its_correction_note(assessed, run):
    first = schedule_release(service=assessed.health, title="One", publish_at=NOON, acting_user=None)
    second = schedule_release(
        service=assessed.health,
        title="One, corrected",
        publish_at=NOON,
        acting_user=None,
        change_note="Ashford's March value was revised.",
    )
    assert (first.number, second.number) == (1, 2)
    assert second.change_note == "Ashford's March value was revised."


def test_only_a_department_analyst_over_the_chain_schedules_or_publishes(assessed, run):
    for person in (assessed.morgan, assessed.sam, assessed.ines):
        with pytest.raises(NotPermitted):
            schedule_release(service=assessed.health, title="No", publish_at=NOON, acting_user=person)
    release = schedule_release(service=assessed.health, title="Yes", publish_at=NOON, acting_user=None)
    with pytest.raises(NotPermitted):
        publish_release(release=release, acting_user=assessed.morgan, now=NOON)
