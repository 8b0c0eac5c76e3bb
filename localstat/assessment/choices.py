from django.db import models


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    COMPLETE = "complete", "Complete"
    FAILED = "failed", "Failed"


class RunScope(models.TextChoices):
    """A full run judges every indicator; an update re-judges the indicators an approval touched."""

    FULL = "full", "Every indicator"
    UPDATE = "update", "Indicators changed by an approval"


class Level(models.TextChoices):
    """Where a judged series sits: a unit, an intermediate-tier body pooled, or the nation pooled."""

    UNIT = "unit", "Front line unit"
    TIER = "tier", "Intermediate tier (pooled)"
    NATIONAL = "national", "National (pooled)"
