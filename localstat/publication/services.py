"""Releases: schedule one for an announced time, then publish it, which freezes what the public sees."""

from __future__ import annotations

from datetime import datetime

import polars as pl
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max

from localstat.assessment import analytics
from localstat.assessment.choices import RunStatus
from localstat.assessment.models import AssessmentRun, Judgement
from localstat.chain.access import Actor, authorise
from localstat.chain.choices import ChainRole
from localstat.chain.models import Organisation, Service
from localstat.chain.selectors import links_current_on
from localstat.core import clock
from localstat.core.audit import record_event
from localstat.framework.models import Indicator
from localstat.publication import stamp
from localstat.publication.charts import draw_release_charts
from localstat.publication.models import (
    PreReleaseAccess,
    Release,
    ReleasedJudgement,
    ReleasedPeer,
    ReleasedValue,
    ReleaseStatus,
)
from localstat.publication.permissions import GRANT_PRE_RELEASE_ACCESS, PUBLISH_RELEASE, SCHEDULE_RELEASE
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
    _freeze_peers(release)
    draw_release_charts(release)
    return values, judged


def _freeze_peers(release: Release) -> None:
    """Keep the most similar units the run found for the release's judged units, so comparison pages
    read the release and not the run's working files."""
    path = analytics.copy_dir() / "runs" / str(release.run_id) / "peers.parquet"  # analytics.write_peers
    if not path.exists():
        return
    units = dict(
        Organisation.objects.filter(
            pk__in=ReleasedJudgement.objects.filter(release=release).values("organisation")
        ).values_list("code", "pk")
    )
    ids = pl.DataFrame(
        {"code": list(units), "id": list(units.values())}, schema={"code": pl.String, "id": pl.Int64}
    )
    peers = (
        pl.read_parquet(path)
        .with_columns(pl.int_range(1, pl.len() + 1).over("unit").alias("rank"))
        .join(ids.rename({"code": "unit", "id": "unit_id"}), on="unit")
        .join(ids.rename({"code": "peer", "id": "peer_id"}), on="peer")
    )
    ReleasedPeer.objects.bulk_create(
        [
            ReleasedPeer(release=release, unit_id=unit_id, peer_id=peer_id, rank=rank)
            for unit_id, peer_id, rank in peers.select("unit_id", "peer_id", "rank").iter_rows()
        ],
        batch_size=5000,
    )


def freeze_release(*, release: Release, acting_user: Actor, now: datetime | None = None) -> Release:
    """Freeze a scheduled release before its publication time, so the named people with pre-release
    access can read exactly what will be published. Nothing is public until ``publish_release``."""
    authorise(acting_user, PUBLISH_RELEASE.code, chain_of(release.service))
    now = now or clock.now()
    with transaction.atomic():
        release = (
            Release.objects.select_for_update(of=("self",))
            .select_related("run", "service")
            .get(pk=release.pk)
        )
        if release.status != ReleaseStatus.SCHEDULED:
            raise ValidationError(f"Release {release.number} is already published.")
        if release.frozen_at is not None:
            raise ValidationError(
                f"Release {release.number} was frozen at {release.frozen_at:%Y-%m-%d %H:%M}."
            )
        release.values, release.judgements = _freeze(release)
        release.frozen_at = now
        release.save(update_fields=["values", "judgements", "frozen_at"])
        record_event(
            actor=acting_user,
            action="publication.freeze_release",
            subject=release,
            summary=f"Froze {release.service.name} release {release.number} for pre-release access",
            data={"values": release.values, "judgements": release.judgements},
        )
    return release


def grant_pre_release_access(
    *, release: Release, person: AbstractBaseUser, reason: str, acting_user: Actor
) -> PreReleaseAccess:
    """Name a person who may read ``release`` before its publication time, with the reason."""
    authorise(acting_user, GRANT_PRE_RELEASE_ACCESS.code, chain_of(release.service))
    if release.status != ReleaseStatus.SCHEDULED:
        raise ValidationError(f"Release {release.number} is already published: it is open to everyone.")
    if not reason.strip():
        raise ValidationError("Pre-release access needs a reason: why must they see it before the public?")
    if PreReleaseAccess.objects.filter(release=release, person=person).exists():
        raise ValidationError(
            f"{person.get_username()} already has pre-release access to release {release.number}."
        )
    with transaction.atomic():
        access = PreReleaseAccess.objects.create(
            release=release, person=person, reason=reason.strip(), granted_by=_actor(acting_user)
        )
        record_event(
            actor=acting_user,
            action="publication.grant_pre_release_access",
            subject=release,
            summary=f"Gave {person.get_username()} pre-release access to {release.service.name} "
            f"release {release.number}",
            data={"person": person.pk, "reason": access.reason},
        )
    return access


def publish_release(*, release: Release, acting_user: Actor, now: datetime | None = None) -> Release:
    """Publish a scheduled release at or after its announced time: freeze its values and judgements."""
    authorise(acting_user, PUBLISH_RELEASE.code, chain_of(release.service))
    now = now or clock.now()
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
        if release.frozen_at is None:
            release.values, release.judgements = _freeze(release)
            release.frozen_at = now
        release.status = ReleaseStatus.PUBLISHED
        release.published_at = now
        stamp.forget()
        transaction.on_commit(stamp.forget)
        release.published_by = _actor(acting_user)
        release.save(
            update_fields=["values", "judgements", "frozen_at", "status", "published_at", "published_by"]
        )
        record_event(
            actor=acting_user,
            action="publication.publish_release",
            subject=release,
            summary=f"Published {release.service.name} release {release.number}: {release.title}",
            data={"run": release.run_id, "values": release.values, "judgements": release.judgements},
        )
    return release
