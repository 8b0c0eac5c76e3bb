"""Releases: the only way published data changes.

A release freezes, when it is published, the approved values of a service's published indicators and
one assessment run's judgements into tables of its own; public pages read only those tables, so a
value approved later appears nowhere public until the next release.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from localstat.assessment.models import AssessmentRun
from localstat.chain.models import Organisation, Service
from localstat.framework.models import Indicator, IndicatorVersion


class ReleaseStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"


class Release(models.Model):
    """One numbered release of a service chain, announced for ``publish_at`` and frozen when published."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="releases")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=ReleaseStatus.choices, default=ReleaseStatus.SCHEDULED)
    publish_at = models.DateTimeField(help_text="The publication time, announced in advance.")
    published_at = models.DateTimeField(null=True, blank=True)
    frozen_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When its values and judgements were frozen: before publication for pre-release access, "
        "else at publication.",
    )
    run = models.ForeignKey(AssessmentRun, on_delete=models.PROTECT, related_name="releases")
    change_note = models.TextField(blank=True, help_text="For a correction: what changed and why.")
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    values = models.PositiveIntegerField(default=0, help_text="Values frozen when published.")
    judgements = models.PositiveIntegerField(default=0, help_text="Judgements frozen when published.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["service_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["service", "number"], name="publication_one_number_per_service")
        ]

    def __str__(self) -> str:
        return f"{self.service.name} release {self.number}: {self.title} ({self.status})"


class ReleasedValue(models.Model):
    """An approved value as a release froze it."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="released_values")
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", db_index=False)
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+", db_index=False)
    indicator_version = models.ForeignKey(
        IndicatorVersion, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    period_start = models.DateField()
    numerator = models.FloatField()
    denominator = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["release_id", "unit_id", "indicator_id", "period_start"]
        indexes = [
            models.Index(
                fields=["release", "unit", "indicator", "period_start"], name="publication_value_by_unit"
            )
        ]

    def __str__(self) -> str:
        return f"release {self.release_id}: {self.unit_id} {self.indicator_id} {self.period_start}"


class ReleasedJudgement(models.Model):
    """A judgement of the release's run, as the release froze it (fields as ``assessment.Judgement``)."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="released_judgements")
    level = models.CharField(max_length=10)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    parent = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+", db_index=False)
    period = models.DateField()
    value = models.FloatField(null=True)
    lower_95 = models.FloatField(null=True)
    upper_95 = models.FloatField(null=True)
    lower_998 = models.FloatField(null=True)
    upper_998 = models.FloatField(null=True)
    national_value = models.FloatField(null=True)
    vs_national = models.CharField(max_length=24, blank=True)
    parent_value = models.FloatField(null=True)
    vs_parent = models.CharField(max_length=24, blank=True)
    peer_value = models.FloatField(null=True)
    vs_peers = models.CharField(max_length=24, blank=True)
    vs_standard = models.CharField(max_length=24, blank=True)
    target_status = models.CharField(max_length=12, blank=True)
    variation = models.CharField(max_length=32, blank=True)
    assurance = models.CharField(max_length=20, blank=True)
    spc_rule = models.CharField(max_length=16, blank=True)
    trend = models.CharField(max_length=24, blank=True)
    evidence = models.JSONField(default=dict)

    class Meta:
        ordering = ["release_id", "indicator_id", "level", "organisation_id"]
        indexes = [models.Index(fields=["release", "organisation"], name="publication_judgement_by_org")]

    def __str__(self) -> str:
        return f"release {self.release_id}: {self.organisation_id or 'England'} {self.indicator_id}"


class ReleaseChart(models.Model):
    """A chart rendered once for a release and kept."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="charts")
    key = models.CharField(max_length=200)
    svg = models.TextField()

    class Meta:
        ordering = ["release_id", "key"]
        constraints = [
            models.UniqueConstraint(fields=["release", "key"], name="publication_one_chart_per_key")
        ]

    def __str__(self) -> str:
        return f"release {self.release_id}: {self.key}"


class ReleasedPeer(models.Model):
    """A unit's most similar units as the release's run found them (1 = the most similar)."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="released_peers")
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", db_index=False)
    peer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", db_index=False)
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["release_id", "unit_id", "rank"]
        indexes = [models.Index(fields=["release", "unit"], name="publication_peer_by_unit")]

    def __str__(self) -> str:
        return f"release {self.release_id}: {self.unit_id} ~ {self.peer_id} ({self.rank})"


class PreReleaseAccess(models.Model):
    """A named person allowed to see a frozen release before its publication time, and why."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="pre_release_access")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300, help_text="Why they need it before publication.")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["release_id", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["release", "person"], name="publication_one_access_per_person")
        ]

    def __str__(self) -> str:
        return f"release {self.release_id}: pre-release access for {self.person_id}"
