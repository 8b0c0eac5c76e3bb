from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from localstat.chain.models import Organisation, Service
from localstat.framework.choices import ExemptionGrounds, TargetKind, TargetScope, TargetStatus
from localstat.framework.models.indicators import Indicator, IndicatorVersion

#: The statuses in which a target has been agreed (and so is public and counts as a headline target).
AGREED_STATUSES = [TargetStatus.AGREED, TargetStatus.ACTIVE, TargetStatus.MET, TargetStatus.MISSED]
CLOSED_STATUSES = [TargetStatus.MET, TargetStatus.MISSED]


class PSA(models.Model):
    """A Public Service Agreement: a department's national, outcome-focused agreement (seed 2.7–2.10).

    It has an objective, the outcome sought, and a few targets (its headline targets).
    """

    code = models.CharField(max_length=40, unique=True)
    department = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="psas")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="psas")
    objective = models.CharField(max_length=300)
    outcome = models.TextField(help_text="The outcome sought, in words the public would use.")
    starts_on = models.DateField()
    ends_on = models.DateField()
    illustrative = models.BooleanField(default=False, help_text="Invented for the demo.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["department__code", "code"]
        verbose_name = "PSA"
        verbose_name_plural = "PSAs"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")), name="framework_psa_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.objective}"


class Target(models.Model):
    """An indicator with a required level by a deadline (Box 2.1), national or for a set of units.

    A national target on a PSA is a headline target. A performance manager cascades it into unit
    targets (``parent``). ``indicator_version`` pins the definition the level was set against.
    The life cycle runs proposed → agreed → active → met or missed, one service per step, each
    stamping its date; a met national target becomes a :class:`Standard`.
    """

    reference = models.CharField(max_length=60, unique=True)
    psa = models.ForeignKey(PSA, null=True, blank=True, on_delete=models.PROTECT, related_name="targets")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cascaded",
        help_text="The national target this unit target was cascaded from.",
    )
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets")
    indicator_version = models.ForeignKey(IndicatorVersion, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=TargetKind.choices)
    scope = models.CharField(max_length=10, choices=TargetScope.choices)
    units = models.ManyToManyField(Organisation, through="TargetUnit", related_name="targets", blank=True)
    level = models.DecimalField(max_digits=16, decimal_places=4)
    deadline = models.DateField()
    description = models.TextField(blank=True)
    set_by = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="targets_set",
        help_text="The department (national targets) or performance manager (unit targets) that sets it.",
    )
    status = models.CharField(max_length=10, choices=TargetStatus.choices, default=TargetStatus.PROPOSED)
    proposed_on = models.DateField()
    agreed_on = models.DateField(null=True, blank=True)
    active_from = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True, help_text="When it was recorded as met or missed.")
    outcome_evidence = models.TextField(blank=True)
    illustrative = models.BooleanField(default=False, help_text="Invented for the demo.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope=TargetScope.UNITS) | Q(parent__isnull=True),
                name="framework_only_unit_targets_are_cascaded",
            ),
            models.CheckConstraint(
                condition=Q(status=TargetStatus.PROPOSED) | Q(agreed_on__isnull=False),
                name="framework_agreed_targets_have_an_agreement_date",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[TargetStatus.PROPOSED, TargetStatus.AGREED])
                | Q(active_from__isnull=False),
                name="framework_active_targets_have_a_start_date",
            ),
            models.CheckConstraint(
                condition=Q(status__in=CLOSED_STATUSES, closed_on__isnull=False)
                | (~Q(status__in=CLOSED_STATUSES) & Q(closed_on__isnull=True)),
                name="framework_only_met_or_missed_targets_are_closed",
            ),
        ]
        indexes = [models.Index(fields=["indicator", "status"])]

    def __str__(self) -> str:
        return f"{self.reference}: {self.indicator.code} {self.level_text}"

    @property
    def is_headline(self) -> bool:
        return self.psa_id is not None and self.scope == TargetScope.NATIONAL

    @property
    def level_text(self) -> str:
        """The level with its comparison, from the indicator's polarity: ``≥ 95.0%``."""
        version = self.indicator_version
        sign = {"higher": "≥ ", "lower": "≤ "}.get(version.polarity, "")
        return sign + version.format_value(float(self.level))


class TargetUnit(models.Model):
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="target_units")
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="target_units")

    class Meta:
        ordering = ["target", "unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["target", "unit"], name="framework_one_row_per_target_unit")
        ]

    def __str__(self) -> str:
        return f"{self.target.reference} → {self.unit.code}"


class Milestone(models.Model):
    """One step of a target's trajectory: the level planned for one period (Box 2.2, A.5)."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="milestones")
    period_start = models.DateField(help_text="The first day of the period, in the indicator's periodicity.")
    level = models.DecimalField(max_digits=16, decimal_places=4)

    class Meta:
        ordering = ["target", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "period_start"], name="framework_one_milestone_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.target.reference} {self.period_start}: {self.level}"


class Standard(models.Model):
    """What a met national target becomes: the same level, maintained and monitored, never ratcheted (3.12)."""

    indicator = models.OneToOneField(Indicator, on_delete=models.PROTECT, related_name="standard")
    indicator_version = models.ForeignKey(IndicatorVersion, on_delete=models.PROTECT, related_name="+")
    target = models.OneToOneField(Target, on_delete=models.PROTECT, related_name="standard")
    level = models.DecimalField(max_digits=16, decimal_places=4)
    established_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["indicator__code"]

    def __str__(self) -> str:
        return f"Standard {self.indicator.code} {self.level} from {self.established_on}"

    @property
    def level_text(self) -> str:
        sign = {"higher": "≥ ", "lower": "≤ "}.get(self.indicator_version.polarity, "")
        return sign + self.indicator_version.format_value(float(self.level))


class Exemption(models.Model):
    """A unit released from further targets on an indicator (or every indicator of a service).

    One record whichever grants it (3.12, 3.22): meeting the standard, or the regime's earned freedom
    of "no further targets" (``reference`` then names the freedom). In force from ``granted_on`` until
    the day before ``ends_on``.
    """

    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="exemptions")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="exemptions")
    indicator = models.ForeignKey(
        Indicator,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exemptions",
        help_text="Blank: every indicator of the service.",
    )
    grounds = models.CharField(max_length=20, choices=ExemptionGrounds.choices)
    standard = models.ForeignKey(
        Standard, null=True, blank=True, on_delete=models.PROTECT, related_name="exemptions"
    )
    granted_by = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="exemptions_granted"
    )
    granted_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="The first day it no longer applies.")
    evidence = models.TextField()
    reference = models.CharField(max_length=100, blank=True, help_text="What granted it, e.g. a freedom.")
    end_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit__code", "granted_on"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(grounds=ExemptionGrounds.STANDARD_MET)
                | Q(standard__isnull=False, indicator__isnull=False),
                name="framework_standard_exemptions_name_the_standard",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gt=F("granted_on")),
                name="framework_exemption_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        about = self.indicator.code if self.indicator_id else f"every {self.service} indicator"
        return f"{self.unit.code} exempt from further targets on {about} ({self.get_grounds_display()})"

    @property
    def description(self) -> str:
        about = self.indicator.code if self.indicator_id else f"every {self.service.name} indicator"
        since = f"since {self.granted_on:%-d %B %Y}"
        return f"{self.get_grounds_display()}: exempt from further targets on {about} {since}"
