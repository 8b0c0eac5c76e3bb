"""The inspection's fixed vocabularies."""

from django.db import models


class Depth(models.TextChoices):
    """How deep an inspection goes (seed C.17): light for high performers, full for under-performers."""

    LIGHT = "light", "Light touch"
    STANDARD = "standard", "Standard"
    FULL = "full", "Full"


class Breadth(models.TextChoices):
    """What an inspection covers (seed 5.14, 5.15, C.19)."""

    CORE_OUTCOMES = "core_outcomes", "The common standards (national outcomes)"
    LOCAL_OUTCOMES = "local_outcomes", "The locally important outcomes"
    CAPACITY = "capacity", "Performance management capacity (five components)"
    DATA_AUDIT = "data_audit", "An audit of its reported data"


class OverallJudgement(models.TextChoices):
    """An inspection's overall judgement, best first."""

    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"


class FindingKind(models.TextChoices):
    """A finding is against the common framework of standards or a locally important outcome (5.14)."""

    COMMON_STANDARD = "common_standard", "Common standard"
    LOCAL_OUTCOME = "local_outcome", "Locally important outcome"


class FindingRating(models.TextChoices):
    MET = "met", "Met"
    PARTLY_MET = "partly_met", "Partly met"
    NOT_MET = "not_met", "Not met"


class Component(models.TextChoices):
    """The five components of local performance management capacity (seed 5.5, 1.10, Annex A)."""

    ROBUST_DATA = "robust_data", "Real-time, regular, robust, resourced and reported data"
    LEADERSHIP = "leadership", "Can-do culture, inspired by strong leadership"
    ACCOUNTABILITY = "accountability", "Agreed lines of accountability"
    REVIEW = "review", "Performance review combining challenge and support"
    REWARDS_SANCTIONS = "rewards_sanctions", "Transparent rewards and sanctions"


class CapacityScore(models.IntegerChoices):
    """A component's score, 1–4."""

    WEAK = 1, "1 – Weak"
    DEVELOPING = 2, "2 – Developing"
    ESTABLISHED = 3, "3 – Established"
    STRONG = 4, "4 – Strong"


class CapacitySource(models.TextChoices):
    """Who scored it: an inspector, or the unit itself (then verified by an inspector)."""

    INSPECTOR = "inspector", "Scored by an inspector"
    SELF_ASSESSMENT = "self_assessment", "Self-assessed by the unit"


class CapacityStatus(models.TextChoices):
    AWAITING_VERIFICATION = "awaiting_verification", "Self-assessed, awaiting verification"
    VERIFIED = "verified", "Verified by an inspector"
    CONFIRMED = "confirmed", "Scored by an inspector"


class AuditOutcome(models.TextChoices):
    """An inspector's verdict on a unit's returns for a period (seed 5.14: independent audit)."""

    VERIFIED = "verified", "Verified: the returns agree with the unit's records"
    RESERVATIONS = "reservations", "Verified with reservations"
    NOT_VERIFIED = "not_verified", "Not verified: the returns could not be relied on"
