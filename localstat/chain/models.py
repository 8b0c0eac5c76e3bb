from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from localstat.chain.choices import ChainRole, OrganisationKind, Role, UnitType

#: Kinds of body that can be a front line unit in some service (a council is one in local government).
UNIT_KINDS = [OrganisationKind.UNIT, OrganisationKind.COUNCIL]


class Service(models.Model):
    """One public service with its own delivery chain (health, education, policing, local government)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A department, intermediate-tier body, front line unit or inspectorate.

    ``name`` is blank where the source data gives only a code: pages then show the code, never an
    invented name. ``synthetic`` marks demo organisations that do not exist.
    """

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=30, choices=OrganisationKind.choices)
    unit_type = models.CharField(max_length=30, choices=UnitType.choices, blank=True)
    geographic_parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="geographic_children"
    )
    opened = models.DateField(null=True, blank=True)
    closed = models.DateField(null=True, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=12, blank=True)
    synthetic = models.BooleanField(default=False, help_text="A demo organisation that does not exist.")
    source = models.CharField(max_length=300, blank=True, help_text="Where the record came from.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=UNIT_KINDS) | Q(unit_type=""),
                name="chain_unit_type_only_on_unit_kinds",
            ),
            models.CheckConstraint(
                condition=~Q(kind=OrganisationKind.UNIT) | ~Q(unit_type=""),
                name="chain_units_have_a_unit_type",
            ),
            models.CheckConstraint(
                condition=Q(closed__isnull=True) | Q(opened__isnull=True) | Q(closed__gte=models.F("opened")),
                name="chain_organisation_closes_after_it_opens",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})" if self.name else self.code

    @property
    def display_name(self) -> str:
        return self.name or self.code

    @property
    def is_unit(self) -> bool:
        """Can it be a front line unit? A council can: of local government, while managing schools."""
        return bool(self.unit_type)


class ChainLink(models.Model):
    """An organisation's role in one service's chain and the body it answers to, over a period.

    A front line unit answers to its performance manager (an intermediate-tier body); an
    intermediate-tier body answers to its department. Moving a unit closes its link and opens a new
    one, so the history is kept. At most one open link per organisation and service is a database
    constraint, which is what makes a unit's performance manager unique.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="chain_links")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="chain_links")
    role = models.CharField(max_length=30, choices=ChainRole.choices)
    accountable_to = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="accountable_links"
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Blank while the link is current.")
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["service__code", "organisation__code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "service"],
                condition=Q(valid_to__isnull=True),
                name="chain_one_current_link_per_service",
                violation_error_message="An organisation has one current place in each service's chain.",
            ),
            models.CheckConstraint(
                condition=Q(role__in=[ChainRole.DEPARTMENT, ChainRole.INSPECTORATE])
                | Q(accountable_to__isnull=False),
                name="chain_units_and_tiers_answer_to_someone",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="chain_link_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=~Q(accountable_to=models.F("organisation")),
                name="chain_link_not_accountable_to_itself",
            ),
        ]
        indexes = [models.Index(fields=["service", "accountable_to", "valid_to"])]

    def __str__(self) -> str:
        above = f" → {self.accountable_to.code}" if self.accountable_to_id else ""
        return f"{self.organisation.code} {self.get_role_display()} in {self.service.code}{above}"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class ContextVariable(models.Model):
    """A measured characteristic of units (population, deprivation, size…) used for peer groups."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=150)
    unit_of_measure = models.CharField(max_length=60, blank=True)
    description = models.TextField(blank=True)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ContextValue(models.Model):
    """A context variable's value for one unit and period (the period's first day)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="context_values")
    variable = models.ForeignKey(ContextVariable, on_delete=models.PROTECT, related_name="values")
    period_start = models.DateField()
    value = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__code", "variable__code", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "variable", "period_start"], name="chain_one_context_value_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation.code} {self.variable.code} {self.period_start}: {self.value}"


class Membership(models.Model):
    """A person's role in an organisation. The public needs none."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__username", "organisation__code", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="chain_one_membership_per_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.organisation.code}"
