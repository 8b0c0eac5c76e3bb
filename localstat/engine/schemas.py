"""Column schemas of the engine's frames, and the checks that read them.

Each verb of ``localstat engine`` reads one documented frame and writes another; :data:`SCHEMAS`
describes them (the command line's ``--help`` is built from it, so the documentation cannot drift
from the code). The helpers below turn a frame's columns into numpy arrays and refuse bad input
with :class:`DataError`, a ``ValueError`` whose message names the 1-based data row (the first row
after the header is row 1, as a person counts rows in a spreadsheet) and the column.

>>> frame = pl.DataFrame({"numerator": ["3", "x"]})
>>> float_column(frame, "numerator")
Traceback (most recent call last):
...
localstat.engine.schemas.DataError: row 2, column 'numerator': is not a number (got 'x')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

__all__ = [
    "SCHEMAS",
    "Column",
    "DataError",
    "FileSchema",
    "Schema",
    "check_rows",
    "float_column",
    "require_columns",
    "text_column",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class DataError(ValueError):
    """Bad input, located: ``row`` is 1-based (None for the whole column), ``column`` its name,
    ``source`` the frame it is in when a function reads several.

    >>> str(DataError("must be greater than zero", row=4, column="denominator"))
    "row 4, column 'denominator': must be greater than zero"
    >>> str(DataError("is missing", column="unit", source="hierarchy"))
    "hierarchy: column 'unit': is missing"
    """

    def __init__(
        self, message: str, *, row: int | None = None, column: str | None = None, source: str | None = None
    ) -> None:
        self.row = row
        self.column = column
        self.detail = message
        self.source = source
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        located = f"{', '.join(where)}: {message}" if where else message
        super().__init__(f"{source}: {located}" if source else located)

    def within(self, source: str) -> DataError:
        """The same error, said to be in ``source``.

        >>> str(DataError("is missing", row=2, column="parent").within("hierarchy"))
        "hierarchy: row 2, column 'parent': is missing"
        """
        return DataError(self.detail, row=self.row, column=self.column, source=source)


@dataclass(frozen=True)
class Column:
    """One documented column: its name and what it holds."""

    name: str
    meaning: str


@dataclass(frozen=True)
class FileSchema:
    """Another file a verb reads or writes, named by its option: its columns (``optional``
    ones may be left out) and what it is for."""

    option: str
    summary: str
    columns: tuple[Column, ...]
    optional: tuple[Column, ...] = ()


@dataclass(frozen=True)
class Schema:
    """What a verb reads and writes. ``inputs`` are required unless listed in ``optional``;
    ``files`` are the other files it reads or writes, each behind its own option."""

    verb: str
    summary: str
    inputs: tuple[Column, ...]
    outputs: tuple[Column, ...]
    optional: tuple[Column, ...] = ()
    per_row: bool = True
    files: tuple[FileSchema, ...] = ()

    def describe(self) -> str:
        """Plain-text description for ``--help``.

        >>> print(SCHEMAS["peers"].describe().splitlines()[0])
        input columns:
        """
        every = [*self.inputs, *self.optional, *self.outputs]
        for file in self.files:
            every += [*file.columns, *file.optional]
        width = max(14, *(len(c.name) + 1 for c in every))
        lines = ["input columns:"]
        lines += [f"  {c.name:<{width}} {c.meaning}" for c in self.inputs]
        lines += [f"  {c.name:<{width}} (optional) {c.meaning}" for c in self.optional]
        if self.per_row:
            lines.append("output: every input row, in input order, with every input column, plus:")
        else:
            lines.append("output columns:")
        lines += [f"  {c.name:<{width}} {c.meaning}" for c in self.outputs]
        for file in self.files:
            lines += ["", f"{file.option}: {file.summary}"]
            lines += [f"  {c.name:<{width}} {c.meaning}" for c in file.columns]
            lines += [f"  {c.name:<{width}} (optional) {c.meaning}" for c in file.optional]
        return "\n".join(lines)


_INTERVALS = (
    Column("value", "numerator / denominator x multiplier"),
    Column("lower_95", "lower limit of the 95% confidence interval"),
    Column("upper_95", "upper limit of the 95% confidence interval"),
    Column("lower_998", "lower limit of the 99.8% confidence interval"),
    Column("upper_998", "upper limit of the 99.8% confidence interval"),
)

_SHARE_COLUMNS = (
    Column("share_significantly_better", "share of its series significantly better than national"),
    Column("share_better", "... better or significantly better than national"),
    Column("share_worse", "... worse or significantly worse than national"),
    Column("share_significantly_worse", "... significantly worse than national"),
    Column("share_better_than_peers", "... better than its peer group (of those compared)"),
    Column("share_worse_than_peers", "... worse than its peer group"),
    Column("share_targets_met", "... of its series with a target: met"),
    Column("share_targets_on_track", "... on track"),
    Column("share_targets_at_risk", "... at risk"),
    Column("share_targets_off_track", "... off track"),
    Column("share_targets_missed", "... missed"),
    Column("share_below_standard", "... of its series with a standard: below it"),
    Column("share_improving", "... with a recent trend (stale series left out): improving"),
    Column("share_worsening", "... worsening"),
    Column(
        "share_special_cause_improvement",
        "... with an SPC judgement (stale series left out): special cause improvement",
    ),
    Column("share_special_cause_concern", "... special cause concern"),
)

#: The frames each verb reads and writes.
SCHEMAS: dict[str, Schema] = {
    "intervals": Schema(
        verb="intervals",
        summary="values with 95% and 99.8% confidence intervals",
        inputs=(
            Column("numerator", "events, cases or observed count (zero or more)"),
            Column("denominator", "population, sample size or expected count (greater than zero)"),
        ),
        outputs=(
            *_INTERVALS,
            Column("method", "wilson (proportion), exact (fewer than 10 events) or byars (10 or more)"),
        ),
    ),
    "compare": Schema(
        verb="compare",
        summary="each value against a benchmark or a target, read through polarity",
        inputs=(
            Column("value", "the unit's value"),
            Column("lower_95", "lower limit of its 95% confidence interval"),
            Column("upper_95", "upper limit of its 95% confidence interval"),
            Column("benchmark", "the comparator (national, parent or peer value, or the target)"),
        ),
        optional=(
            Column("lower_998", "lower limit of the 99.8% interval (enables 'significantly' judgements)"),
            Column("upper_998", "upper limit of the 99.8% interval"),
        ),
        outputs=(
            Column(
                "comparison",
                "significantly_better, better, similar, worse, significantly_worse or not_compared",
            ),
        ),
    ),
    "spc": Schema(
        verb="spc",
        summary="statistical process control per series (XmR, p' and u' charts)",
        inputs=(
            Column("series", "series identifier (e.g. unit and indicator)"),
            Column("period", "ISO date (YYYY-MM-DD) or integer; orders each series"),
            Column("value", "the measurement (xmr chart)"),
        ),
        optional=(
            Column("numerator", "events (p_prime and u_prime charts, instead of value)"),
            Column("denominator", "population or sample size (p_prime and u_prime charts)"),
            Column("target", "target for the assurance icon"),
        ),
        outputs=(
            Column("mean", "process mean"),
            Column("lpl", "lower process limit"),
            Column("upl", "upper process limit"),
            Column(
                "point_type",
                "common_cause, special_cause_improvement, special_cause_concern, "
                "special_cause_neutral_high or special_cause_neutral_low",
            ),
            Column("rule", "the special-cause rule that fired, empty for common cause"),
        ),
    ),
    "funnel": Schema(
        verb="funnel",
        summary="funnel-plot limits around the pooled value (proportion) or 1 (ratio)",
        inputs=(
            Column("unit", "unit identifier"),
            Column("numerator", "events (proportion) or observed count (ratio)"),
            Column("denominator", "sample size (proportion) or expected count (ratio)"),
        ),
        outputs=(
            Column("value", "numerator / denominator"),
            Column("lower_95", "lower 95% funnel limit at the unit's denominator"),
            Column("upper_95", "upper 95% funnel limit"),
            Column("lower_998", "lower 99.8% funnel limit"),
            Column("upper_998", "upper 99.8% funnel limit"),
            Column("significance", "low_998, low_95, none, high_95 or high_998"),
            Column("phi", "overdispersion ratio (with --overdispersion spiegelhalter)"),
            Column("tau2", "between-unit variance on the transformed scale (spiegelhalter)"),
        ),
    ),
    "trend": Schema(
        verb="trend",
        summary="recent trend of each series' last five points (Fingertips method)",
        inputs=(
            Column("series", "series identifier"),
            Column("period", "ISO date (YYYY-MM-DD) or integer; orders each series"),
            Column("value", "the value"),
            Column("lower_95", "lower limit of its 95% confidence interval"),
            Column("upper_95", "upper limit of its 95% confidence interval"),
        ),
        outputs=(
            Column("series", "series identifier (one row per series, sorted)"),
            Column("trend", "increasing, decreasing, no_change or cannot_be_calculated"),
            Column("chi2", "chi-squared statistic of the weighted slope (empty if not calculated)"),
            Column("slope", "weighted least-squares slope per period (empty if not calculated)"),
        ),
        per_row=False,
    ),
    "peers": Schema(
        verb="peers",
        summary="each unit's most similar units by standardised Euclidean distance",
        inputs=(
            Column("unit", "unit code (ties in distance are broken by code)"),
            Column("<context>", "one or more numeric context columns (every numeric column by default)"),
        ),
        outputs=(
            Column("unit", "unit code"),
            Column("peer", "a most similar unit"),
            Column("rank", "1 = most similar"),
            Column("distance", "Euclidean distance between standardised context values"),
        ),
        per_row=False,
    ),
    "assess": Schema(
        verb="assess",
        summary="judgements of every unit, intermediate-tier body and the nation at an as-of period",
        inputs=(
            Column("unit", "front line unit code (text or integer)"),
            Column("indicator", "indicator code"),
            Column("period", "ISO date (YYYY-MM-DD) or integer; one row per unit, indicator and period"),
            Column("numerator", "events, cases or observed count (zero or more); blank: no point"),
        ),
        optional=(Column("denominator", "population, sample or expected count (> 0); not read for counts"),),
        outputs=(
            Column("level", "unit, tier (an intermediate-tier body, pooled) or national (pooled)"),
            Column("unit", "the unit's or body's code (empty for the national row)"),
            Column("parent", "its performance manager in --hierarchy (empty: none)"),
            Column("indicator", "indicator code"),
            Column("service", "the indicator's service (--indicators)"),
            Column("period", "the period judged: the indicator's latest on or before --as-of"),
            Column("last_period", "the series' latest period with a point"),
            Column(
                "periods_without_value",
                "the indicator's periods (columns of its grid: periods any unit has a value in) "
                "from last_period to period (0: a value now; empty: never a point)",
            ),
            Column(
                "stale",
                "true when periods_without_value is 3 or more: its trend and variation describe old "
                "data, so they feed neither direction_score nor the positions' direction shares",
            ),
            Column("numerator", "numerator at the period (pooled: the sum over its units)"),
            Column("denominator", "denominator at the period (pooled: the sum; empty for counts)"),
            Column("units", "units with a value at the period (K; 1 or 0 for a unit)"),
            Column("units_total", "units it has for the indicator, with a value or not (N; 1 for a unit)"),
            Column("value", "numerator / denominator x multiplier (a count: numerator x multiplier)"),
            Column("lower_95", "lower 95% limit: Wilson (proportion), exact/Byar's (rate, ratio, count)"),
            Column("upper_95", "upper 95% limit"),
            Column("lower_998", "lower 99.8% limit"),
            Column("upper_998", "upper 99.8% limit"),
            Column("method", "wilson, exact (fewer than 10 events) or byars"),
            Column("national_value", "the national (pooled) value at the period"),
            Column(
                "vs_national",
                "significantly_better ... significantly_worse, not_compared (Fingertips); a body's is "
                "not_compared unless its value pools at least half its units (2K >= N)",
            ),
            Column("parent_value", "the parent's pooled value"),
            Column("parent_units", "units the parent's value pools (K: the parent's units)"),
            Column("parent_units_total", "units the parent has for the indicator (N)"),
            Column(
                "vs_parent",
                "the value against the parent's; not_compared unless the parent's value pools "
                "another unit and at least half its units (K - own >= 1 and 2K >= N)",
            ),
            Column("peer_value", "the peer group's pooled value (front line units only)"),
            Column("peers", "peers with a value at the period"),
            Column("vs_peers", "the value against the peer group's"),
            Column("standard", "the indicator's standard (--indicators)"),
            Column("vs_standard", "met, below, no_value or not_compared (neutral polarity)"),
            Column("target_scope", "own (the row's own target) or national (a target with no unit)"),
            Column("target_level", "the target's level"),
            Column("target_deadline", "the period from which the level must be met"),
            Column("milestone", "the trajectory's milestone in force at the period"),
            Column("target_status", "met, on_track, at_risk, off_track, missed, no_value, not_compared"),
            Column("variation", "SPC type of the latest point (common_cause, special_cause_...)"),
            Column("spc_rule", "the rule behind it: outside_limits, trend, two_of_three, shift"),
            Column("spc_mean", "process mean"),
            Column("spc_lpl", "lower process limit at the latest point"),
            Column("spc_upl", "upper process limit at the latest point"),
            Column("spc_points", "points the limits were computed from"),
            Column("trial_limits", "true when fewer than 13 points"),
            Column("assurance", "consistent_pass, consistent_fail or inconsistent (target, else standard)"),
            Column(
                "trend",
                "improving, no_change, worsening (increasing/decreasing if neutral), cannot_be_calculated",
            ),
            Column("trend_slope", "weighted slope of the last five points per period"),
            Column("trend_chi2", "its chi-squared statistic"),
            Column("falls", "falls below the standard (a tier or the nation: of its units' series)"),
            Column("recovered", "falls put right within --recovery-within periods"),
            Column("not_recovered", "falls not put right in time"),
            Column("recovery_pending", "falls too recent to tell"),
            Column("absolute_score", "mean score of the absolute judgements (--bands scores)"),
            Column("direction_score", "mean score of the trend and SPC variation (empty when stale)"),
        ),
        per_row=False,
        files=(
            FileSchema(
                "--indicators",
                "one row per indicator (an indicator not listed is a proportion, higher is better)",
                (Column("indicator", "indicator code"),),
                (
                    Column("statistic", "proportion (default), rate, ratio or count"),
                    Column("polarity", "higher (default), lower or neutral"),
                    Column("multiplier", "e.g. 100 for a percentage (default 1; rate 100000)"),
                    Column("service", "the service it belongs to: positions are per unit and service"),
                    Column("standard", "the level every unit must maintain (multiplied scale)"),
                    Column("chart", "xmr (default), p_prime (proportions) or u_prime (rates, ratios)"),
                ),
            ),
            FileSchema(
                "--targets",
                "one row per target",
                (
                    Column("indicator", "indicator code"),
                    Column("level", "the level to reach (multiplied scale)"),
                    Column("deadline", "the period from which the level must be met"),
                ),
                (Column("unit", "unit or body code; blank: the national target, for everyone else"),),
            ),
            FileSchema(
                "--milestones",
                "the trajectory of each target: a milestone is in force from its period to the next",
                (
                    Column("indicator", "indicator code"),
                    Column("period", "the period it is for"),
                    Column("level", "the level planned for that period"),
                ),
                (Column("unit", "the target's unit (blank: the national target's)"),),
            ),
            FileSchema(
                "--context",
                "context for most-similar peer groups (--k per unit)",
                (
                    Column("unit", "unit code"),
                    Column("<context>", "every other column: numeric context variables"),
                ),
                (Column("group", "unit type: peers only from the same group, standardised within it"),),
            ),
            FileSchema(
                "--peers",
                "ready-made peer groups (instead of --context)",
                (Column("unit", "unit code"), Column("peer", "one of its peers")),
            ),
            FileSchema(
                "--hierarchy",
                "each unit's performance manager; a body may have one of its own",
                (Column("unit", "unit or body code"), Column("parent", "its performance manager")),
                (Column("service", "the service it applies to (blank: every service)"),),
            ),
            FileSchema(
                "--points",
                "(output) every point's SPC type, for charts",
                (
                    Column("level", "unit, tier or national"),
                    Column("unit", "unit or body code"),
                    Column("indicator", "indicator code"),
                    Column("period", "period"),
                    Column("value", "the plotted value"),
                    Column("mean", "process mean"),
                    Column("lpl", "lower process limit"),
                    Column("upl", "upper process limit"),
                    Column("point_type", "common_cause, special_cause_improvement, ..."),
                    Column("rule", "the special-cause rule, empty for common cause"),
                ),
            ),
            FileSchema(
                "--positions",
                "(output) one row per unit and service",
                (
                    Column("unit", "unit code"),
                    Column("parent", "its performance manager"),
                    Column("service", "service (empty without a service column in --indicators)"),
                    Column("series", "series with an absolute score"),
                    Column("absolute_score", "mean absolute score of its series"),
                    Column("direction_score", "mean direction score (stale series left out)"),
                    Column("absolute", "high, middle or low (--bands position thresholds)"),
                    Column("direction", "improving, stable or declining"),
                    Column("position", "e.g. improving_from_a_low_base, coasting, not_assessed"),
                    Column("band", "excellent, good, fair, weak or poor (--bands rules)"),
                    *_SHARE_COLUMNS,
                ),
            ),
            FileSchema(
                "--tiers",
                "(output) one row per intermediate-tier body and service",
                (
                    Column("body", "body code"),
                    Column("parent", "the body above it"),
                    Column("service", "service"),
                    Column(
                        "series ...", "and every column after service in --positions, on its pooled values"
                    ),
                    Column("units", "its front line units (at every level below it)"),
                    Column("share_excellent", "share of its banded units that are excellent"),
                    Column("share_good", "... good"),
                    Column("share_fair", "... fair"),
                    Column("share_weak", "... weak"),
                    Column("share_poor", "... poor"),
                    Column("falls", "its units' falls below standard"),
                    Column("recovered", "of which put right within --recovery-within periods"),
                    Column("not_recovered", "not put right in time"),
                    Column("recovery_pending", "too recent to tell"),
                    Column("recovery_rate", "recovered / (recovered + not_recovered)"),
                ),
            ),
            FileSchema("--parameters", "(output) the run's parameters and engine version, as JSON", ()),
        ),
    ),
}


def require_columns(frame: pl.DataFrame, names: Sequence[str]) -> None:
    """Raise :class:`DataError` for the first of ``names`` the frame does not have.

    >>> require_columns(pl.DataFrame({"a": [1]}), ["a", "b"])
    Traceback (most recent call last):
    ...
    localstat.engine.schemas.DataError: column 'b': is missing (the input has: a)
    """
    for name in names:
        if name not in frame.columns:
            raise DataError(f"is missing (the input has: {', '.join(frame.columns)})", column=name)


def check_rows(bad: BoolArray, column: str, message: str, values: npt.ArrayLike | None = None) -> None:
    """Raise :class:`DataError` at the first row where ``bad`` is true, quoting its value.

    >>> check_rows(np.array([False, True]), "denominator", "must be greater than zero", [5.0, 0.0])
    Traceback (most recent call last):
    ...
    localstat.engine.schemas.DataError: row 2, column 'denominator': must be greater than zero (got 0)
    """
    hits = np.flatnonzero(bad)
    if hits.size == 0:
        return
    index = int(hits[0])
    detail = message
    if values is not None:
        detail += f" (got {_show(np.asarray(values)[index])})"
    raise DataError(detail, row=index + 1, column=column)


def _show(value: object) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def float_column(frame: pl.DataFrame, name: str, *, allow_missing: bool = True) -> FloatArray:
    """The column as ``float64``; nulls and empty strings become NaN (or an error).

    Text is parsed strictly: anything that is not a number is refused, naming the row. Infinite
    values are refused too: no published method takes them.

    >>> float_column(pl.DataFrame({"x": ["1.5", "", " 2"]}), "x").tolist()
    [1.5, nan, 2.0]
    >>> float_column(pl.DataFrame({"x": [1.0, None]}), "x", allow_missing=False)
    Traceback (most recent call last):
    ...
    localstat.engine.schemas.DataError: row 2, column 'x': is missing
    """
    require_columns(frame, [name])
    series = frame[name]
    if series.dtype == pl.String:
        text = series.str.strip_chars()
        present = text.is_not_null() & (text != "")
        parsed = text.cast(pl.Float64, strict=False)
        unparsed = (present & parsed.is_null()).to_numpy()
        check_rows(unparsed, name, "is not a number", series.to_numpy())
        values = parsed.fill_null(np.nan).to_numpy().astype(np.float64)
        values[~present.to_numpy()] = np.nan
    elif series.dtype.is_numeric():
        values = series.cast(pl.Float64).fill_null(np.nan).to_numpy().astype(np.float64)
    else:
        raise DataError(f"must hold numbers, not {series.dtype}", column=name)
    if series.dtype == pl.String:
        _refuse_text(series, values, name)
    check_rows(np.isinf(values), name, "must be a finite number", values)
    if not allow_missing:
        check_rows(np.isnan(values), name, "is missing")
    return values


def _refuse_text(series: pl.Series, values: FloatArray, name: str) -> None:
    # Polars parses "nan" and "inf" as floats; a CSV cell saying so is a mistake, not a value.
    text = series.str.strip_chars().str.to_lowercase()
    spelled = text.is_in(["nan", "+nan", "-nan"]).fill_null(False).to_numpy()
    check_rows(spelled, name, "is not a number", series.to_numpy())


def text_column(frame: pl.DataFrame, name: str) -> pl.Series:
    """The column as text (codes keep their leading zeros); a missing code is refused.

    >>> text_column(pl.DataFrame({"unit": ["007", None]}), "unit")
    Traceback (most recent call last):
    ...
    localstat.engine.schemas.DataError: row 2, column 'unit': is missing
    """
    require_columns(frame, [name])
    series = frame[name].cast(pl.String)
    empty = series.is_null() | (series.str.strip_chars() == "")
    check_rows(empty.fill_null(True).to_numpy(), name, "is missing")
    return series
