"""Releases: schedule one for an announced time, then publish it, which freezes what the public sees."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from localstat.assessment.choices import RunStatus
from localstat.assessment.models import AssessmentRun, Judgement
from localstat.chain.access import Actor, authorise
from localstat.chain.choices import ChainRole
from localstat.chain.models import Organisation, Service
from localstat.chain.selectors import links_current_on
from localstat.core.audit import record_event
from localstat.framework.models import Indicator
from localstat.publication.models import Release, ReleasedJudgement, ReleasedValue, ReleaseStatus
from localstat.publication.permissions import PUBLISH_RELEASE, SCHEDULE_RELEASE
from localstat.returns.models import Observation

#: Judgement columns copied as they are into the release.
JUDGEMENT_COLUMNS = (
    "level",
    "organisation_id",
    "parent_id",
    "indicator_id",
    "period",
    "value",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "national_value",
    "vs_national",
    "parent_value",
    "vs_parent",
    "peer_value",
    "vs_peers",
    "vs_standard",
    "target_status",
    "variation",
    "assurance",
    "spc_rule",
    "trend",
    "evidence",
)


def chain_of(service: Service) -> list[Organisation]:
    """The intermediate-tier bodies and units currently in the service's chain: what a release covers."""
    return list(
        Organisation.objects.filter(
            pk__in=links_current_on(None)
            .filter(service=service, role__in=[ChainRole.INTERMEDIATE_TIER, ChainRole.FRONT_LINE_UNIT])
            .values("organisation")
        )
    )


def _actor(acting_user: Actor) -> Actor:
    return acting_user if acting_user is not None and acting_user.is_authenticated else None


def schedule_release(
    *,
    service: Service,
    title: str,
    publish_at: datetime,
    acting_user: Actor,
    run: AssessmentRun | None = None,
    change_note: str = "",
) -> Release:
    """Announce the next release of ``service`` for ``publish_at``, freezing ``run`` (default: the latest
    complete one) when it is published. A release after the first that corrects it says what changed."""
    authorise(acting_user, SCHEDULE_RELEASE.code, chain_of(service))
    if run is None:
        run = AssessmentRun.objects.filter(status=RunStatus.COMPLETE).order_by("-started_at", "-id").first()
    if run is None or run.status != RunStatus.COMPLETE:
        raise ValidationError("A release freezes a complete assessment run: run `localstat assess` first.")
    if not title.strip():
        raise ValidationError("A release needs a title.")
    with transaction.atomic():
        # Lock the service, not the releases: PostgreSQL allows no FOR UPDATE with an aggregate, and
        # the first release of a service has no row to lock.
        Service.objects.select_for_update().filter(pk=service.pk).first()
        last = Release.objects.filter(service=service).aggregate(n=Max("number"))["n"]
        release = Release.objects.create(
            service=service,
            number=(last or 0) + 1,
            title=title.strip(),
            publish_at=publish_at,
            run=run,
            change_note=change_note.strip(),
            scheduled_by=_actor(acting_user),
        )
        record_event(
            actor=acting_user,
            action="publication.schedule_release",
            subject=release,
            summary=f"Scheduled {service.name} release {release.number} for {publish_at:%Y-%m-%d %H:%M}",
            data={"run": run.pk, "publish_at": publish_at.isoformat(), "title": release.title},
        )
    return release


def _freeze(release: Release) -> tuple[int, int]:
    """Copy the approved values and the run's judgements of the service's published indicators into the
    release's tables, in two ``INSERT … SELECT`` statements."""
    observations = Observation._meta.db_table
    indicators = Indicator._meta.db_table
    judgements = Judgement._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{ReleasedValue._meta.db_table}" '
            "(release_id, unit_id, indicator_id, indicator_version_id, period_start, numerator, denominator) "
            "SELECT %s, o.unit_id, o.indicator_id, o.indicator_version_id, o.period_start, o.numerator, "
            f'o.denominator FROM "{observations}" o JOIN "{indicators}" i ON i.id = o.indicator_id '
            "WHERE o.approved_current = %s AND i.internal_only = %s AND i.service_id = %s "
            "AND o.period_start <= %s",
            [release.pk, True, False, release.service_id, release.run.as_of],
        )
        values = cursor.rowcount
        columns = ", ".join(JUDGEMENT_COLUMNS)
        selected = ", ".join(f"j.{c}" for c in JUDGEMENT_COLUMNS)
        cursor.execute(
            f'INSERT INTO "{ReleasedJudgement._meta.db_table}" (release_id, {columns}) '
            f'SELECT %s, {selected} FROM "{judgements}" j JOIN "{indicators}" i ON i.id = j.indicator_id '
            "WHERE j.run_id = %s AND i.internal_only = %s AND i.service_id = %s",
            [release.pk, release.run_id, False, release.service_id],
        )
        judged = cursor.rowcount
    return values, judged


def publish_release(*, release: Release, acting_user: Actor, now: datetime | None = None) -> Release:
    """Publish a scheduled release at or after its announced time: freeze its values and judgements."""
    authorise(acting_user, PUBLISH_RELEASE.code, chain_of(release.service))
    now = now or timezone.now()
    with transaction.atomic():
        release = (
            Release.objects.select_for_update(of=("self",))
            .select_related("run", "service")
            .get(pk=release.pk)
        )
        if release.status != ReleaseStatus.SCHEDULED:
            raise ValidationError(f"Release {release.number} is already published.")
        if now < release.publish_at:
            raise ValidationError(
                f"Release {release.number} is announced for {release.publish_at:%Y-%m-%d %H:%M}: "
                "it may not be published earlier."
            )
        release.values, release.judgements = _freeze(release)
        release.status = ReleaseStatus.PUBLISHED
        release.published_at = now
        release.published_by = _actor(acting_user)
        release.save(update_fields=["values", "judgements", "status", "published_at", "published_by"])
        record_event(
            actor=acting_user,
            action="publication.publish_release",
            subject=release,
            summary=f"Published {release.service.name} release {release.number}: {release.title}",
            data={"run": release.run_id, "values": release.values, "judgements": release.judgements},
        )
    return release
