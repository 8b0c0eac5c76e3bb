"""Published scheduling rules, inspections and their findings, capacity assessments and audit marks.

Nothing here is edited after it is recorded: new rules are a new version, a verification is a new
capacity assessment that points at the self-assessment it verifies, and a second audit of the same
returns is a second mark.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from localstat.chain.models import Organisation, Service
from localstat.engine.inspection import BREADTH_WORDS
from localstat.framework.models import Indicator
from localstat.inspection.choices import (
    AuditOutcome,
    CapacityScore,
    CapacitySource,
    CapacityStatus,
    Component,
    Depth,
    FindingKind,
    FindingRating,
    OverallJudgement,
)


class InspectionRules(models.Model):
    """One published version of an inspectorate's scheduling rules (``docs/inspection-rules.md``)."""

    inspectorate = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="inspection_rules")
    version = models.PositiveIntegerField()
    text = models.TextField(help_text="The rules file as published (YAML).")
    rules = models.JSONField(help_text="The rules as the engine read them.")
    note = models.CharField(max_length=300, blank=True, help_text="What changed from the version before.")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["inspectorate_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["inspectorate", "version"], name="inspection_one_rules_version")
        ]

    def __str__(self) -> str:
        return f"{self.inspectorate.code} inspection rules v{self.version}"


class Inspection(models.Model):
    """One inspection of a unit: its scope, findings, overall judgement and the support offered."""

    inspectorate = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="inspections_made")
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="inspections")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField()
    depth = models.CharField(max_length=10, choices=Depth.choices)
    breadth = models.JSONField(default=list, help_text="What it covered (Breadth values).")
    scope = models.TextField(help_text="What the inspectors looked at, in words.")
    judgement = models.CharField(max_length=24, choices=OverallJudgement.choices)
    summary = models.TextField()
    support_offered = models.TextField(blank=True, help_text="How the inspectorate will help it improve.")
    plan = models.JSONField(
        default=dict, help_text="The unit's place in the plan when the inspection was recorded."
    )
    rules = models.ForeignKey(
        InspectionRules, null=True, blank=True, on_delete=models.PROTECT, related_name="inspections"
    )
    synthetic = models.BooleanField(default=False, help_text="Invented for the demo.")
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["unit", "visited_on"])]

    def __str__(self) -> str:
        return f"{self.unit.code} inspected {self.visited_on}"

    def breadth_labels(self) -> list[str]:
        return [BREADTH_WORDS[word] for word in self.breadth if word in BREADTH_WORDS]


class Finding(models.Model):
    """A finding against a common standard or a locally important outcome (seed 5.14)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=16, choices=FindingKind.choices)
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(max_length=200)
    rating = models.CharField(max_length=12, choices=FindingRating.choices)
    evidence = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["inspection_id", "position", "id"]

    def __str__(self) -> str:
        return f"{self.subject}: {self.rating}"


class CapacityAssessment(models.Model):
    """A unit's performance management capacity, each of the five components scored with evidence.

    An inspector's own assessment is ``confirmed``. A unit's self-assessment awaits verification; an
    inspector verifies it by recording an assessment of their own that ``verifies`` it (keeping or
    changing each score), so the unit's scores and the inspector's stand side by side.
    """

    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="capacity_assessments")
    source = models.CharField(max_length=16, choices=CapacitySource.choices)
    status = models.CharField(max_length=24, choices=CapacityStatus.choices)
    assessed_on = models.DateField()
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="capacity_assessments"
    )
    verifies = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="verification"
    )
    prefill = models.JSONField(default=dict, help_text="What LocalStat saw itself when it was made.")
    note = models.TextField(blank=True)
    synthetic = models.BooleanField(default=False, help_text="Invented for the demo.")
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        indexes = [models.Index(fields=["unit", "source", "assessed_on"])]

    def __str__(self) -> str:
        return f"{self.unit.code} capacity {self.assessed_on} ({self.status})"

    @property
    def overall_score(self) -> float | None:
        scores = [s.score for s in self.scores.all()]
        return round(sum(scores) / len(scores), 2) if scores else None


class ComponentScore(models.Model):
    """One of the five components, scored 1–4 with its evidence."""

    assessment = models.ForeignKey(CapacityAssessment, on_delete=models.CASCADE, related_name="scores")
    component = models.CharField(max_length=20, choices=Component.choices)
    score = models.PositiveSmallIntegerField(choices=CapacityScore.choices)
    evidence = models.TextField()

    class Meta:
        ordering = ["assessment_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "component"], name="inspection_one_score_each"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=4), name="inspection_score_1_to_4"),
        ]

    def __str__(self) -> str:
        return f"{self.component}: {self.score}"


class AuditMark(models.Model):
    """An inspector's mark that a unit's returns for a period were audited, with the findings (5.14)."""

    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="audit_marks")
    collection = models.ForeignKey(
        "returns.Collection", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    returns = models.PositiveIntegerField(help_text="How many of its returns the period covered.")
    outcome = models.CharField(max_length=16, choices=AuditOutcome.choices)
    findings = models.TextField()
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_marks"
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="inspection_audit_period_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit.code} returns {self.period_start}–{self.period_end}: {self.outcome}"


class OverdueInspection(models.Model):
    """A unit whose next inspection date under the published plan passed with no inspection, noted
    once for that date by the daily tick (``localstat tick``). An inspection moves the unit's date,
    so a unit is noted again only if it falls overdue again."""

    inspectorate = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="overdue_inspections")
    due_on = models.DateField(help_text="The next inspection date the plan gave.")
    noted_on = models.DateField(help_text="The day the tick found it passed.")
    tier = models.CharField(max_length=40, help_text="The unit's tier in the plan when noted.")
    rules = models.ForeignKey(InspectionRules, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-noted_on", "unit_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspectorate", "unit", "due_on"], name="inspection_overdue_noted_once_per_due_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit.code} overdue since {self.due_on} (noted {self.noted_on})"
