"""Consequences: published trigger rules, what they propose, what people decided, and what was granted."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from localstat.chain.models import Organisation, Service
from localstat.regime.choices import (
    Decision,
    FreedomBasis,
    FreedomKind,
    InterventionEventKind,
    InterventionLevel,
    InterventionStatus,
    ProposalKind,
    RewardKind,
    RuleSetStatus,
)


class RuleSet(models.Model):
    """One version of a regime's published trigger rules: the YAML as written and as read.

    A regime belongs to a service and the body that operates it (a department for its chain, an
    intermediate-tier body for its units). Versions count up per regime; editing makes a new draft,
    publishing it supersedes the version in force, and no version is ever changed once published.
    """

    operator = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="rule_sets")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="rule_sets")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    source = models.TextField(help_text="The rules as written (YAML, docs/regime-rules.md).")
    rules = models.JSONField(help_text="The rules as LocalStat read them.")
    applies_to = models.CharField(max_length=20, default="units")
    status = models.CharField(max_length=12, choices=RuleSetStatus.choices, default=RuleSetStatus.DRAFT)
    notes = models.TextField(blank=True, help_text="What changed from the version before, and why.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_on = models.DateField(null=True, blank=True)
    superseded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["operator__code", "service__code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["operator", "service", "version"], name="regime_one_number_per_version"
            ),
            models.UniqueConstraint(
                fields=["operator", "service"],
                condition=Q(status="published"),
                name="regime_one_published_rule_set",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operator.code} {self.service.code} rules v{self.version} ({self.status})"

    @property
    def label(self) -> str:
        return f"{self.title}, version {self.version}"


class Decided(models.Model):
    """What a rule proposed and what a person made of it: a change or a rejection has a reason,
    kept beside the proposal for ever."""

    status = models.CharField(max_length=10, choices=Decision.choices, default=Decision.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        abstract = True


class Proposal(Decided):
    """A rule's proposal for one subject, with the rule set version and the evidence that fired it."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="proposals")
    rule_id = models.CharField(max_length=60)
    rule_title = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=ProposalKind.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="regime_proposals")
    run = models.ForeignKey(
        "assessment.AssessmentRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    as_of = models.DateField()
    period = models.DateField(null=True, blank=True, help_text="The judged period the evidence is from.")
    evidence = models.JSONField(default=dict, help_text="Every value the rule tested, as the engine read it.")
    proposed = models.JSONField(default=dict, help_text="What the rule proposes: freedom, dates, amount…")
    decided = models.JSONField(default=dict, blank=True, help_text="What was decided where it was changed.")
    freedom = models.ForeignKey(
        "Freedom",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="withdrawal_proposals",
        help_text="The freedom a withdrawal proposal would end.",
    )
    intervention = models.ForeignKey(
        "Intervention",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals",
        help_text="The intervention an escalation or closing proposal is about.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "organisation__code", "rule_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_set", "rule_id", "organisation", "kind"],
                condition=Q(status="open"),
                name="regime_one_open_proposal_per_rule_and_subject",
            )
        ]
        indexes = [models.Index(fields=["status", "rule_set"], name="regime_proposal_status")]

    def __str__(self) -> str:
        return f"{self.organisation.code}: {self.get_kind_display().lower()} under {self.rule_id} ({self.status})"


class Freedom(models.Model):
    """A freedom in force for a unit, from ``starts_on`` until the day before ``ends_on``.

    Baseline freedoms go to every unit of a published rule set; earned ones follow a confirmed
    proposal. ``no_further_targets`` is also the framework's exemption (``exemption``), so the
    unit cannot be given a further target while it lasts.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="freedoms")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    operator = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="freedoms_granted")
    kind = models.CharField(max_length=30, choices=FreedomKind.choices)
    basis = models.CharField(max_length=10, choices=FreedomBasis.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    indicator = models.ForeignKey(
        "framework.Indicator", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="The first day it no longer applies.")
    reason = models.TextField(help_text="Why it was granted: the rule and its evidence, or the decision.")
    end_reason = models.TextField(blank=True)
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="freedoms")
    rule_id = models.CharField(max_length=60, blank=True)
    proposal = models.OneToOneField(
        Proposal, null=True, blank=True, on_delete=models.PROTECT, related_name="granted_freedom"
    )
    exemption = models.ForeignKey(
        "framework.Exemption", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__code", "-starts_on", "kind"]
        indexes = [models.Index(fields=["organisation", "ends_on"], name="regime_freedom_in_force")]

    def __str__(self) -> str:
        return f"{self.organisation.code}: {self.title} from {self.starts_on}"

    def in_force_on(self, day: Any) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day < self.ends_on)


class Reward(models.Model):
    """A grant or a recognition given after a confirmed (or changed) proposal."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="rewards")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    operator = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="rewards_given")
    kind = models.CharField(max_length=12, choices=RewardKind.choices)
    title = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    awarded_on = models.DateField()
    reason = models.TextField()
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="rewards")
    rule_id = models.CharField(max_length=60)
    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="reward")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-awarded_on", "organisation__code"]

    def __str__(self) -> str:
        return f"{self.organisation.code}: {self.title} on {self.awarded_on}"


class Payment(Decided):
    """One period's payment under an all-or-nothing scheme (Box 5.5), computed from the rule and
    listed openly: who, how much, for what, under which rule. Nothing earned is listed too, with why.
    A person confirms the computed amount, changes it, or rejects it, with a reason."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="payments")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    operator = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="payments_made")
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="payments")
    rule_id = models.CharField(max_length=60)
    scheme = models.CharField(max_length=200)
    period = models.DateField()
    earned = models.BooleanField()
    amount_due = models.DecimalField(max_digits=14, decimal_places=2)
    amount_paid = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Set by the decision."
    )
    evidence = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period", "organisation__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["operator", "service", "rule_id", "organisation", "period"],
                name="regime_one_payment_per_scheme_unit_and_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation.code} {self.scheme} {self.period:%Y-%m}: {self.amount_due}"


class Intervention(models.Model):
    """A rung of the intervention ladder applied to a unit (seed 4.11): owned by its performance
    manager, with exit criteria (the rule's ``exit_when``), a review date and a history. Escalated
    one step when the criteria are not met by the review date, closed when they are; each step is
    a rule's proposal that a person confirmed."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="interventions")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    operator = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="interventions_operated"
    )
    owner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="interventions_owned",
        help_text="The body that performance-manages the unit and owns the intervention.",
    )
    owner_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(max_length=20, choices=InterventionLevel.choices)
    status = models.CharField(
        max_length=8, choices=InterventionStatus.choices, default=InterventionStatus.OPEN
    )
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="interventions")
    rule_id = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    exit_criteria = models.JSONField(default=list, help_text="The rule's exit criteria, in words.")
    opened_on = models.DateField()
    review_on = models.DateField()
    review_note = models.TextField(
        blank=True,
        help_text="Why the latest evaluation proposed no step though the review date has passed.",
    )
    closed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "-opened_on", "organisation__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "service", "operator"],
                condition=Q(status="open"),
                name="regime_one_open_intervention_per_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation.code}: {self.get_level_display().split(':')[0]} ({self.status})"


class InterventionEvent(models.Model):
    """One step of an intervention's history, with who decided it, why, and the evidence."""

    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=InterventionEventKind.choices)
    level = models.CharField(max_length=20, choices=InterventionLevel.choices)
    on = models.DateField()
    review_on = models.DateField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    evidence = models.JSONField(default=dict)
    proposal = models.ForeignKey(Proposal, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["intervention_id", "on", "id"]

    def __str__(self) -> str:
        return f"{self.intervention_id} {self.kind} {self.on}"


class ExceptionAlert(models.Model):
    """The department alerted about a unit: its intermediate tier has had an intervention open for
    the rule set's configured time without the unit recovering (intervention by exception, 1.8, 6.2)."""

    intervention = models.OneToOneField(Intervention, on_delete=models.PROTECT, related_name="alert")
    department = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="exception_alerts")
    raised_on = models.DateField()
    months_open = models.PositiveIntegerField()
    evidence = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-raised_on", "intervention__organisation__code"]

    def __str__(self) -> str:
        return (
            f"{self.department.code} alerted about {self.intervention.organisation.code} on {self.raised_on}"
        )


class KeptBacktest(models.Model):
    """A backtest's tables as a page shows them, kept so a second look is instant: a rule set's
    backtest over a window changes only when the data does, so the key is the rules, the operator,
    the service, the window and ``data`` (the newest assessment run and the approved observations)."""

    key = models.CharField(max_length=64, unique=True)
    operator = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    date_from = models.DateField()
    date_to = models.DateField()
    data = models.CharField(max_length=200, help_text="What the data was when it was computed.")
    tables = models.JSONField(encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"backtest {self.operator_id}/{self.service_id} {self.date_from}–{self.date_to}"
