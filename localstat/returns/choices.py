"""The returns' fixed vocabularies."""

from django.db import models


class ReturnStatus(models.TextChoices):
    """A return's place in its life: expected → submitted → approved (locked), or sent back."""

    AWAITING = "awaiting", "Awaiting data"
    SUBMITTED = "submitted", "Submitted, awaiting approval"
    SENT_BACK = "sent_back", "Sent back"
    APPROVED = "approved", "Approved"


class Timeliness(models.TextChoices):
    """Whether a return came in by its deadline, as of the clock's today."""

    ON_TIME = "on_time", "On time"
    LATE = "late", "Late"
    MISSING = "missing", "Missing"
    NOT_DUE = "not_due", "Not yet due"


class RuleKind(models.TextChoices):
    RANGE = "range", "Range: the value lies between a minimum and a maximum"
    EXPRESSION = "expression", "Cross-item rule: left side, operator, right side"


class OnFailure(models.TextChoices):
    """What a broken rule does: refuse the whole import, or record a warning to confirm or query."""

    REJECT = "reject", "Reject the import"
    WARN = "warn", "Record a warning"


class Importance(models.TextChoices):
    """DHIS2's importance of a validation rule (the engine reads the same values)."""

    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class MissingValueStrategy(models.TextChoices):
    """DHIS2's missing-value strategy for one side of a rule (the engine reads the same values)."""

    SKIP_IF_ANY_VALUE_MISSING = "skip_if_any_value_missing", "Skip if any value is missing"
    SKIP_IF_ALL_VALUES_MISSING = "skip_if_all_values_missing", "Skip if all values are missing"
    NEVER_SKIP = "never_skip", "Never skip (a missing value counts as 0)"


class WarningStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONFIRMED = "confirmed", "Confirmed as right"
    QUERIED = "queried", "Queried"


class WarningCheck(models.TextChoices):
    RANGE = "range", "Range"
    RULE = "rule", "Cross-item rule"
    OUTLIER = "outlier", "Outlier against the unit's own history"


class Source(models.TextChoices):
    """How values came in: three ways, one service."""

    FORM = "form", "Web form"
    FILE = "file", "File upload"
    API = "api", "API"
    COMMAND = "command", "Command line"
    DEMO = "demo", "Demo build"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
