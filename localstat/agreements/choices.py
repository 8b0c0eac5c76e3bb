"""The agreements' fixed vocabularies."""

from django.db import models


class NegotiationKind(models.TextChoices):
    """Local targets with a unit's performance manager (4.23, C.9), or a Local PSA with a reward grant (3.17)."""

    LOCAL_TARGETS = "local_targets", "Local targets"
    LOCAL_PSA = "local_psa", "Local PSA"


class NegotiationStatus(models.TextChoices):
    OPEN = "open", "Under negotiation"
    AWAITING_SIGNATURES = "awaiting_signatures", "Agreed, awaiting signatures"
    AGREED = "agreed", "Agreed and signed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class StepKind(models.TextChoices):
    """The steps of a negotiation (glossary: ``NegotiationStep`` of kind challenge is not a review challenge)."""

    PROPOSAL = "proposal", "Proposal"
    CHALLENGE = "challenge", "Challenge"
    REVISION = "revision", "Revision"
    AGREEMENT = "agreement", "Agreement"
    WITHDRAWAL = "withdrawal", "Withdrawal"


class Side(models.TextChoices):
    """Who signs an agreement: both sides, and the department where a reward grant is involved."""

    PROPOSER = "proposer", "For the proposing organisation"
    MANAGER = "manager", "For the performance manager"
    DEPARTMENT = "department", "For the department (reward grant)"


class Verdict(models.TextChoices):
    """The engine's check of a proposed level (``localstat.engine.agreements.check_proposed_levels``)."""

    NOT_STRETCHING = "not_stretching", "Not stretching"
    STRETCHING = "stretching", "Stretching"
    NOT_ACHIEVABLE_WITHOUT_PLAN = "not_achievable_without_plan", "Not achievable without a plan"
    CANNOT_CHECK = "cannot_check", "Cannot be checked"


class FlexibilityStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    GRANTED = "granted", "Granted"
    REFUSED = "refused", "Refused"


class TrajectoryState(models.TextChoices):
    """Where a series stands against its trajectory (``localstat.engine.agreements.trajectory_statuses``)."""

    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"
    NO_VALUE = "no_value", "No approved value yet"
    NOT_COMPARED = "not_compared", "Not compared"
