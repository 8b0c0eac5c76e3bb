"""Evaluating a :class:`RuleSet` over whole frames of subjects (seed 4.3–4.11, Box 5.5).

:func:`evaluate_rules` says, for every rule and every subject, whether its conditions hold, whether a
freedom it gave should be withdrawn and whether an intervention's exit criteria hold, with the evidence;
:func:`scheme_payments` computes the all-or-nothing payments. Every test is a Polars expression, so the
only Python loops are over rules, tests and indicators, never over subjects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from localstat.engine.regime.rules import PER_PERIOD_TESTS, Conditions, Rule, RuleSet


@dataclass(frozen=True)
class Evaluation:
    """``triggers``: one row per rule × subject: ``rule``, ``unit``, ``holds`` (the conditions hold),
    ``withdraw`` (a freedom the rule gave should end: its ``withdraw_when`` holds, or without one its
    conditions no longer hold), ``exit`` (an intervention's exit criteria hold), ``judged`` (the
    subject has every input the rule tests at the as-of period: each subject metric, and a value for
    each indicator; where it has not, ``holds``, ``withdraw`` and ``exit`` say only that a value is
    missing, not that performance changed) and ``evidence`` (JSON: every value tested, and the last
    points read for persistence). ``payments``: see :func:`scheme_payments`."""

    triggers: pl.DataFrame
    payments: pl.DataFrame


TRIGGER_SCHEMA = {
    "rule": pl.String,
    "unit": pl.String,
    "holds": pl.Boolean,
    "withdraw": pl.Boolean,
    "exit": pl.Boolean,
    "judged": pl.Boolean,
    "evidence": pl.String,
}
PAYMENT_SCHEMA = {
    "rule": pl.String,
    "unit": pl.String,
    "period": pl.Date,
    "earned": pl.Boolean,
    "amount": pl.Float64,
    "evidence": pl.String,
}


def _column(code: str, metric: str) -> str:
    return f"{code}::{metric}"


def _per_period_frame(points: pl.DataFrame, indicators: pl.DataFrame) -> pl.DataFrame:
    """Points with their per-period judgements: ``value``, ``variation`` (the point's SPC type) and
    ``vs_standard`` (met/below against the indicator's standard, by polarity)."""
    if points.height == 0:
        return pl.DataFrame(
            schema={
                "unit": pl.String,
                "indicator": pl.String,
                "period": pl.Date,
                "value": pl.Float64,
                "variation": pl.String,
                "vs_standard": pl.String,
            }
        )
    joined = points.join(indicators.select("indicator", "polarity", "standard"), on="indicator", how="left")
    meets = (
        pl.when(pl.col("polarity") == "lower")
        .then(pl.col("value") <= pl.col("standard"))
        .when(pl.col("polarity") == "higher")
        .then(pl.col("value") >= pl.col("standard"))
        .otherwise(None)
    )
    return joined.select(
        pl.col("unit").cast(pl.String),
        pl.col("indicator").cast(pl.String),
        pl.col("period").cast(pl.Date),
        pl.col("value").cast(pl.Float64),
        pl.col("point_type").cast(pl.String).alias("variation"),
        pl.when(pl.col("value").is_null() | pl.col("standard").is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(meets)
        .then(pl.lit("met"))
        .otherwise(pl.lit("below"))
        .alias("vs_standard"),
    )


def _widen(
    base: pl.DataFrame,
    conditions: Conditions,
    series: pl.DataFrame,
    per_period: pl.DataFrame,
    prefix: str,
) -> tuple[pl.DataFrame, pl.Expr, list[pl.Expr]]:
    """The base frame with the columns ``conditions`` test, the expression that they all hold, and
    the evidence columns."""
    frame = base
    holds: list[pl.Expr] = []
    evidence: list[pl.Expr] = []
    for test in conditions.subject:
        column = pl.col(test.metric) if test.metric in frame.columns else pl.lit(None)
        holds.append(test.expression(column))
        evidence.append(column.cast(pl.String).alias(test.metric))
    for code, tests in conditions.indicators:
        metrics = sorted({t.metric for t in tests if _column(code, t.metric) not in frame.columns})
        if metrics:
            wanted = series.filter(pl.col("indicator") == code).select(
                "unit",
                *[
                    (pl.col(m) if m in series.columns else pl.lit(None)).alias(_column(code, m))
                    for m in metrics
                ],
            )
            frame = frame.join(wanted, on="unit", how="left")
        for test in tests:
            column = pl.col(_column(code, test.metric))
            holds.append(test.expression(column))
            evidence.append(column.cast(pl.String).alias(_column(code, test.metric)))
        lasting = [t for t in tests if t.metric in PER_PERIOD_TESTS]
        if conditions.periods > 1 and lasting:
            name = f"{prefix}{code}::last_{conditions.periods}"
            recent = (
                per_period.filter(pl.col("indicator") == code)
                .sort("unit", "period")
                .group_by("unit", maintain_order=True)
                .tail(conditions.periods)
                .group_by("unit")
                .agg(
                    pl.len().alias(f"{name}::n"),
                    pl.all_horizontal([t.expression(pl.col(t.metric)) for t in lasting])
                    .all()
                    .alias(f"{name}::all"),
                    pl.col("value").alias(f"{name}::values"),
                    pl.col("period").max().cast(pl.String).alias(f"{name}::to"),
                )
            )
            frame = frame.join(recent, on="unit", how="left")
            holds.append(
                ((pl.col(f"{name}::n") == conditions.periods) & pl.col(f"{name}::all")).fill_null(False)
            )
            evidence.append(
                pl.struct(pl.col(f"{name}::values").alias("values"), pl.col(f"{name}::to").alias("to")).alias(
                    f"{code}::last_{conditions.periods}"
                )
            )
    return frame, pl.all_horizontal(holds) if holds else pl.lit(True), evidence


def _judged(base: pl.DataFrame, rule: Rule, series: pl.DataFrame) -> pl.DataFrame:
    """``unit`` and ``judged``: whether the subject has every input ``rule`` tests (in ``when``,
    ``withdraw_when`` and ``exit_when``) at the as-of period: each subject metric, and a value for
    each indicator (a judgement without a value is a period not yet returned)."""
    conditions = [c for c in (rule.when, rule.withdraw_when, rule.exit_when) if c is not None]
    metrics = sorted({t.metric for c in conditions for t in c.subject})
    codes = sorted({code for c in conditions for code in c.indicator_codes})
    present = [pl.col(m).is_not_null() if m in base.columns else pl.lit(False) for m in metrics]
    frame = base.select("unit")
    if metrics:
        frame = base.select("unit", pl.all_horizontal(present).alias("subject"))
    if codes:
        valued = series.filter(pl.col("indicator").is_in(codes))
        if "value" in valued.columns:
            valued = valued.filter(pl.col("value").is_not_null())
        counts = valued.group_by("unit").agg(pl.col("indicator").n_unique().alias("indicators"))
        frame = frame.join(counts, on="unit", how="left")
    judged = [pl.col("subject")] if metrics else []
    if codes:
        judged.append((pl.col("indicators") == len(codes)).fill_null(False))
    return frame.select("unit", (pl.all_horizontal(judged) if judged else pl.lit(True)).alias("judged"))


def evaluate_rules(
    rules: RuleSet,
    *,
    subjects: pl.DataFrame,
    series: pl.DataFrame | None = None,
    points: pl.DataFrame | None = None,
    indicators: pl.DataFrame | None = None,
) -> Evaluation:
    """Every rule over every subject at once.

    - ``subjects``: ``unit`` and the subject metrics it has (``band``, ``position``, scores,
      ``capacity_*`` when recorded); a missing column fails its tests.
    - ``series``: the judgements at the as-of period: ``unit``, ``indicator`` and the columns of
      :data:`INDICATOR_TESTS`.
    - ``points``: every period's ``unit``, ``indicator``, ``period``, ``value``, ``point_type`` up to
      the as-of period (the assessment's SPC points), for persistence and payments.
    - ``indicators``: ``indicator``, ``polarity`` (higher/lower/neutral) and ``standard`` (nullable).
    """
    series = (
        series if series is not None else pl.DataFrame(schema={"unit": pl.String, "indicator": pl.String})
    )
    points = points if points is not None else pl.DataFrame()
    indicators = (
        indicators
        if indicators is not None
        else pl.DataFrame(schema={"indicator": pl.String, "polarity": pl.String, "standard": pl.Float64})
    )
    per_period = _per_period_frame(points, indicators)
    base = subjects.with_columns(pl.col("unit").cast(pl.String))
    found: list[pl.DataFrame] = []
    payments: list[pl.DataFrame] = []
    for rule in rules.rules:
        if rule.consequence.kind == "payment":
            payments.append(scheme_payments(rule, subjects=base, per_period=per_period))
            continue
        frame, holds, evidence = _widen(base, rule.when, series, per_period, "when:")
        withdraw: pl.Expr = ~holds
        if rule.withdraw_when is not None:
            frame, withdraw, more = _widen(frame, rule.withdraw_when, series, per_period, "withdraw:")
            evidence += [e.alias(f"withdraw_when:{e.meta.output_name()}") for e in more]
        exits: pl.Expr = pl.lit(False)
        if rule.exit_when is not None:
            frame, exits, more = _widen(frame, rule.exit_when, series, per_period, "exit:")
            evidence += [e.alias(f"exit_when:{e.meta.output_name()}") for e in more]
        found.append(
            frame.select(
                pl.lit(rule.id).alias("rule"),
                pl.col("unit"),
                holds.alias("holds"),
                withdraw.fill_null(False).alias("withdraw"),
                exits.fill_null(False).alias("exit"),
                (pl.struct(evidence).struct.json_encode() if evidence else pl.lit("{}")).alias("evidence"),
            ).join(_judged(base, rule, series), on="unit", how="left")
        )
    triggers = pl.concat(found).select(list(TRIGGER_SCHEMA)) if found else pl.DataFrame(schema=TRIGGER_SCHEMA)
    paid = pl.concat(payments) if payments else pl.DataFrame(schema=PAYMENT_SCHEMA)
    return Evaluation(triggers=triggers.cast(TRIGGER_SCHEMA), payments=paid.cast(PAYMENT_SCHEMA))  # type: ignore[arg-type]


def scheme_payments(rule: Rule, *, subjects: pl.DataFrame, per_period: pl.DataFrame) -> pl.DataFrame:
    """An all-or-nothing payment scheme (Box 5.5), one row per subject × period from the scheme's
    start: the full ``amount`` when every indicator test holds in that period, else nothing. A
    period with no value on a key indicator earns nothing. Columns: ``rule``, ``unit``, ``period``,
    ``earned``, ``amount`` and ``evidence`` (JSON: each tested value in that period)."""
    amount = float(rule.consequence.amount or 0.0)
    starts = rule.consequence.starts
    codes = rule.when.indicator_codes
    window = per_period.filter(
        pl.col("indicator").is_in(list(codes)) & pl.col("unit").is_in(subjects["unit"].to_list())
    )
    if starts is not None:
        window = window.filter(pl.col("period") >= starts)
    grid = window.select("unit", "period").unique()
    holds: list[pl.Expr] = []
    evidence: list[pl.Expr] = []
    for code, tests in rule.when.indicators:
        part = window.filter(pl.col("indicator") == code).select(
            "unit", "period", *[pl.col(t.metric).alias(_column(code, t.metric)) for t in tests]
        )
        grid = grid.join(part, on=["unit", "period"], how="left")
        for test in tests:
            column = pl.col(_column(code, test.metric))
            holds.append(test.expression(column))
            evidence.append(column.cast(pl.String).alias(_column(code, test.metric)))
    earned = pl.all_horizontal(holds)
    return grid.sort("unit", "period").select(
        pl.lit(rule.id).alias("rule"),
        pl.col("unit"),
        pl.col("period"),
        earned.alias("earned"),
        pl.when(earned).then(pl.lit(amount)).otherwise(pl.lit(0.0)).alias("amount"),
        pl.struct(evidence).struct.json_encode().alias("evidence"),
    )


# ---------------------------------------------------------------------------------------------------
# Backtesting


#: How many periods after a trigger its outcome is read, and within how many a unit must recover.
OUTCOME_AFTER: tuple[int, ...] = (3, 6)
RECOVERY_WITHIN = 6


def trigger_outcomes(
    triggers: pl.DataFrame,
    judged: pl.DataFrame,
    rule_indicators: Mapping[str, str | None],
    *,
    within: int = RECOVERY_WITHIN,
) -> pl.DataFrame:
    """Each time a rule starts to hold for a subject in a replay, and what happened next.

    ``triggers``: one row per replayed period × rule × subject: ``step`` (0, 1, 2… in time order),
    ``as_of``, ``rule``, ``unit``, ``holds``. ``judged``: the judgements each replay made (no
    look-ahead: each from the data available then): ``step``, ``unit``, ``indicator``, ``period``,
    ``value``, ``variation`` and ``level`` (the standard, or else the target, to be back within) and
    ``polarity``. A trigger is a step where the rule holds and did not at the step before. For the
    rule's indicator (``rule_indicators``) it reports the value at the trigger and 3 and 6 steps later
    with their SPC point types, and ``recovered``: within ``within`` steps a value back within the
    level, or a special-cause improvement; ``None`` while fewer steps have been replayed and it has not.
    """
    order = ["rule", "unit", "step"]
    edges = (
        triggers.sort(order)
        .with_columns(before=pl.col("holds").shift(1).over(["rule", "unit"]).fill_null(False))
        .filter(pl.col("holds") & ~pl.col("before"))
        .select("step", "as_of", "rule", "unit")
    )
    indicator_of = pl.DataFrame(
        {"rule": list(rule_indicators), "indicator": list(rule_indicators.values())},
        schema={"rule": pl.String, "indicator": pl.String},
    )
    edges = edges.join(indicator_of, on="rule", how="left")
    meets = (
        pl.when(pl.col("polarity") == "lower")
        .then(pl.col("value") <= pl.col("level"))
        .when(pl.col("polarity") == "higher")
        .then(pl.col("value") >= pl.col("level"))
        .otherwise(None)
    )
    points = judged.select(
        "step",
        "unit",
        "indicator",
        "value",
        pl.col("variation").cast(pl.String),
        (meets.fill_null(False) | (pl.col("variation").cast(pl.String) == "special_cause_improvement")).alias(
            "better"
        ),
    )
    out = edges.join(
        points.select("step", "unit", "indicator", pl.col("value").alias("value_at_trigger")),
        on=["step", "unit", "indicator"],
        how="left",
    )
    for k in OUTCOME_AFTER:
        later = points.select(
            (pl.col("step") - k).alias("step"),
            "unit",
            "indicator",
            pl.col("value").alias(f"value_after_{k}"),
            pl.col("variation").alias(f"variation_after_{k}"),
        )
        out = out.join(later, on=["step", "unit", "indicator"], how="left").with_columns(
            (pl.col(f"value_after_{k}") - pl.col("value_at_trigger")).alias(f"change_after_{k}")
        )
    last = int(judged["step"].max()) if judged.height else -1  # type: ignore[arg-type]
    window = (
        edges.select("step", "rule", "unit", "indicator")
        .join(
            points.select(pl.col("step").alias("later"), "unit", "indicator", "better"),
            on=["unit", "indicator"],
            how="inner",
        )
        .filter((pl.col("later") > pl.col("step")) & (pl.col("later") <= pl.col("step") + within))
        .group_by("step", "rule", "unit")
        .agg(pl.col("better").any().alias("any_better"))
    )
    out = out.join(window, on=["step", "rule", "unit"], how="left").with_columns(
        pl.when(pl.col("any_better").fill_null(False))
        .then(pl.lit(True))
        .when(pl.col("step") + within <= last)
        .then(pl.lit(False))
        .otherwise(pl.lit(None, dtype=pl.Boolean))
        .alias("recovered")
    )
    return out.drop("any_better").sort("as_of", "rule", "unit")
