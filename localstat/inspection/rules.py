"""Reading a rules file as published text, and what a new version would change in the plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
import yaml

from localstat.chain.models import Organisation
from localstat.engine.inspection import ScheduleRules, ScheduleRulesError, inspection_schedule, schedule_rules
from localstat.inspection import selectors
from localstat.inspection.errors import InspectionError


def parse_rules(text: str) -> ScheduleRules:
    """The rules in ``text`` (YAML), or :class:`InspectionError` saying what is wrong and where."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InspectionError(f"The rules are not valid YAML: {error}", code="invalid") from error
    if not isinstance(raw, dict):
        raise InspectionError("The rules must be a YAML mapping with 'points' and 'tiers'.", code="invalid")
    try:
        return schedule_rules(raw)
    except ScheduleRulesError as error:
        raise InspectionError(f"The rules cannot be used: {error}", code="invalid") from error


@dataclass(frozen=True)
class Preview:
    """The plan under the current rules beside the plan under proposed ones, on the same data."""

    as_of: date
    tiers: list[dict[str, Any]]
    moved: list[dict[str, Any]]
    moved_count: int
    sooner: int
    later: int


def preview_rules(inspectorate: Organisation, text: str, as_of: date) -> Preview:
    """What publishing ``text`` would change: units per tier before and after, and the units that move."""
    proposed = parse_rules(text)
    units = selectors.plan_units(inspectorate, as_of)
    after = inspection_schedule(units, proposed, as_of).select("unit", "name", "tier", "due", "points")
    current = selectors.current_rules(inspectorate)
    if current is None:
        before = after.select(
            "unit", pl.lit(None, dtype=pl.String).alias("tier"), pl.lit(None, dtype=pl.Date).alias("due")
        )
    else:
        before = inspection_schedule(units, selectors.rules_of(current), as_of).select("unit", "tier", "due")
    both = after.join(before, on="unit", suffix="_before")
    counts = (
        both.group_by("tier")
        .len("after")
        .join(
            both.group_by(pl.col("tier_before").alias("tier")).len("before"),
            on="tier",
            how="full",
            coalesce=True,
        )
        .with_columns(pl.col("after", "before").fill_null(0))
        .filter(pl.col("tier").is_not_null())
        .sort("tier")
    )
    moved = both.filter(
        pl.col("tier_before").is_null()
        | (pl.col("tier") != pl.col("tier_before"))
        | (pl.col("due") != pl.col("due_before"))
    ).sort("points", descending=True)
    return Preview(
        as_of=as_of,
        tiers=counts.to_dicts(),
        moved=moved.head(50).to_dicts(),
        moved_count=moved.height,
        sooner=both.filter(pl.col("due") < pl.col("due_before")).height,
        later=both.filter(pl.col("due") > pl.col("due_before")).height,
    )
