"""The quality checks an import makes, each over every row at once.

Rejections become :class:`RowError`s (the import writes nothing); warnings become rows of a frame
(``collection_id, unit_id, period_start, indicator_id, check_kind, rule, message``) that the import
stores for the submitter and the performance manager to confirm or query. The statistics (outlier
scores, validation-rule expressions) are the engine's: ``localstat.engine.quality``.
"""

from __future__ import annotations

import polars as pl

from localstat.engine.quality import ValidationRule, outlier_scores, validation_failures
from localstat.returns.choices import OnFailure, RuleKind, WarningCheck
from localstat.returns.files import RowError
from localstat.returns.models import QualityRule
from localstat.returns.resolve import RETURN_KEYS, errors_where
from localstat.returns.wording import number_expr

#: An outlier is only judged against a history of at least this many values (the value included).
MIN_HISTORY = 6
WARNING_SCHEMA = {
    "collection_id": pl.Int64,
    "unit_id": pl.Int64,
    "period_start": pl.Date,
    "indicator_id": pl.Int64,
    "check_kind": pl.String,
    "rule": pl.String,
    "message": pl.String,
}
RATIOS = ["proportion", "rate", "ratio"]


def no_warnings() -> pl.DataFrame:
    return pl.DataFrame(schema=WARNING_SCHEMA)


def value_expr() -> pl.Expr:
    """What a value is, by its version's statistic: numerator ÷ denominator × multiplier, or the count."""
    return (
        pl.when(pl.col("statistic") == "count")
        .then(pl.col("numerator"))
        .otherwise(pl.col("numerator") / pl.col("denominator") * pl.col("multiplier"))
    )


def statistic_errors(rows: pl.DataFrame) -> list[RowError]:
    """A proportion, rate or ratio needs a denominator above 0; a count has none; a proportion's part ≤ whole."""
    ratio = pl.col("statistic").is_in(RATIOS)
    errors = errors_where(
        rows,
        ratio & pl.col("denominator").is_null(),
        "denominator",
        pl.format("is required: {} is a {}", "indicator", "statistic"),
    )
    errors += errors_where(
        rows,
        ratio & (pl.col("denominator") == 0),
        "denominator",
        pl.format("must be more than 0: {} is a {}", "indicator", "statistic"),
    )
    errors += errors_where(
        rows,
        (pl.col("statistic") == "count") & pl.col("denominator").is_not_null(),
        "denominator",
        pl.format("must be empty: {} is a count", "indicator"),
    )
    errors += errors_where(
        rows,
        (pl.col("statistic") == "proportion") & (pl.col("numerator") > pl.col("denominator")),
        "numerator",
        pl.format(
            "{} is more than the denominator {}: a proportion's part cannot exceed its whole",
            number_expr("numerator"),
            number_expr("denominator"),
        ),
    )
    return errors


def _rules(collection_ids: list[int], kind: str) -> list[QualityRule]:
    return list(
        QualityRule.objects.filter(collection_id__in=collection_ids, kind=kind).select_related("indicator")
    )


def range_checks(rows: pl.DataFrame, collection_ids: list[int]) -> tuple[list[RowError], pl.DataFrame]:
    """Range rules on each new or changed value."""
    rules = _rules(collection_ids, RuleKind.RANGE)
    if not rules or rows.height == 0:
        return [], no_warnings()
    table = pl.DataFrame(
        [(r.collection_id, r.indicator_id, r.code, r.minimum, r.maximum, r.on_failure) for r in rules],
        schema={
            "collection_id": pl.Int64,
            "indicator_id": pl.Int64,
            "rule": pl.String,
            "minimum": pl.Float64,
            "maximum": pl.Float64,
            "on_failure": pl.String,
        },
        orient="row",
    )
    checked = rows.with_columns(value=value_expr()).join(table, on=["collection_id", "indicator_id"])
    low = pl.col("minimum").is_not_null() & (pl.col("value") < pl.col("minimum"))
    high = pl.col("maximum").is_not_null() & (pl.col("value") > pl.col("maximum"))
    message = pl.format(
        "{} for {} {} is outside the range {} to {} (rule {})",
        number_expr("value"),
        "indicator",
        pl.col("period_start"),
        number_expr(pl.col("minimum").fill_null(float("-inf"))),
        number_expr(pl.col("maximum").fill_null(float("inf"))),
        "rule",
    )
    broken = checked.filter(low | high)
    errors = errors_where(broken, pl.col("on_failure") == OnFailure.REJECT, "numerator", message)
    warnings = broken.filter(pl.col("on_failure") == OnFailure.WARN).select(
        *RETURN_KEYS,
        "indicator_id",
        check_kind=pl.lit(WarningCheck.RANGE.value),
        rule="rule",
        message=message,
    )
    return errors, warnings.cast(WARNING_SCHEMA)  # type: ignore[arg-type]


def required_errors(final: pl.DataFrame, first_rows: pl.DataFrame, items: pl.DataFrame) -> list[RowError]:
    """Every required item must be in each return the file touches (given now or stored before).

    ``final`` holds the values each touched return will have; ``first_rows`` the first file row of each.
    """
    required = items.filter(pl.col("required") & ~pl.col("derived")).select(
        "collection_id", "indicator_id", "code"
    )
    expected = first_rows.join(required, on="collection_id")
    missing = expected.join(
        final.select(*RETURN_KEYS, "indicator_id"), on=[*RETURN_KEYS, "indicator_id"], how="anti"
    )
    return errors_where(
        missing,
        pl.lit(True),
        "indicator",
        pl.format(
            "{} is required in every return of {}, and {} {} gives none",
            "code",
            "collection",
            "unit",
            "period_start",
        ),
    )


def rule_checks(
    final: pl.DataFrame, first_rows: pl.DataFrame, codes: dict[int, str], collection_ids: list[int]
) -> tuple[list[RowError], pl.DataFrame]:
    """Cross-item rules over each touched return's values, through the engine's validation rules."""
    rules = _rules(collection_ids, RuleKind.EXPRESSION)
    if not rules or final.height == 0:
        return [], no_warnings()
    long = final.with_columns(code=pl.col("indicator_id").replace_strict(codes, default=None)).filter(
        pl.col("code").is_not_null()
    )
    wide = long.unpivot(
        index=[*RETURN_KEYS, "code"], on=["numerator", "denominator"], variable_name="measure", value_name="v"
    ).with_columns(column=pl.format("{}.{}", "code", "measure"))
    values = wide.pivot(on="column", index=RETURN_KEYS, values="v", aggregate_function="first")
    errors: list[RowError] = []
    warnings = [no_warnings()]
    for collection_id in sorted({r.collection_id for r in rules}):
        mine = [r for r in rules if r.collection_id == collection_id]
        engine_rules = [
            ValidationRule(
                r.code,
                r.left,
                r.operator,
                r.right,
                importance=r.importance,
                left_missing=r.left_missing,
                right_missing=r.right_missing,
            )
            for r in mine
        ]
        failures = validation_failures(
            values.filter(pl.col("collection_id") == collection_id), engine_rules, keys=RETURN_KEYS
        )
        if failures.height == 0:
            continue
        actions = pl.DataFrame(
            {
                "rule": [r.code for r in mine],
                "on_failure": [r.on_failure for r in mine],
                "text": [r.description for r in mine],
            }
        )
        failures = (
            failures.join(first_rows, on=RETURN_KEYS)
            .join(actions, on="rule")
            .with_columns(
                message=pl.format(
                    "{}: {} {} {} is not true for {} {} (rule {})",
                    "text",
                    number_expr("left"),
                    "operator",
                    number_expr("right"),
                    "unit",
                    pl.col("period_start"),
                    "rule",
                )
            )
        )
        errors += errors_where(
            failures, pl.col("on_failure") == OnFailure.REJECT, "return", pl.col("message")
        )
        warnings.append(
            failures.filter(pl.col("on_failure") == OnFailure.WARN)
            .select(
                *RETURN_KEYS,
                indicator_id=pl.lit(None, dtype=pl.Int64),
                check_kind=pl.lit(WarningCheck.RULE.value),
                rule="rule",
                message="message",
            )
            .cast(WARNING_SCHEMA)  # type: ignore[arg-type]
        )
    return errors, pl.concat(warnings)


def outlier_warnings(history: pl.DataFrame, fresh: pl.DataFrame) -> pl.DataFrame:
    """New or changed values that are outliers against their unit's own series (z ≥ 3 or Mz ≥ 3.5).

    ``history`` is every current value of the series concerned with the new values already in place
    (``unit_id, indicator_id, period_start, value``); ``fresh`` the new or changed rows to judge.
    """
    if fresh.height == 0:
        return no_warnings()
    series = history.join(
        fresh.select("unit_id", "indicator_id").unique(), on=["unit_id", "indicator_id"], how="semi"
    )
    scored = outlier_scores(series, series=["unit_id", "indicator_id"], value="value").with_columns(
        points=pl.len().over("unit_id", "indicator_id")
    )
    flagged = scored.filter(
        (pl.col("z_outlier") | pl.col("modified_z_outlier")) & (pl.col("points") >= MIN_HISTORY)
    ).join(
        fresh.select(
            "collection_id",
            "unit",
            "indicator",
            *[k for k in RETURN_KEYS if k != "collection_id"],
            "indicator_id",
        ).unique(),
        on=["unit_id", "indicator_id", "period_start"],
    )
    message = pl.format(
        "{} for {} {} is unusual against {}'s own {} values of it: z = {}, modified z = {}",
        number_expr("value"),
        "indicator",
        pl.col("period_start"),
        "unit",
        "points",
        pl.col("z").round(2).cast(pl.String).fill_null("–"),
        pl.col("modified_z").round(2).cast(pl.String).fill_null("–"),
    )
    return flagged.select(
        *RETURN_KEYS,
        "indicator_id",
        check_kind=pl.lit(WarningCheck.OUTLIER.value),
        rule=pl.lit("outlier"),
        message=message,
    ).cast(WARNING_SCHEMA)  # type: ignore[arg-type]
