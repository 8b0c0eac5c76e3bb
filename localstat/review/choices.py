"""The review's fixed vocabularies."""

from django.db import models


class Cadence(models.TextChoices):
    """How often a cycle meets (seed Box 4.1: CompStat weekly, CitiStat monthly; A.7: not past 6 weeks)."""

    WEEKLY = "weekly", "Weekly (like CompStat)"
    FORTNIGHTLY = "fortnightly", "Fortnightly"
    MONTHLY = "monthly", "Monthly (like CitiStat and Thames Valley)"
    BIMONTHLY = "bimonthly", "Every two months"
    QUARTERLY = "quarterly", "Quarterly"


#: Nominal days between meetings, compared with the data's refresh (the returns' period lengths).
CADENCE_DAYS = {
    Cadence.WEEKLY: 7,
    Cadence.FORTNIGHTLY: 14,
    Cadence.MONTHLY: 30,
    Cadence.BIMONTHLY: 61,
    Cadence.QUARTERLY: 91,
}

#: A.7: "Intervals of more than a month to 6 weeks risk losing their effectiveness".
LONGEST_EFFECTIVE_DAYS = 42


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class Scope(models.TextChoices):
    """Which part of a briefing an item belongs to (Box 5.4: force-wide themes and the host division)."""

    HOST = "host", "The host unit"
    BODY = "body", "The body as a whole"


class ItemKind(models.TextChoices):
    """What a briefing item is: an exception that needs challenge, or a success to recognise."""

    SPECIAL_CAUSE_CONCERN = "special_cause_concern", "Special-cause concern"
    OFF_TRAJECTORY = "off_trajectory", "Target off trajectory"
    PEER_OUTLIER = "peer_outlier", "Significant outlier against peers"
    OVERDUE_RETURN = "overdue_return", "Overdue return"
    LATE_DATA = "late_data", "Missing or late data"
    OPEN_INTERVENTION = "open_intervention", "Open intervention"
    SUCCESS = "success", "Success to recognise"


EXCEPTION_KINDS = [k for k in ItemKind.values if k != ItemKind.SUCCESS]


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


class CommitmentStatus(models.TextChoices):
    PENDING = "pending", "Not yet assessed"
    KEPT = "kept", "Kept"
    BROKEN = "broken", "Not kept"
