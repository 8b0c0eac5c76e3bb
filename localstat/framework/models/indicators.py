from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q

from localstat.chain.models import Organisation, Service
from localstat.framework.choices import Focus, Periodicity, Polarity, Statistic

indicator_code_validator = RegexValidator(
    r"^[A-Z][A-Z0-9_]*$",
    "An indicator code is capital letters, digits and underscores, starting with a letter (AE4H_T1).",
)


class Indicator(models.Model):
    """A quantity defined once and measured the same way everywhere and over time (seed 4.13).

    What is measured lives on its versions: a change of definition is a new :class:`IndicatorVersion`,
    so a value recorded against version 1 is never read as if it meant version 2. ``current_version``
    points at the latest; ``internal_only`` marks internal management data that is never published.
    """

    code = models.CharField(max_length=40, unique=True, validators=[indicator_code_validator])
    name = models.CharField(max_length=200)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="indicators")
    owner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="owned_indicators",
        help_text="The body that defines the indicator and answers for its definition.",
    )
    focus = models.CharField(
        max_length=10,
        choices=Focus.choices,
        default=Focus.OUTCOME,
        help_text="What it measures: an input, an output, a process or an outcome (seed 2.9).",
    )
    internal_only = models.BooleanField(
        default=False, help_text="Internal management data: never published (seed 4.13)."
    )
    synthetic = models.BooleanField(default=False, help_text="Invented for the demo's synthetic chains.")
    current_version = models.ForeignKey(
        "IndicatorVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"


class IndicatorVersion(models.Model):
    """One definition of an indicator, in force from ``valid_from`` until the next version's.

    Versions are never edited: a change of definition, statistic, multiplier, unit, polarity or
    periodicity is a new version, with its reason.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    valid_from = models.DateField()
    definition = models.TextField()
    numerator_definition = models.TextField()
    denominator_definition = models.TextField(blank=True, help_text="Blank for a count.")
    statistic = models.CharField(max_length=12, choices=Statistic.choices)
    multiplier = models.PositiveIntegerField(
        default=1, help_text="100 for a percentage, 1000 for a rate per 1,000; 1 for a count or ratio."
    )
    display_unit = models.CharField(
        max_length=60, blank=True, help_text="For example %, or per 1,000 people."
    )
    decimal_places = models.PositiveSmallIntegerField(default=1)
    polarity = models.CharField(max_length=8, choices=Polarity.choices)
    periodicity = models.CharField(max_length=16, choices=Periodicity.choices)
    change_reason = models.TextField(
        blank=True, help_text="Why the definition changed (blank for version 1)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["indicator__code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "number"], name="framework_one_version_per_number"),
            models.UniqueConstraint(
                fields=["indicator", "valid_from"], name="framework_one_version_per_start_date"
            ),
            models.CheckConstraint(
                condition=~Q(statistic=Statistic.COUNT) | Q(denominator_definition=""),
                name="framework_a_count_has_no_denominator",
            ),
            models.CheckConstraint(condition=Q(multiplier__gte=1), name="framework_multiplier_is_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} v{self.number} (from {self.valid_from})"

    def format_value(self, value: float | None) -> str:
        """A value as a page shows it: ``95.2%``, ``12.4 per 1,000 people``."""
        if value is None:
            return "–"
        number = f"{value:,.{self.decimal_places}f}"
        if self.display_unit in ("", "%"):
            return f"{number}{self.display_unit}"
        return f"{number} {self.display_unit}"


class IndicatorEquivalence(models.Model):
    """Two indicators recorded as asking for the same thing, so controls on them count as overlapping.

    Stored once per pair, the lower id first; the relation is symmetric and read transitively.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    equivalent = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["indicator__code", "equivalent__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "equivalent"], name="framework_one_equivalence_per_pair"
            ),
            models.CheckConstraint(
                condition=Q(indicator__lt=F("equivalent")), name="framework_equivalence_stored_lower_id_first"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} ≡ {self.equivalent.code}"
