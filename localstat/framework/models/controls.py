from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from localstat.chain.choices import UnitType
from localstat.chain.models import Organisation, Service
from localstat.framework.choices import ControlKind, ControlScope, Focus
from localstat.framework.models.indicators import Indicator
from localstat.framework.models.targets import PSA, Target


class Control(models.Model):
    """A requirement an outside body places on units (Box 2.1): a target, a measure or a compliance
    requirement, with what it is about and the PSA it relates to, if any.

    It applies to every unit of a type, every front line unit of a service, or a list of units, from
    ``in_force_from`` until the day before ``removed_on``. A control a unit sets for itself (issued by
    the unit) is recorded but is not burden. ``target`` links the control that records a LocalStat
    target placed on units.
    """

    code = models.CharField(max_length=80, unique=True)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=12, choices=ControlKind.choices)
    focus = models.CharField(max_length=10, choices=Focus.choices)
    issuing_body = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="issued_controls")
    framework = models.CharField(
        max_length=200, blank=True, help_text="The instrument it comes from, e.g. an inspection framework."
    )
    psa = models.ForeignKey(PSA, null=True, blank=True, on_delete=models.PROTECT, related_name="controls")
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.PROTECT, related_name="controls"
    )
    level = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    target = models.OneToOneField(
        Target, null=True, blank=True, on_delete=models.PROTECT, related_name="control"
    )
    scope = models.CharField(max_length=10, choices=ControlScope.choices)
    unit_type = models.CharField(max_length=30, choices=UnitType.choices, blank=True)
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.PROTECT, related_name="controls"
    )
    units = models.ManyToManyField(Organisation, through="ControlUnit", related_name="controls", blank=True)
    in_force_from = models.DateField()
    removed_on = models.DateField(null=True, blank=True, help_text="The first day it no longer applies.")
    removal_reason = models.CharField(max_length=300, blank=True)
    illustrative = models.BooleanField(
        default=False, help_text="A demo control shaped like the report's chart, not a real requirement."
    )
    source = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["issuing_body__code", "code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=ControlKind.COMPLIANCE) | Q(indicator__isnull=True),
                name="framework_compliance_requirements_have_no_indicator",
            ),
            models.CheckConstraint(
                condition=Q(kind=ControlKind.TARGET) | Q(level__isnull=True),
                name="framework_only_targets_have_a_level",
            ),
            models.CheckConstraint(
                condition=(Q(scope=ControlScope.UNIT_TYPE) & ~Q(unit_type=""))
                | (~Q(scope=ControlScope.UNIT_TYPE) & Q(unit_type="")),
                name="framework_unit_type_controls_name_the_type",
            ),
            models.CheckConstraint(
                condition=(Q(scope=ControlScope.SERVICE) & Q(service__isnull=False))
                | (~Q(scope=ControlScope.SERVICE) & Q(service__isnull=True)),
                name="framework_service_controls_name_the_service",
            ),
            models.CheckConstraint(
                condition=Q(removed_on__isnull=True) | Q(removed_on__gt=F("in_force_from")),
                name="framework_control_removed_after_it_starts",
            ),
        ]
        indexes = [
            models.Index(fields=["scope", "unit_type"]),
            models.Index(fields=["in_force_from", "removed_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"

    @property
    def applies_to_text(self) -> str:
        if self.scope == ControlScope.UNIT_TYPE:
            return f"every {UnitType(self.unit_type).label.lower()}"
        if self.scope == ControlScope.SERVICE:
            return f"every front line unit in {self.service}"
        return "listed units"


class ControlUnit(models.Model):
    control = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="control_units")
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="control_units")

    class Meta:
        ordering = ["control", "unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["control", "unit"], name="framework_one_row_per_control_unit")
        ]

    def __str__(self) -> str:
        return f"{self.control.code} → {self.unit.code}"
