"""Proportionate inspection: each unit's risk, and from it the date, depth and breadth of its next inspection.

The founding report asks that "high performing units should see less frequent and/or less broad and
deep inspections. Similarly under-performers can expect greater scrutiny" (C.17, also 5.13, C.24).
The rules are data, published by the inspectorate (``docs/inspection-rules.md``): each risk factor
adds (or takes away) points, the points place a unit in a tier, and the tier fixes the interval to the
next inspection, its depth and its breadth. Every point carries its reason, so a page can say why a
unit sits where it does.

Pure: frames in, frames out; ``as_of`` is passed in, never read from a clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

import polars as pl

BANDS = ("excellent", "good", "fair", "weak", "poor")
#: A unit with no band (too few judged series) is scored as ``unbanded``.
BAND_WORDS = (*BANDS, "unbanded")
DEPTHS = ("light", "standard", "full")
#: What an inspection may cover (seed 5.14, 5.15, C.19): the common standards, the locally important
#: outcomes, the unit's performance management capacity, and an audit of its reported data.
BREADTHS = ("core_outcomes", "local_outcomes", "capacity", "data_audit")
BREADTH_WORDS = {
    "core_outcomes": "the common standards (national outcomes)",
    "local_outcomes": "the locally important outcomes",
    "capacity": "performance management capacity (five components)",
    "data_audit": "an audit of its reported data",
}

#: The columns :func:`inspection_schedule` reads; every other column is carried through.
UNITS_SCHEMA: dict[str, Any] = {
    "unit": pl.String,
    "band": pl.String,
    "direction": pl.String,
    "concerns": pl.Int64,
    "warnings": pl.Int64,
    "last_inspected": pl.Date,
    "freedoms": pl.Int64,
    "capacity_score": pl.Float64,
}


class ScheduleRulesError(ValueError):
    """A scheduling rules mapping that cannot be used; the message names the key that is wrong."""


@dataclass(frozen=True)
class Tier:
    """A risk tier: units with at most ``at_most`` points (the last tier: any) get this treatment."""

    name: str
    interval_months: int
    depth: str
    breadth: tuple[str, ...]
    at_most: float | None = None


@dataclass(frozen=True)
class ScheduleRules:
    """Every number that places a unit in a tier. See ``docs/inspection-rules.md`` for each key."""

    tiers: tuple[Tier, ...]
    band: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(
            {"excellent": -2.0, "good": -1.0, "fair": 0.0, "weak": 2.0, "poor": 3.0, "unbanded": 1.0}
        )
    )
    declining: float = 1.0
    concern_each: float = 0.5
    concern_most: float = 2.0
    warning_each: float = 0.25
    warning_most: float = 1.0
    warning_min: int = 1
    long_since_months: int = 36
    long_since: float = 1.0
    never_inspected: float = 2.0
    freedoms: float = -1.0
    capacity_strong_at_least: float = 3.0
    capacity_strong: float = -1.0
    capacity_weak_below: float = 2.0
    capacity_weak: float = 2.0
    first_inspection_months: int = 0

    def as_record(self) -> dict[str, Any]:
        """The rules as plain values; :func:`schedule_rules` reads them back unchanged."""
        return {
            "points": {
                "band": dict(self.band),
                "declining": self.declining,
                "concerns": {"each": self.concern_each, "at_most": self.concern_most},
                "data_quality": {
                    "each": self.warning_each,
                    "at_most": self.warning_most,
                    "from": self.warning_min,
                },
                "long_since": {"months": self.long_since_months, "points": self.long_since},
                "never_inspected": self.never_inspected,
                "freedoms": self.freedoms,
                "capacity": {
                    "strong": {"at_least": self.capacity_strong_at_least, "points": self.capacity_strong},
                    "weak": {"below": self.capacity_weak_below, "points": self.capacity_weak},
                },
            },
            "first_inspection_months": self.first_inspection_months,
            "tiers": [
                {
                    "tier": t.name,
                    **({"at_most": t.at_most} if t.at_most is not None else {}),
                    "interval_months": t.interval_months,
                    "depth": t.depth,
                    "breadth": list(t.breadth),
                }
                for t in self.tiers
            ],
        }


def _mapping(value: object, where: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ScheduleRulesError(f"{where}: must be a mapping of keys to values (got {value!r})")
    for key in value:
        if key not in allowed:
            raise ScheduleRulesError(f"{where}: unknown key '{key}' (known: {', '.join(allowed)})")
    return value


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScheduleRulesError(f"{where}: must be a number (got {value!r})")
    return float(value)


def _whole(value: object, where: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ScheduleRulesError(f"{where}: must be a whole number of at least {least} (got {value!r})")
    return value


def _tiers(raw: object) -> tuple[Tier, ...]:
    if not isinstance(raw, list) or not raw:
        raise ScheduleRulesError("tiers: must be a list of tiers, lowest risk first")
    tiers: list[Tier] = []
    for i, item in enumerate(raw):
        where = f"tiers[{i}]"
        entry = _mapping(item, where, ("tier", "at_most", "interval_months", "depth", "breadth"))
        for key in ("tier", "interval_months", "depth", "breadth"):
            if key not in entry:
                raise ScheduleRulesError(f"{where}: '{key}' is missing")
        name = entry["tier"]
        if not isinstance(name, str) or not name.strip():
            raise ScheduleRulesError(f"{where}.tier: must be a name (got {name!r})")
        depth = entry["depth"]
        if depth not in DEPTHS:
            raise ScheduleRulesError(f"{where}.depth: must be one of {', '.join(DEPTHS)} (got {depth!r})")
        breadth = entry["breadth"]
        if not isinstance(breadth, list) or not breadth:
            raise ScheduleRulesError(f"{where}.breadth: must be a list of what the inspection covers")
        for word in breadth:
            if word not in BREADTHS:
                raise ScheduleRulesError(
                    f"{where}.breadth: unknown word {word!r} (known: {', '.join(BREADTHS)})"
                )
        last = i == len(raw) - 1
        at_most = entry.get("at_most")
        if last and at_most is not None:
            raise ScheduleRulesError(f"{where}: the last tier takes every remaining unit: give no at_most")
        if not last and at_most is None:
            raise ScheduleRulesError(f"{where}.at_most: only the last tier may leave it out")
        limit = None if at_most is None else _number(at_most, f"{where}.at_most")
        if limit is not None and tiers and tiers[-1].at_most is not None and limit <= tiers[-1].at_most:
            raise ScheduleRulesError(f"{where}.at_most: must be above the tier before ({tiers[-1].at_most})")
        tiers.append(
            Tier(
                name=name.strip(),
                interval_months=_whole(entry["interval_months"], f"{where}.interval_months", 1),
                depth=depth,
                breadth=tuple(breadth),
                at_most=limit,
            )
        )
    names = [t.name for t in tiers]
    if len(set(names)) != len(names):
        raise ScheduleRulesError("tiers: each tier needs its own name")
    return tuple(tiers)


def schedule_rules(raw: Mapping[str, Any]) -> ScheduleRules:
    """Check a parsed rules file and return the rules, or raise :class:`ScheduleRulesError` naming the key.

    >>> schedule_rules({"tiers": [{"tier": "all", "interval_months": 12, "depth": "full",
    ...                            "breadth": ["core_outcomes"]}]}).tiers[0].interval_months
    12
    """
    top = _mapping(raw, "inspection rules", ("version", "points", "tiers", "first_inspection_months"))
    if "tiers" not in top:
        raise ScheduleRulesError("inspection rules: 'tiers' is missing")
    values: dict[str, Any] = {"tiers": _tiers(top["tiers"])}
    if "first_inspection_months" in top:
        values["first_inspection_months"] = _whole(
            top["first_inspection_months"], "first_inspection_months", 0
        )
    points = _mapping(
        top.get("points", {}),
        "points",
        (
            "band",
            "declining",
            "concerns",
            "data_quality",
            "long_since",
            "never_inspected",
            "freedoms",
            "capacity",
        ),
    )
    if "band" in points:
        table = _mapping(points["band"], "points.band", BAND_WORDS)
        default = dict(ScheduleRules(tiers=values["tiers"]).band)
        default.update({word: _number(v, f"points.band.{word}") for word, v in table.items()})
        values["band"] = MappingProxyType(default)
    for key in ("declining", "never_inspected", "freedoms"):
        if key in points:
            values[key] = _number(points[key], f"points.{key}")
    if "concerns" in points:
        concerns = _mapping(points["concerns"], "points.concerns", ("each", "at_most"))
        if "each" in concerns:
            values["concern_each"] = _number(concerns["each"], "points.concerns.each")
        if "at_most" in concerns:
            values["concern_most"] = _number(concerns["at_most"], "points.concerns.at_most")
    if "data_quality" in points:
        quality = _mapping(points["data_quality"], "points.data_quality", ("each", "at_most", "from"))
        if "each" in quality:
            values["warning_each"] = _number(quality["each"], "points.data_quality.each")
        if "at_most" in quality:
            values["warning_most"] = _number(quality["at_most"], "points.data_quality.at_most")
        if "from" in quality:
            values["warning_min"] = _whole(quality["from"], "points.data_quality.from", 1)
    if "long_since" in points:
        since = _mapping(points["long_since"], "points.long_since", ("months", "points"))
        if "months" in since:
            values["long_since_months"] = _whole(since["months"], "points.long_since.months", 1)
        if "points" in since:
            values["long_since"] = _number(since["points"], "points.long_since.points")
    if "capacity" in points:
        capacity = _mapping(points["capacity"], "points.capacity", ("strong", "weak"))
        if "strong" in capacity:
            strong = _mapping(capacity["strong"], "points.capacity.strong", ("at_least", "points"))
            if "at_least" in strong:
                values["capacity_strong_at_least"] = _number(
                    strong["at_least"], "points.capacity.strong.at_least"
                )
            if "points" in strong:
                values["capacity_strong"] = _number(strong["points"], "points.capacity.strong.points")
        if "weak" in capacity:
            weak = _mapping(capacity["weak"], "points.capacity.weak", ("below", "points"))
            if "below" in weak:
                values["capacity_weak_below"] = _number(weak["below"], "points.capacity.weak.below")
            if "points" in weak:
                values["capacity_weak"] = _number(weak["points"], "points.capacity.weak.points")
    rules = ScheduleRules(**values)
    if rules.capacity_weak_below > rules.capacity_strong_at_least:
        raise ScheduleRulesError("points.capacity: weak.below must not be above strong.at_least")
    return rules


def _check_units(units: pl.DataFrame) -> pl.DataFrame:
    missing = [name for name in UNITS_SCHEMA if name not in units.columns]
    if missing:
        raise ScheduleRulesError(f"units frame: missing column(s) {', '.join(missing)}")
    if units["unit"].null_count() or units["unit"].is_duplicated().any():
        raise ScheduleRulesError("units frame: each row needs its own unit code")
    return units.with_columns(pl.col(name).cast(dtype) for name, dtype in UNITS_SCHEMA.items())


def _signed(points: pl.Expr) -> pl.Expr:
    """``+1.5`` / ``−1`` for a reason's points."""
    text = points.round(2).cast(pl.String).str.strip_suffix(".0")
    return pl.when(points >= 0).then(pl.concat_str(pl.lit("+"), text)).otherwise(text)


def _factors(rules: ScheduleRules, as_of: date) -> list[tuple[str, pl.Expr, pl.Expr]]:
    """(name, points, reason) per risk factor; a factor that does not apply scores 0 with no reason."""
    band = pl.col("band").fill_null("unbanded")
    band_points = band.replace_strict(dict(rules.band), default=0.0, return_dtype=pl.Float64)
    band_reason = (
        pl.when(pl.col("band").is_null())
        .then(pl.lit("no band yet (too little judged data)"))
        .otherwise(pl.concat_str(pl.lit("band "), pl.col("band")))
    )
    concerns = pl.col("concerns").fill_null(0)
    concern_points = pl.min_horizontal(
        concerns.cast(pl.Float64) * rules.concern_each, pl.lit(rules.concern_most)
    )
    warnings = pl.col("warnings").fill_null(0)
    warning_points = (
        pl.when(warnings >= rules.warning_min)
        .then(pl.min_horizontal(warnings.cast(pl.Float64) * rules.warning_each, pl.lit(rules.warning_most)))
        .otherwise(0.0)
    )
    months_since = (
        (pl.lit(as_of).dt.year() - pl.col("last_inspected").dt.year()) * 12
        + pl.lit(as_of).dt.month()
        - pl.col("last_inspected").dt.month()
    )
    never = pl.col("last_inspected").is_null()
    capacity = pl.col("capacity_score")
    capacity_points = (
        pl.when(capacity >= rules.capacity_strong_at_least)
        .then(pl.lit(rules.capacity_strong))
        .when(capacity < rules.capacity_weak_below)
        .then(pl.lit(rules.capacity_weak))
        .otherwise(0.0)
    )
    freedoms = pl.col("freedoms").fill_null(0)
    return [
        ("band", band_points, band_reason),
        (
            "declining",
            pl.when(pl.col("direction") == "declining").then(pl.lit(rules.declining)).otherwise(0.0),
            pl.lit("direction of travel: declining"),
        ),
        (
            "concerns",
            concern_points,
            pl.format("{} series with special-cause concern on its SPC charts", concerns),
        ),
        ("data_quality", warning_points, pl.format("{} open data-quality warning(s)", warnings)),
        (
            "long_since",
            pl.when(months_since > rules.long_since_months).then(pl.lit(rules.long_since)).otherwise(0.0),
            pl.format("last inspected {} months ago", months_since),
        ),
        (
            "never_inspected",
            pl.when(never).then(pl.lit(rules.never_inspected)).otherwise(0.0),
            pl.lit("no inspection on record"),
        ),
        (
            "freedoms",
            pl.when(freedoms > 0).then(pl.lit(rules.freedoms)).otherwise(0.0),
            pl.format("{} freedom(s) of earned autonomy granted", freedoms),
        ),
        (
            "capacity",
            capacity_points,
            pl.format("performance management capacity scored {} of 4", capacity.round(1)),
        ),
    ]


def _reasons(frame: pl.DataFrame, factors: list[tuple[str, pl.Expr, pl.Expr]]) -> pl.DataFrame:
    """Each unit's reasons, largest points first, as a long frame sorted once and gathered per unit.

    The band always says where the unit stands, even when it scores nothing; other factors only when
    they score.
    """
    indexed = frame.with_row_index("row")
    long = pl.concat(
        indexed.filter((pl.col(f"points_{name}") != 0) | pl.lit(name == "band")).select(
            "row",
            pl.lit(position, dtype=pl.UInt8).alias("factor"),
            (-pl.col(f"points_{name}").abs()).alias("weight"),
            pl.concat_str(reason, pl.lit(" ("), _signed(pl.col(f"points_{name}")), pl.lit(")")).alias("r"),
        )
        for position, (name, _, reason) in enumerate(factors)
    )
    gathered = (
        long.sort(["row", "weight", "factor"])
        .group_by("row", maintain_order=True)
        .agg(pl.col("r").alias("reasons"))
    )
    return indexed.select("row", "unit").join(gathered, on="row", how="left").drop("row")


def inspection_schedule(units: pl.DataFrame, rules: ScheduleRules, as_of: date) -> pl.DataFrame:
    """Each unit's risk points, tier, next inspection date, depth, breadth and the reasons.

    ``units`` has the columns of :data:`UNITS_SCHEMA` (nulls allowed but in ``unit``): its band,
    direction of travel (``improving`` / ``stable`` / ``declining``), how many of its series show
    special-cause concern, how many data-quality warnings are open on its returns, when it was last
    inspected, how many freedoms it holds, and its latest verified capacity score (1–4).

    Out, one row per unit, riskiest first: ``points``, ``tier``, ``interval_months``, ``depth``,
    ``breadth`` (a list), ``due`` (the last inspection plus the tier's interval; with none on record,
    ``as_of`` plus ``first_inspection_months``), ``overdue`` (``due`` before ``as_of``) and ``reasons``
    (a list of "band weak (+2)"-style strings, largest first), and every column of ``units``.

    >>> rules = schedule_rules({"tiers": [
    ...     {"tier": "lower", "at_most": 0, "interval_months": 36, "depth": "light", "breadth": ["core_outcomes"]},
    ...     {"tier": "higher", "interval_months": 12, "depth": "full", "breadth": ["core_outcomes", "capacity"]}]})
    >>> units = pl.DataFrame({"unit": ["A", "B"], "band": ["excellent", "poor"], "direction": ["stable"] * 2,
    ...     "concerns": [0, 3], "warnings": [0, 0], "last_inspected": [date(2018, 1, 1)] * 2,
    ...     "freedoms": [0, 0], "capacity_score": [None, None]})
    >>> inspection_schedule(units, rules, date(2019, 4, 30)).select("unit", "tier", "due").rows()
    [('B', 'higher', datetime.date(2019, 1, 1)), ('A', 'lower', datetime.date(2021, 1, 1))]
    """
    frame = _check_units(units)
    factors = _factors(rules, as_of)
    frame = frame.with_columns(points.alias(f"points_{name}") for name, points, _ in factors)
    frame = frame.with_columns(
        pl.sum_horizontal(f"points_{name}" for name, _, _ in factors).round(2).alias("points")
    )
    tier_name: pl.Expr = pl.lit(rules.tiers[-1].name)
    interval: pl.Expr = pl.lit(rules.tiers[-1].interval_months)
    depth: pl.Expr = pl.lit(rules.tiers[-1].depth)
    breadth: pl.Expr = pl.lit(list(rules.tiers[-1].breadth), dtype=pl.List(pl.String))
    rank: pl.Expr = pl.lit(len(rules.tiers) - 1)
    for position in range(len(rules.tiers) - 2, -1, -1):  # over the few tiers, not the units
        tier = rules.tiers[position]
        fits = pl.col("points") <= tier.at_most
        tier_name = pl.when(fits).then(pl.lit(tier.name)).otherwise(tier_name)
        interval = pl.when(fits).then(pl.lit(tier.interval_months)).otherwise(interval)
        depth = pl.when(fits).then(pl.lit(tier.depth)).otherwise(depth)
        breadth = pl.when(fits).then(pl.lit(list(tier.breadth), dtype=pl.List(pl.String))).otherwise(breadth)
        rank = pl.when(fits).then(pl.lit(position)).otherwise(rank)
    frame = frame.with_columns(
        tier_name.alias("tier"),
        interval.cast(pl.Int64).alias("interval_months"),
        depth.alias("depth"),
        breadth.alias("breadth"),
        rank.cast(pl.Int64).alias("tier_rank"),
    )
    first_due = pl.lit(as_of).dt.offset_by(f"{rules.first_inspection_months}mo")
    frame = frame.with_columns(
        pl.when(pl.col("last_inspected").is_null())
        .then(first_due)
        .otherwise(pl.col("last_inspected").dt.offset_by(pl.format("{}mo", pl.col("interval_months"))))
        .alias("due"),
    )
    frame = frame.join(_reasons(frame, factors), on="unit", how="left").with_columns(
        pl.col("reasons").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    )
    frame = frame.with_columns((pl.col("due") < pl.lit(as_of)).alias("overdue"))
    return frame.sort(["tier_rank", "points", "due", "unit"], descending=[True, True, False, False])


def backtest_schedule(
    plan: pl.DataFrame, history: pl.DataFrame, start: date, end: date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """How the inspections of ``start``–``end`` would have been spread under the rules.

    ``plan`` is :func:`inspection_schedule`'s output (``unit``, ``tier``, ``interval_months``);
    ``history`` the inspections actually made (``unit``, ``inspected_on``). Each unit keeps its tier
    from ``plan`` throughout (the rules applied to today's risk): its first inspection under the rules
    falls due at its last real inspection before ``start`` plus its interval (at ``start`` when that is
    earlier, or when it had none), then every interval after.

    Returns ``(by_quarter, by_unit)``: inspections per quarter and tier under the rules beside those
    actually made, and per unit the two counts.

    >>> plan = pl.DataFrame({"unit": ["A", "B"], "tier": ["low", "high"], "interval_months": [36, 6]})
    >>> history = pl.DataFrame({"unit": ["A"], "inspected_on": [date(2017, 1, 10)]},
    ...                        schema={"unit": pl.String, "inspected_on": pl.Date})
    >>> _, by_unit = backtest_schedule(plan, history, date(2017, 5, 1), date(2019, 4, 30))
    >>> by_unit.select("unit", "under_rules", "actual").rows()
    [('B', 4, 0), ('A', 0, 0)]
    """
    if end < start:
        raise ScheduleRulesError(f"backtest: the window ends ({end}) before it starts ({start})")
    history = history.select(pl.col("unit").cast(pl.String), pl.col("inspected_on").cast(pl.Date))
    units = plan.select("unit", "tier", "interval_months")
    before = (
        history.filter(pl.col("inspected_on") < start)
        .group_by("unit")
        .agg(pl.col("inspected_on").max().alias("last_before"))
    )
    window = history.filter(pl.col("inspected_on").is_between(start, end))
    months_apart = (
        (pl.lit(end).dt.year() - pl.col("first").dt.year()) * 12
        + (pl.lit(end).dt.month() - pl.col("first").dt.month())
        - (pl.lit(end).dt.day() < pl.col("first").dt.day()).cast(pl.Int32)
    )
    simulated = (
        units.join(before, on="unit", how="left")
        .with_columns(
            pl.max_horizontal(
                pl.col("last_before").dt.offset_by(pl.format("{}mo", pl.col("interval_months"))),
                pl.lit(start),
            )
            .fill_null(pl.lit(start))
            .alias("first")
        )
        .with_columns(
            pl.when(pl.col("first") <= end)
            .then(months_apart // pl.col("interval_months") + 1)
            .otherwise(0)
            .cast(pl.Int64)
            .alias("count")
        )
        .with_columns(pl.int_ranges(0, pl.col("count")).alias("k"))
        .explode("k")
        .filter(pl.col("k").is_not_null())
        .with_columns(
            pl.col("first")
            .dt.offset_by(pl.format("{}mo", pl.col("k") * pl.col("interval_months")))
            .alias("inspected_on")
        )
    )
    tiers = units.select("unit", "tier")
    actual = window.join(tiers, on="unit", how="inner")

    def per_quarter(frame: pl.DataFrame, name: str) -> pl.DataFrame:
        return (
            frame.with_columns(pl.col("inspected_on").dt.truncate("1q").alias("quarter"))
            .group_by("quarter", "tier")
            .agg(pl.len().cast(pl.Int64).alias(name))
        )

    by_quarter = (
        per_quarter(simulated, "under_rules")
        .join(per_quarter(actual, "actual"), on=["quarter", "tier"], how="full", coalesce=True)
        .with_columns(pl.col("under_rules", "actual").fill_null(0))
        .sort("quarter", "tier")
    )
    by_unit = (
        units.join(
            simulated.group_by("unit").agg(pl.len().cast(pl.Int64).alias("under_rules")),
            on="unit",
            how="left",
        )
        .join(actual.group_by("unit").agg(pl.len().cast(pl.Int64).alias("actual")), on="unit", how="left")
        .with_columns(pl.col("under_rules", "actual").fill_null(0))
        .sort("under_rules", "unit", descending=[True, False])
    )
    return by_quarter, by_unit
