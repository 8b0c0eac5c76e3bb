"""Collections, returns and their append-only observations, quality rules and warnings, imports and tokens.

Observations are never updated in what they say: a correction is a new row with the next revision,
who made it, when and why. Two flags are derived bookkeeping, kept by the services so reads stay
set-based: ``is_current`` marks each series point's latest revision and ``approved_current`` its latest
approved one (what the assessment reads).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from localstat.chain.models import Organisation, Service
from localstat.framework.choices import Periodicity
from localstat.framework.models import Indicator, IndicatorVersion
from localstat.returns.choices import (
    Importance,
    JobStatus,
    MissingValueStrategy,
    OnFailure,
    ReturnStatus,
    RuleKind,
    Source,
    WarningCheck,
    WarningStatus,
)


class Collection(models.Model):
    """A data request: which items, from which units, how often and by when (seed 4.13).

    Requested once even when several bodies use it: the gateway adds a second issuing body to the
    existing collection instead of letting it ask again.
    """

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="collections")
    periodicity = models.CharField(max_length=16, choices=Periodicity.choices)
    deadline_days = models.PositiveSmallIntegerField(
        help_text="Days after the period ends by which the return is due."
    )
    first_period = models.DateField(help_text="The first day of the first period requested.")
    description = models.TextField(blank=True)
    synthetic = models.BooleanField(default=False, help_text="Invented for the demo's synthetic chains.")
    issuers = models.ManyToManyField(
        Organisation, through="CollectionIssuer", related_name="issued_collections"
    )
    units = models.ManyToManyField(Organisation, through="CollectionUnit", related_name="collections")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CollectionIssuer(models.Model):
    """A body that uses a collection; the first one issued it, later ones were added by the gateway."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="issuer_links")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["collection__code", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "organisation"], name="returns_one_issuer_link")
        ]

    def __str__(self) -> str:
        return f"{self.organisation.code} uses {self.collection.code}"


class CollectionUnit(models.Model):
    """A unit a collection asks for returns."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="unit_links")
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    first_period = models.DateField(null=True, blank=True, help_text="Asked from this period (default: all).")
    last_period = models.DateField(null=True, blank=True, help_text="Asked until this period (default: on).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["collection__code", "unit__code"]
        constraints = [models.UniqueConstraint(fields=["collection", "unit"], name="returns_one_unit_link")]

    def __str__(self) -> str:
        return f"{self.collection.code} asks {self.unit.code}"


class CollectionItem(models.Model):
    """One data item (an indicator) a collection asks for, or derives as the sum of other items."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="collection_items")
    required = models.BooleanField(default=False, help_text="Every return must give it.")
    derived_from = models.JSONField(
        default=list,
        blank=True,
        help_text="Codes of the items whose stored values are summed into this one; empty when submitted.",
    )
    screen_outliers = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["collection__code", "position", "indicator__code"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "indicator"], name="returns_one_item_per_indicator")
        ]

    def __str__(self) -> str:
        return f"{self.collection.code}: {self.indicator.code}"

    @property
    def is_derived(self) -> bool:
        return bool(self.derived_from)


class QualityRule(models.Model):
    """A range rule on one item, or a cross-item rule over a collection's returns (METHODS.md, DHIS2)."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="rules")
    code = models.SlugField(max_length=60)
    description = models.CharField(max_length=300)
    kind = models.CharField(max_length=12, choices=RuleKind.choices)
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Range rules"
    )
    minimum = models.FloatField(null=True, blank=True)
    maximum = models.FloatField(null=True, blank=True)
    left = models.CharField(max_length=300, blank=True)
    operator = models.CharField(max_length=30, blank=True)
    right = models.CharField(max_length=300, blank=True)
    left_missing = models.CharField(
        max_length=30,
        choices=MissingValueStrategy.choices,
        default=MissingValueStrategy.SKIP_IF_ANY_VALUE_MISSING,
    )
    right_missing = models.CharField(
        max_length=30,
        choices=MissingValueStrategy.choices,
        default=MissingValueStrategy.SKIP_IF_ANY_VALUE_MISSING,
    )
    importance = models.CharField(max_length=8, choices=Importance.choices, default=Importance.MEDIUM)
    on_failure = models.CharField(max_length=8, choices=OnFailure.choices, default=OnFailure.WARN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["collection__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "code"], name="returns_one_rule_per_code"),
            models.CheckConstraint(
                condition=~Q(kind=RuleKind.RANGE) | Q(indicator__isnull=False),
                name="returns_a_range_rule_names_its_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.collection.code}/{self.code}"


class Return(models.Model):
    """One unit's submission of its values for one collection and period."""

    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="returns")
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="returns")
    period_start = models.DateField()
    period_end = models.DateField()
    deadline = models.DateField()
    status = models.CharField(max_length=12, choices=ReturnStatus.choices, default=ReturnStatus.AWAITING)
    received_on = models.DateField(null=True, blank=True, help_text="When its first values came in.")
    overdue_noted_on = models.DateField(
        null=True, blank=True, help_text="When the tick first found it past its deadline with no values."
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_back_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["collection__code", "-period_start", "unit__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "unit", "period_start"], name="returns_one_return_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="returns_period_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["unit", "status"]), models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.collection.code} {self.unit.code} {self.period_start}"


class ImportBatch(models.Model):
    """The log row of one import that wrote something: who, how, what file, and its counts.

    An import that fails writes none, and neither does one that changes nothing.
    """

    source = models.CharField(max_length=10, choices=Source.choices)
    file_name = models.CharField(max_length=300, blank=True)
    layout = models.CharField(max_length=10, blank=True)
    collection = models.ForeignKey(
        Collection, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    token = models.ForeignKey("UnitToken", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    rows = models.PositiveIntegerField(default=0)
    new = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    warnings = models.PositiveIntegerField(default=0)
    approved = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import {self.pk}: {self.new} new, {self.changed} changed, {self.unchanged} unchanged"


class Observation(models.Model):
    """One revision of one value: a unit's numerator (and denominator) for an indicator and period."""

    # No foreign key of an observation is a database constraint: on PostgreSQL each one is a trigger
    # call per row at commit (with a row lock on the referenced row), which cost more than the whole
    # COPY of a million rows. The import service, the only writer, resolves every key in the same
    # transaction that creates the return, Django still refuses to delete what is referred to
    # (PROTECT), and ``selectors.observations_out_of_step`` checks the whole table in one query.
    return_record = models.ForeignKey(
        Return, on_delete=models.PROTECT, related_name="observations", db_constraint=False
    )
    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    indicator_version = models.ForeignKey(
        IndicatorVersion, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    period_start = models.DateField()
    revision = models.PositiveIntegerField()
    numerator = models.FloatField()
    denominator = models.FloatField(null=True, blank=True)
    derived = models.BooleanField(default=False, help_text="Summed from other items' stored values.")
    is_current = models.BooleanField(default=True)
    approved_current = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    reason = models.TextField(blank=True, help_text="Why a correction was made.")
    batch = models.ForeignKey(
        ImportBatch,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["unit_id", "indicator_id", "period_start", "revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "indicator", "period_start", "revision"],
                name="returns_one_value_per_revision",
            ),
            models.CheckConstraint(condition=Q(revision__gte=1), name="returns_revisions_count_from_one"),
            # One current and one approved value per unit, indicator and period, whatever the services do.
            models.UniqueConstraint(
                fields=["indicator", "unit", "period_start"],
                condition=Q(is_current=True),
                name="returns_obs_one_current",
            ),
            models.UniqueConstraint(
                fields=["indicator", "unit", "period_start"],
                condition=Q(approved_current=True),
                name="returns_obs_one_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.indicator_id}/{self.period_start} r{self.revision}"


class QualityWarning(models.Model):
    """A check a value failed without being rejected; the submitter or manager confirms or queries it."""

    return_record = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="warnings")
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revision = models.PositiveIntegerField(null=True, blank=True, help_text="The revision that raised it.")
    check_kind = models.CharField(max_length=10, choices=WarningCheck.choices)
    rule = models.CharField(max_length=60, blank=True)
    message = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=WarningStatus.choices, default=WarningStatus.OPEN)
    note = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    batch = models.ForeignKey(ImportBatch, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["return_record_id", "indicator_id", "id"]
        indexes = [models.Index(fields=["return_record", "status"])]

    def __str__(self) -> str:
        return self.message


class UnitToken(models.Model):
    """A bearer token with which one unit's systems push its returns through the API.

    Only a SHA-256 hash is stored; the token itself is shown once, when it is made.
    """

    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, help_text="The token's first characters, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["unit__code", "-created_at"]

    def __str__(self) -> str:
        return f"{self.unit.code} token {self.prefix}…"


class ImportJob(models.Model):
    """A large upload processed by the task worker; its page shows the counts as they advance."""

    source = models.CharField(max_length=10, choices=Source.choices)
    file_name = models.CharField(max_length=300)
    content = models.BinaryField()
    options = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    token = models.ForeignKey(UnitToken, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import job {self.pk} ({self.status})"
