"""Negotiations of local targets, Local PSAs, accountability agreements and trajectory sign-offs.

A negotiation is an append-only thread: each :class:`NegotiationStep` is written once and never
edited, and the targets a proposal or revision puts forward hang off their own step, so every
version and the checks it met stay side by side. Agreement creates the targets in the framework
(``framework.Target``, with the agreed trajectory as its milestones), where assessment runs judge them.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from localstat.agreements.choices import (
    FlexibilityStatus,
    NegotiationKind,
    NegotiationStatus,
    Side,
    StepKind,
    Verdict,
)
from localstat.chain.models import Organisation, Service
from localstat.framework.models import Control, Indicator, Target


class Negotiation(models.Model):
    """A unit (or a local authority with partners) negotiating local targets with its performance manager.

    ``manager`` is the proposer's performance manager in ``service`` when it opened; ``department`` is
    the service's department, which also signs where a reward grant is involved (a Local PSA).
    """

    kind = models.CharField(max_length=16, choices=NegotiationKind.choices)
    title = models.CharField(max_length=200)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    proposer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="negotiations")
    manager = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="negotiations_managed")
    department = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=20, choices=NegotiationStatus.choices, default=NegotiationStatus.OPEN
    )
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True, help_text="When it was signed or withdrawn.")
    synthetic = models.BooleanField(default=False, help_text="Made up for the demo.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[NegotiationStatus.AGREED, NegotiationStatus.WITHDRAWN])
                | Q(closed_on__isnull=True),
                name="agreements_only_closed_negotiations_have_a_close_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    @property
    def reference(self) -> str:
        return f"LA-{self.pk}"

    @property
    def is_local_psa(self) -> bool:
        return self.kind == NegotiationKind.LOCAL_PSA

    @property
    def is_open(self) -> bool:
        return self.status == NegotiationStatus.OPEN


class NegotiationPartner(models.Model):
    """A named partner organisation of a local authority's proposal (Box 3.1: the police as a key partner)."""

    negotiation = models.ForeignKey(Negotiation, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    contribution = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["negotiation", "organisation__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["negotiation", "organisation"], name="agreements_one_row_per_partner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.negotiation.reference} partner {self.organisation.code}"


class NegotiationStep(models.Model):
    """One step of the thread, written once: who, for which side, what they said, and when."""

    negotiation = models.ForeignKey(Negotiation, on_delete=models.PROTECT, related_name="steps")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=StepKind.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", help_text="The side that took the step."
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_name = models.CharField(max_length=150)
    comment = models.TextField(blank=True)
    on = models.DateField()
    checks = models.JSONField(
        default=list, blank=True, help_text="A challenge's record of the checks it was made with."
    )
    terms = models.JSONField(
        default=dict,
        blank=True,
        help_text="An agreement's terms (A.6): style of relationship, triggers for intervention, escalation.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["negotiation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["negotiation", "number"], name="agreements_one_step_per_number")
        ]

    def __str__(self) -> str:
        return f"{self.negotiation.reference} step {self.number}: {self.get_kind_display()}"


class ProposedTarget(models.Model):
    """A target put forward in a proposal or revision, with the engine's checks as they stood that day.

    ``no_stretch_level`` and ``reward_share`` are a Local PSA stretch target's: the level expected
    without the stretch, and its share (0–1) of the reward grant. ``target`` is the framework target
    the agreement created, set once on the rows of the agreed step.
    """

    step = models.ForeignKey(NegotiationStep, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveSmallIntegerField()
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    level = models.DecimalField(
        max_digits=16, decimal_places=4, null=True, blank=True, help_text="Blank for a measure (Box 2.1)."
    )
    deadline = models.DateField()
    description = models.TextField(blank=True)
    responsible_officer = models.CharField(max_length=150, blank=True)
    action_plan = models.TextField(blank=True)
    baseline_period = models.DateField(null=True, blank=True)
    baseline = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    milestones = models.JSONField(default=list, help_text="The trajectory: [[period start, level], …].")
    no_stretch_level = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    reward_share = models.DecimalField(max_digits=6, decimal_places=4, null=True, blank=True)
    # The checks (engine.agreements.check_proposed_levels) on the day it was put forward.
    checked_on = models.DateField()
    verdict = models.CharField(max_length=30, choices=Verdict.choices)
    reason = models.TextField(blank=True)
    points = models.PositiveIntegerField(default=0)
    mean = models.FloatField(null=True, blank=True)
    amr = models.FloatField(null=True, blank=True)
    process_limit = models.FloatField(null=True, blank=True)
    best = models.FloatField(null=True, blank=True)
    reach_limit = models.FloatField(null=True, blank=True)
    trial_limits = models.BooleanField(default=False)
    peer_values = models.JSONField(
        default=list, help_text="[[unit code, period, value], …] of the peer group."
    )
    national_standard = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    national_target = models.CharField(max_length=200, blank=True)
    target = models.OneToOneField(
        Target, null=True, blank=True, on_delete=models.PROTECT, related_name="local_agreement_item"
    )
    control = models.OneToOneField(
        Control,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="local_agreement_item",
        help_text="The measure the agreement registered, for a measure.",
    )

    class Meta:
        ordering = ["step", "position"]
        constraints = [
            models.UniqueConstraint(fields=["step", "position"], name="agreements_one_item_per_position"),
            models.CheckConstraint(
                condition=Q(reward_share__isnull=True) | Q(reward_share__gte=0, reward_share__lte=1),
                name="agreements_reward_share_is_a_fraction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step} #{self.position}: {self.indicator.code} {self.level if self.level is not None else 'measure'}"

    @property
    def is_measure(self) -> bool:
        """An indicator with no required level (Box 2.1): monitored, not targeted."""
        return self.level is None


class Signature(models.Model):
    """A named person's signature for one side of an agreement."""

    negotiation = models.ForeignKey(Negotiation, on_delete=models.PROTECT, related_name="signatures")
    side = models.CharField(max_length=12, choices=Side.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=150, help_text="The signatory's name, as signed.")
    job_title = models.CharField(max_length=150)
    on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["negotiation", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["negotiation", "side"], name="agreements_one_signature_per_side")
        ]

    def __str__(self) -> str:
        return f"{self.negotiation.reference} signed by {self.name} ({self.get_side_display()})"


class LocalPSA(models.Model):
    """A Local PSA (3.17–3.21, Box 3.1): stretch targets (the negotiation's), a reward grant shared
    among them, a pump-priming grant, and freedoms and flexibilities. The reward formula is stored
    with it (threshold and cap) and printed on the agreement."""

    negotiation = models.OneToOneField(Negotiation, on_delete=models.PROTECT, related_name="local_psa")
    starts_on = models.DateField()
    ends_on = models.DateField()
    reward_grant = models.DecimalField(max_digits=14, decimal_places=2)
    pump_priming_grant = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    reward_threshold = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0.6"))
    reward_cap = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("1"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "id"]
        verbose_name = "Local PSA"
        verbose_name_plural = "Local PSAs"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")), name="agreements_lpsa_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(reward_grant__gte=0, pump_priming_grant__gte=0),
                name="agreements_grants_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Local PSA {self.negotiation.reference}"


class Flexibility(models.Model):
    """A freedom or flexibility requested under a Local PSA, with the barrier to delivery it relaxes (3.18)."""

    local_psa = models.ForeignKey(LocalPSA, on_delete=models.PROTECT, related_name="flexibilities")
    description = models.CharField(max_length=300)
    barrier = models.CharField(
        max_length=300, help_text="The statutory or administrative barrier it relaxes."
    )
    status = models.CharField(
        max_length=10, choices=FlexibilityStatus.choices, default=FlexibilityStatus.REQUESTED
    )
    requested_on = models.DateField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["local_psa", "id"]
        verbose_name_plural = "flexibilities"
        constraints = [
            models.CheckConstraint(
                condition=Q(status=FlexibilityStatus.REQUESTED) | Q(decided_on__isnull=False),
                name="agreements_decided_flexibilities_have_a_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.description} ({self.get_status_display().lower()})"


class RewardAssessment(models.Model):
    """One computation of a Local PSA's reward from approved values, kept whole: a later one never
    replaces it."""

    local_psa = models.ForeignKey(LocalPSA, on_delete=models.PROTECT, related_name="reward_assessments")
    as_of = models.DateField()
    total = models.DecimalField(max_digits=14, decimal_places=2)
    rows = models.JSONField(default=list, help_text="Per stretch target: the engine's figures and reason.")
    formula = models.TextField(help_text="The formula as printed on the agreement.")
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["local_psa", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.local_psa}: £{self.total} earned as of {self.as_of}"


class AccountabilityAgreement(models.Model):
    """Written, timed, and linking outcomes to named responsible officers (A.6), with the style of
    relationship, the triggers for intervention and the escalation regime."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="accountability_agreements"
    )
    counterparty = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The other organisation where the agreement spans two (an SHA and a trust).",
    )
    title = models.CharField(max_length=200)
    style_of_relationship = models.TextField()
    triggers = models.TextField(help_text="What triggers intervention.")
    escalation = models.TextField(help_text="The escalation regime.")
    starts_on = models.DateField()
    ends_on = models.DateField()
    negotiation = models.OneToOneField(
        Negotiation, null=True, blank=True, on_delete=models.PROTECT, related_name="accountability_agreement"
    )
    synthetic = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__code", "-starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")), name="agreements_accountability_is_timed"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation.code}: {self.title}"


class Goal(models.Model):
    """One goal of an organisation: each needs a named individual, an action plan and a timescale (Box 5.3)."""

    agreement = models.ForeignKey(AccountabilityAgreement, on_delete=models.PROTECT, related_name="goals")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="goals")
    outcome = models.CharField(max_length=300)
    target = models.ForeignKey(Target, null=True, blank=True, on_delete=models.PROTECT, related_name="goals")
    responsible_officer = models.CharField(max_length=150, blank=True)
    responsible_role = models.CharField(
        max_length=150, blank=True, help_text="Their post, e.g. Clinical Director."
    )
    action_plan = models.TextField(blank=True)
    due_by = models.DateField(null=True, blank=True, help_text="The timescale: when it is to be delivered.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation__code", "due_by", "id"]
        indexes = [models.Index(fields=["organisation"])]

    def __str__(self) -> str:
        return f"{self.organisation.code}: {self.outcome}"

    @property
    def missing(self) -> list[str]:
        """What Box 5.3 asks for that this goal lacks, in words."""
        gaps = []
        if not self.responsible_officer.strip():
            gaps.append("a named responsible officer")
        if not self.action_plan.strip():
            gaps.append("an action plan")
        if self.due_by is None:
            gaps.append("a timescale")
        return gaps


class GoalChange(models.Model):
    """A goal's owner, plan or timescale as they were before a change, with who changed them and why."""

    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="changes")
    responsible_officer = models.CharField(max_length=150, blank=True)
    responsible_role = models.CharField(max_length=150, blank=True)
    action_plan = models.TextField(blank=True)
    due_by = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=300)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["goal", "-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.goal} changed {self.changed_at:%Y-%m-%d}"


class TrajectorySignOff(models.Model):
    """An agreed target's trajectory (its milestones in the framework) signed off by the responsible
    manager (A.5). Proposed with the agreement; signed once."""

    target = models.OneToOneField(Target, on_delete=models.PROTECT, related_name="trajectory_sign_off")
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    baseline_period = models.DateField(null=True, blank=True)
    baseline = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    proposed_on = models.DateField()
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_name = models.CharField(max_length=150, blank=True)
    signed_off_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit__code", "target__reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(signed_off_on__isnull=True) | ~Q(signed_off_name=""),
                name="agreements_a_sign_off_names_its_manager",
            )
        ]

    def __str__(self) -> str:
        return f"Trajectory of {self.target.reference}"

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_on is not None
