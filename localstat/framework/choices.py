"""The framework's fixed vocabularies. Values are what the engine and the CSV files read."""

from django.db import models


class Periodicity(models.TextChoices):
    """How often an indicator is measured: the length of one period."""

    DAY = "day", "Daily"
    WEEK = "week", "Weekly (Monday to Sunday)"
    MONTH = "month", "Monthly"
    QUARTER = "quarter", "Quarterly"
    HALF_TERM = "half_term", "Half-termly (school calendar)"
    FINANCIAL_YEAR = "financial_year", "Financial year (April to March)"
    YEAR = "year", "Calendar year"


class Statistic(models.TextChoices):
    """How an indicator's value is made from its numerator and denominator."""

    PROPORTION = "proportion", "Proportion (numerator ÷ denominator × multiplier)"
    RATE = "rate", "Rate per N (numerator ÷ denominator × multiplier)"
    RATIO = "ratio", "Ratio of observed to expected"
    COUNT = "count", "Count"


class Polarity(models.TextChoices):
    """Which direction is better; the engine reads the same values."""

    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"
    NEUTRAL = "neutral", "Neither higher nor lower is better"


class Focus(models.TextChoices):
    """What a control or indicator is about (seed 2.9, 3.4): PSAs are about outcomes only."""

    INPUT = "input", "Input"
    OUTPUT = "output", "Output"
    PROCESS = "process", "Process"
    OUTCOME = "outcome", "Outcome"


class TargetKind(models.TextChoices):
    """Seed 2.10: a floor everyone must reach, or a national ambition."""

    FLOOR = "floor", "Floor target (a minimum everyone must reach)"
    ASPIRATIONAL = "aspirational", "Aspirational target (a national ambition)"


class TargetScope(models.TextChoices):
    NATIONAL = "national", "National"
    UNITS = "units", "For a set of units"


class TargetStatus(models.TextChoices):
    """The life cycle: proposed → agreed → active → met or missed, one service per step."""

    PROPOSED = "proposed", "Proposed"
    AGREED = "agreed", "Agreed"
    ACTIVE = "active", "Active"
    MET = "met", "Met"
    MISSED = "missed", "Missed"


class ExemptionGrounds(models.TextChoices):
    """Why a unit is released from further targets (seed 3.12, 3.22): one record, whichever grants it."""

    STANDARD_MET = "standard_met", "Meets the national standard"
    EARNED_FREEDOM = "earned_freedom", "Earned freedom: no further targets"


class ControlKind(models.TextChoices):
    """Box 2.1 of the seed."""

    TARGET = "target", "Target (an indicator with a required level)"
    MEASURE = "measure", "Measure (an indicator with no required level)"
    COMPLIANCE = "compliance", "Compliance requirement (an obligation, not a number)"


class ControlScope(models.TextChoices):
    """Which units a control applies to."""

    UNIT_TYPE = "unit_type", "Every unit of a type"
    SERVICE = "service", "Every front line unit of a service"
    UNITS = "units", "A list of units"
