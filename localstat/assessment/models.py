from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from localstat.assessment.choices import Level, RunScope, RunStatus
from localstat.chain.models import Organisation, Service
from localstat.core.clock import now
from localstat.framework.models import Indicator


class AssessmentRun(models.Model):
    """One execution of the engine over approved data at an as-of date.

    It records what is needed to reproduce it: the engine version, the parameters (SPC profile,
    band rules, recovery window) and a fingerprint of the observations it read. A full run judges
    every indicator; an update run re-judges only the indicators an approval changed, so the current
    judgement of a series is always the newest one written for it.
    """

    as_of = models.DateField()
    scope = models.CharField(max_length=8, choices=RunScope.choices, default=RunScope.FULL)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    engine_version = models.CharField(max_length=20)
    parameters = models.JSONField(default=dict)
    indicators = models.JSONField(default=list, help_text="Codes of the indicators this run judged.")
    input_fingerprint = models.CharField(max_length=64, blank=True)
    observations = models.PositiveIntegerField(default=0)
    timings = models.JSONField(default=dict, help_text="Seconds spent reading, judging and storing.")
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    trigger = models.CharField(
        max_length=100, blank=True, help_text="What started it: a command, an approval…"
    )
    started_at = models.DateTimeField(
        default=now, help_text="When it started, on the database's reference date."
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"run {self.pk} as of {self.as_of} ({self.get_scope_display().lower()}, {self.status})"


class Judgement(models.Model):
    """The engine's verdict on one series (a unit's, a tier body's pooled, or the nation's) at the
    run's as-of period, with its evidence: the numbers and the rules that fired."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="judgements")
    level = models.CharField(max_length=10, choices=Level.choices)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="judgements"
    )
    parent = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="judgements")
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    period = models.DateField(help_text="The period judged: the latest at or before the run's as-of date.")
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
    evidence = models.JSONField(default=dict, help_text="Every number the engine reported for the series.")
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["indicator_id", "level", "organisation_id"]
        indexes = [
            models.Index(
                fields=["organisation", "indicator"],
                condition=Q(is_current=True),
                name="assess_current_by_org",
            ),
            models.Index(
                fields=["indicator", "level"],
                condition=Q(is_current=True),
                name="assess_current_by_indicator",
            ),
        ]

    def __str__(self) -> str:
        who = self.organisation.code if self.organisation_id else "England"
        return f"{who} {self.indicator.code} {self.period}"


class UnitAssessment(models.Model):
    """A unit's position (absolute performance × direction of travel) and band in one service."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="unit_assessments")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="assessments")
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    position = models.CharField(max_length=40, blank=True)
    band = models.CharField(max_length=20, blank=True)
    absolute_score = models.FloatField(null=True)
    direction_score = models.FloatField(null=True)
    evidence = models.JSONField(default=dict)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["organisation_id", "service_id"]
        indexes = [
            models.Index(fields=["organisation"], condition=Q(is_current=True), name="assess_current_unit")
        ]

    def __str__(self) -> str:
        return f"{self.organisation.code}: {self.position or '–'}, {self.band or '–'}"


class TierAssessment(models.Model):
    """An intermediate-tier body's own record: its units' bands and how it corrected under-performance."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="tier_assessments")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="tier_assessments")
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    position = models.CharField(max_length=40, blank=True)
    band = models.CharField(max_length=20, blank=True)
    units = models.PositiveIntegerField(default=0)
    band_shares = models.JSONField(default=dict, help_text="Share of its units in each band.")
    falls = models.PositiveIntegerField(default=0)
    recovered = models.PositiveIntegerField(default=0)
    evidence = models.JSONField(default=dict)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["organisation_id", "service_id"]

    def __str__(self) -> str:
        return f"{self.organisation.code}: {self.recovered} of {self.falls} falls recovered"


class ChartImage(models.Model):
    """A chart rendered once for a run and kept, so no page renders a chart per request."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="charts")
    key = models.CharField(max_length=200)
    svg = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run_id", "key"]
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="assess_one_chart_per_key")]

    def __str__(self) -> str:
        return f"run {self.run_id}: {self.key}"


class AnalyticsCopy(models.Model):
    """The identity of this database's analytics copy: its files live in a folder named by ``token``.

    A rebuilt or different database gets a new token, so a run can never read another database's
    (or an emptied database's) files.
    """

    token = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.token


class TargetProposal(models.Model):
    """A run's proposal that an active target whose deadline has passed was met or missed.

    A department analyst confirms it (which records the outcome in the framework) or rejects it with
    a reason; either way the proposal and the decision stay side by side.
    """

    OPEN, CONFIRMED, REJECTED = "open", "confirmed", "rejected"
    STATUSES = [(OPEN, "Awaiting decision"), (CONFIRMED, "Confirmed"), (REJECTED, "Rejected")]

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="target_proposals")
    target = models.ForeignKey("framework.Target", on_delete=models.PROTECT, related_name="proposals")
    outcome = models.CharField(max_length=8, choices=[("met", "Met"), ("missed", "Missed")])
    evidence = models.TextField()
    status = models.CharField(max_length=10, choices=STATUSES, default=OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["target"], condition=Q(status="open"), name="assess_one_open_proposal_per_target"
            )
        ]

    def __str__(self) -> str:
        return f"{self.target.reference}: {self.outcome} ({self.status})"
