from django.db import models


class RuleSetStatus(models.TextChoices):
    """A rule set is drafted, then published (the one in force), then superseded by the next."""

    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded"


class ProposalKind(models.TextChoices):
    GRANT_FREEDOM = "grant_freedom", "Grant a freedom"
    WITHDRAW_FREEDOM = "withdraw_freedom", "Withdraw a freedom"
    REWARD = "reward", "Give a reward"
    OPEN_INTERVENTION = "open_intervention", "Open an intervention"
    ESCALATE_INTERVENTION = "escalate_intervention", "Escalate an intervention"
    CLOSE_INTERVENTION = "close_intervention", "Close an intervention"


#: Proposals about interventions: the subject's performance manager decides them (seed 1.8, 4.25).
INTERVENTION_PROPOSALS = (
    ProposalKind.OPEN_INTERVENTION,
    ProposalKind.ESCALATE_INTERVENTION,
    ProposalKind.CLOSE_INTERVENTION,
)


class InterventionLevel(models.TextChoices):
    """The intervention ladder, lightest first (seed 4.11); the engine's ``LEVELS``."""

    CHALLENGE = "challenge", "Challenge"
    SUPPORT = "support", "Support: an improvement plan and a support team"
    CONTESTABILITY = "contestability", "Contestability: others invited to provide"
    MANAGEMENT_CHANGE = "management_change", "Management change"


class InterventionStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class InterventionEventKind(models.TextChoices):
    OPENED = "opened", "Opened"
    ESCALATED = "escalated", "Escalated"
    KEPT = "kept", "Kept at its level"
    CLOSED = "closed", "Closed"
    ALERTED = "alerted", "Department alerted"


class Decision(models.TextChoices):
    """What a person made of a rule's proposal: a change or a rejection carries a reason. A proposal
    lapses, undecided, when a later evaluation finds the rule no longer proposes it."""

    OPEN = "open", "Awaiting decision"
    CONFIRMED = "confirmed", "Confirmed"
    CHANGED = "changed", "Changed"
    REJECTED = "rejected", "Rejected"
    LAPSED = "lapsed", "Lapsed"


class FreedomKind(models.TextChoices):
    """Freedoms and flexibilities (seed 3.12, 4.7, C.6); the engine's ``FREEDOMS`` in words."""

    NO_FURTHER_TARGETS = "no_further_targets", "No further targets"
    LESS_FREQUENT_REPORTING = "less_frequent_reporting", "Less frequent reporting"
    LIGHTER_INSPECTION = "lighter_inspection", "Lighter-touch inspection"
    POOLED_BUDGETS = "pooled_budgets", "Pooled budgets"
    LOCAL_DELIVERY_METHODS = "local_delivery_methods", "Local choice of delivery methods"
    OTHER = "other", "Other freedom"


class FreedomBasis(models.TextChoices):
    """Baseline freedoms go to every unit; earned autonomy is on top of them (seed 4.7)."""

    BASELINE = "baseline", "Baseline: granted to every unit"
    EARNED = "earned", "Earned autonomy"


class RewardKind(models.TextChoices):
    GRANT = "grant", "Grant"
    RECOGNITION = "recognition", "Recognition"
