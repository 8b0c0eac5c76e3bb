"""Two runs side by side: which judgements changed, written as the pages write them.

The judgements of both runs are read as frames and joined on (organisation, indicator), so the
comparison costs two queries and a join however many series the runs judged; only the changed
series become rows, each value written in its indicator's format and each code by its label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from localstat.assessment.explain import COMPARISON_SHORT, TARGET_SHORT, TREND_SHORT, VARIATION_SHORT
from localstat.assessment.models import AssessmentRun, Judgement
from localstat.framework.models import IndicatorVersion

#: The judgement fields a comparison looks at, with the label of each and of its codes.
COMPARED: dict[str, tuple[str, dict[str, str] | None]] = {
    "value": ("Value", None),
    "vs_national": ("Compared with England", COMPARISON_SHORT),
    "variation": ("Variation", VARIATION_SHORT),
    "trend": ("Trend", TREND_SHORT),
    "target_status": ("Target", TARGET_SHORT),
}
_FIELDS = tuple(COMPARED)
_TEXT = [f for f in _FIELDS if f != "value"]

#: Changed series shown on the page at most (the count says how many there are in all).
SHOWN = 500


class RunChoiceError(ValueError):
    """A run asked for that cannot be compared: not a number, or no such run."""


def chosen_run(raw: str | None, which: str) -> AssessmentRun:
    """The run whose number was chosen, or a :class:`RunChoiceError` saying what is wrong."""
    text = (raw or "").strip()
    if not text:
        raise RunChoiceError(f"Choose the {which} run to compare.")
    if not text.isdigit():
        raise RunChoiceError(f"The {which} run must be a run number: '{text[:20]}' is not one.")
    run = AssessmentRun.objects.filter(pk=int(text)).first()
    if run is None:
        raise RunChoiceError(f"There is no run {int(text)}: choose the {which} run from the list.")
    return run


def _frame(run: AssessmentRun) -> pl.DataFrame:
    rows = Judgement.objects.filter(run=run).values_list(
        "organisation_id", "organisation__code", "indicator_id", "indicator__code", "period", *_FIELDS
    )
    schema: dict[str, Any] = {
        "organisation_id": pl.Int64,
        "organisation": pl.String,
        "indicator_id": pl.Int64,
        "indicator": pl.String,
        "period": pl.Date,
        "value": pl.Float64,
        **dict.fromkeys(_TEXT, pl.String),
    }
    return pl.DataFrame(list(rows), schema=schema, orient="row")


def changed_series(first: AssessmentRun, second: AssessmentRun) -> pl.DataFrame:
    """One row per series both runs judged whose value, comparison with England, variation, trend
    or target status differs: the old (``*_old``) and new values, ordered by indicator and code.

    The nation's row has no organisation (null ``organisation``)."""
    before, after = _frame(first), _frame(second)
    joined = after.join(
        before.select("organisation_id", "indicator_id", *_FIELDS),
        on=["organisation_id", "indicator_id"],
        how="inner",
        nulls_equal=True,
        suffix="_old",
    )
    differs = pl.any_horizontal([pl.col(f).ne_missing(pl.col(f"{f}_old")) for f in _FIELDS])
    return joined.filter(differs).sort("indicator", pl.col("organisation").fill_null(""))


def compare_runs(first: AssessmentRun, second: AssessmentRun) -> list[dict[str, Any]]:
    """Where two runs' judgements differ, as codes and numbers: ``organisation`` (England for the
    nation), ``indicator`` and ``fields`` as (field, old, new) for each field that changed."""
    return [
        {
            "organisation": row["organisation"] or "England",
            "indicator": row["indicator"],
            "fields": [(f, row[f"{f}_old"], row[f]) for f in _FIELDS if row[f] != row[f"{f}_old"]],
        }
        for row in changed_series(first, second).iter_rows(named=True)
    ]


@dataclass(frozen=True)
class Comparison:
    """The page's comparison: the two runs, how many series changed and the first :data:`SHOWN`."""

    first: AssessmentRun
    second: AssessmentRun
    changed: int
    rows: list[dict[str, Any]]


def _versions(indicator_ids: set[int]) -> dict[int, list[IndicatorVersion]]:
    by_indicator: dict[int, list[IndicatorVersion]] = {}
    for version in IndicatorVersion.objects.filter(indicator_id__in=indicator_ids).order_by("-valid_from"):
        by_indicator.setdefault(version.indicator_id, []).append(version)
    return by_indicator


def _written(field: str, value: Any, version: IndicatorVersion) -> str:
    """A field's value as the pages write it: a value in the indicator's format (0 is a value),
    a code by its label; nothing is a dash."""
    if value is None or value == "":
        return "–"
    if field == "value":
        return version.format_value(value)
    labels = COMPARED[field][1] or {}
    return labels.get(value, str(value).replace("_", " ").capitalize())


def _change(field: str, old: Any, new: Any, version: Any) -> tuple[str, str, str]:
    """(label, old, new) as written; a value change too small for the indicator's format says so.

    >>> class Percent:
    ...     def format_value(self, value): return f"{value:.1f}%"
    >>> _change("value", 86.71, 86.72, Percent())
    ('Value', '86.7%', '86.7% (a change smaller than the figures show)')
    >>> _change("value", 0.0, 12.5, Percent())
    ('Value', '0.0%', '12.5%')
    >>> _change("trend", "no_change", "worsening", Percent())
    ('Trend', 'No significant change', 'Getting worse')
    """
    before, after = _written(field, old, version), _written(field, new, version)
    if before == after:
        after = f"{after} (a change smaller than the figures show)"
    return COMPARED[field][0], before, after


def comparison(first: AssessmentRun, second: AssessmentRun) -> Comparison:
    """The changes from ``first`` to ``second``, written for the runs page."""
    changed = changed_series(first, second)
    shown = changed.head(SHOWN)
    versions = _versions(set(shown["indicator_id"].to_list()))
    rows = []
    for row in shown.iter_rows(named=True):
        held = versions[row["indicator_id"]]
        version = next((v for v in held if v.valid_from <= row["period"]), held[-1])
        rows.append(
            {
                "organisation": row["organisation"] or "England",
                "indicator": row["indicator"],
                "changes": [
                    _change(f, row[f"{f}_old"], row[f], version) for f in _FIELDS if row[f] != row[f"{f}_old"]
                ],
            }
        )
    return Comparison(first=first, second=second, changed=changed.height, rows=rows)
