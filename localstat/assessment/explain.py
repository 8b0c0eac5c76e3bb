"""Judgements in plain English: what the numbers say, and which rule said it.

Every sentence is built from a judgement's fields and evidence, so a page (or ``localstat
explain``) can say why, in words a citizen follows, without a statistician in the room.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

PERIOD_WORDS = {
    "day": ("day", "days"),
    "week": ("week", "weeks"),
    "month": ("month", "months"),
    "quarter": ("quarter", "quarters"),
    "half_term": ("half-term", "half-terms"),
    "financial_year": ("year", "years"),
    "year": ("year", "years"),
}

COMPARISON_PHRASES = {
    "significantly_better": "significantly better than",
    "better": "better than",
    "similar": "similar to",
    "worse": "worse than",
    "significantly_worse": "significantly worse than",
}

POSITION_PHRASES = {
    "high_and_improving": "High and improving",
    "coasting": "Coasting: high, but not improving",
    "coasting_and_declining": "Coasting and declining: high, but getting worse",
    "middle_and_improving": "Improving from the middle",
    "middle_and_stable": "In the middle and stable",
    "middle_and_declining": "In the middle and declining",
    "improving_from_a_low_base": "Improving from a low base",
    "low_and_stable": "Low and not improving",
    "low_and_declining": "Low and declining",
    "not_assessed": "Not placed",
}


def position_phrase(position: str, evidence: dict[str, Any] | None = None) -> str:
    """The position in words; for a unit with no place, why it has none (from the run's counts).

    >>> position_phrase("not_assessed", {"listed_series": 6, "valued_series": 0})
    'Not placed: none of its 6 indicators has an approved value for the period assessed yet'
    >>> position_phrase("not_assessed", {"listed_series": 2, "valued_series": 2})
    'Not placed: none of its indicators could be compared with England, a target or a standard'
    >>> position_phrase("coasting")
    'Coasting: high, but not improving'
    """
    if position != "not_assessed":
        return POSITION_PHRASES.get(position, position)
    listed, valued = (evidence or {}).get("listed_series"), (evidence or {}).get("valued_series")
    if listed and valued == 0:
        many = "its indicator has" if listed == 1 else f"none of its {listed} indicators has"
        return f"Not placed: {many} an approved value for the period assessed yet"
    if valued:
        return "Not placed: none of its indicators could be compared with England, a target or a standard"
    return POSITION_PHRASES["not_assessed"]


VARIATION_SHORT = {
    "common_cause": "Common cause variation",
    "special_cause_improvement": "Special cause: improvement",
    "special_cause_concern": "Special cause: concern",
    "special_cause_neutral_high": "Special cause: higher",
    "special_cause_neutral_low": "Special cause: lower",
}

ASSURANCE_SHORT = {
    "consistent_pass": "Will consistently meet the target",
    "consistent_fail": "Will consistently miss the target",
    "inconsistent": "Hit and miss",
}

COMPARISON_SHORT = {
    "significantly_better": "Significantly better",
    "better": "Better",
    "similar": "Similar",
    "worse": "Worse",
    "significantly_worse": "Significantly worse",
    "not_compared": "Not compared",
}

TARGET_SHORT = {
    "met": "Met",
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "missed": "Missed",
    "no_value": "No value yet",
    "not_compared": "Not compared",
}

STANDARD_SHORT = {
    "met": "Meets the standard",
    "below": "Below the standard",
    "no_value": "No value yet",
    "not_compared": "Not compared",
}

TREND_SHORT = {
    "improving": "Improving",
    "worsening": "Getting worse",
    "no_change": "No significant change",
    "increasing": "Increasing",
    "decreasing": "Decreasing",
    "cannot_be_calculated": "Too few points for a trend",
}


@dataclass(frozen=True)
class Wording:
    """What the sentences need besides the judgement: how to write values and periods."""

    format_value: Any  # callable: float | None -> str
    periodicity: str = "month"
    benchmark_name: str = "England"
    parent_name: str = "its area"
    trend_points: int = 7

    def periods(self, count: int) -> str:
        one, many = PERIOD_WORDS.get(self.periodicity, ("period", "periods"))
        return f"{count} {one if count == 1 else many}"

    def period_word(self) -> str:
        return PERIOD_WORDS.get(self.periodicity, ("period", "periods"))[0]


def _label(period: date | None, periodicity: str) -> str:
    if period is None:
        return "the latest period"
    if periodicity in ("month",):
        return period.strftime("%B %Y")
    if periodicity == "quarter":
        return f"the quarter from {period.strftime('%B %Y')}"
    if periodicity == "week":
        return f"the week of {period.day} {period.strftime('%B %Y')}"
    return f"the {PERIOD_WORDS.get(periodicity, ('period',))[0]} from {period.day} {period.strftime('%B %Y')}"


def spc_sentence(variation: str, rule: str, evidence: dict[str, Any], wording: Wording) -> str:
    """One sentence for the SPC variation icon and the rule behind it.

    >>> w = Wording(format_value=lambda v: f"{v:.1f}%")
    >>> spc_sentence("special_cause_improvement", "shift", {"spc_mean": 90.0}, w)
    'The last 7 months were all above the average (90.0%): a sustained improvement.'
    >>> spc_sentence("common_cause", "", {"spc_lpl": 88.0, "spc_upl": 97.0}, w)
    'The latest value is within the usual variation (between 88.0% and 97.0%): nothing unusual has happened.'
    """
    fmt = wording.format_value
    mean, lower, upper = evidence.get("spc_mean"), evidence.get("spc_lpl"), evidence.get("spc_upl")
    good = variation == "special_cause_improvement"
    bad = variation == "special_cause_concern"
    verdict = "an improvement" if good else "a concern" if bad else "a change"
    if not variation or variation == "common_cause":
        if lower is None or upper is None:
            return "There are too few points for process limits yet."
        return f"The latest value is within the usual variation (between {fmt(lower)} and {fmt(upper)}): nothing unusual has happened."
    if rule == "outside_limits":
        side = (
            f"above the upper process limit ({fmt(upper)})"
            if _is_high(variation, evidence)
            else f"below the lower process limit ({fmt(lower)})"
        )
        return f"The latest value is {side}: a special cause, {verdict}."
    if rule == "shift":
        side = "above" if _is_high(variation, evidence) else "below"
        return f"The last {wording.periods(7)} were all {side} the average ({fmt(mean)}): a sustained {verdict.removeprefix('an ').removeprefix('a ')}."
    if rule == "trend":
        way = "rose" if _is_high(variation, evidence) else "fell"
        return f"The value {way} for {wording.periods(wording.trend_points)} in a row: a trend, {verdict}."
    if rule == "two_of_three":
        side = "upper" if _is_high(variation, evidence) else "lower"
        return f"Two of the last three {wording.periods(3).split(' ', 1)[1]} were close to the {side} process limit: an early warning of {verdict}."
    return f"A special cause: {verdict}."


def _is_high(variation: str, evidence: dict[str, Any]) -> bool:
    """Whether the signal is on the high side: read from the latest value against the mean."""
    if variation == "special_cause_neutral_high":
        return True
    if variation == "special_cause_neutral_low":
        return False
    value, mean = evidence.get("_value"), evidence.get("spc_mean")
    if value is not None and mean is not None:
        return bool(value >= mean)
    return variation == "special_cause_improvement"


def stale_since(evidence: dict[str, Any], periodicity: str) -> str:
    """ "October 2016" when the series is stale (its latest value many periods before the period
    judged: evidence ``stale``), else "".

    >>> stale_since({"stale": True, "last_period": "2016-10-01"}, "month")
    'October 2016'
    >>> stale_since({"stale": False, "last_period": "2019-02-01"}, "month")
    ''
    """
    latest = evidence.get("last_period")
    if not evidence.get("stale") or not latest:
        return ""
    return _label(date.fromisoformat(latest), periodicity).removeprefix("the ")


def pooled_from(evidence: dict[str, Any]) -> str:
    """ ", pooled from 4 of its 5 units" for the parent's value, when the evidence counts them.

    >>> pooled_from({"parent_units": 4, "parent_units_total": 5})
    ', pooled from 4 of its 5 units'
    >>> pooled_from({"parent_units": 1, "parent_units_total": 1})
    ', pooled from 1 of its 1 unit'
    >>> pooled_from({})
    ''
    """
    pooled, total = evidence.get("parent_units"), evidence.get("parent_units_total")
    if pooled is None or total is None:
        return ""
    return f", pooled from {pooled} of its {total} unit{'' if total == 1 else 's'}"


def thinly_pooled(evidence: dict[str, Any], benchmark: str, name: str) -> str:
    """Why a series is not compared with its parent, when the parent's value pools too few units
    (the engine compares only when it pools another unit and at least half of them); "" when the
    comparison was left out for another reason (a count, a neutral indicator).

    >>> print(thinly_pooled({"parent_units": 1, "parent_units_total": 5, "units": 1}, "91.5%", "its area (Q70)"))
    It is not compared with its area (Q70): that value (91.5%) is pooled from 1 of its 5 units, this one's own; a comparison needs at least half of its units, another one among them.
    >>> print(thinly_pooled({"parent_units": 2, "parent_units_total": 5, "units": 1}, "91.5%", "its area"))
    It is not compared with its area: that value (91.5%) is pooled from 2 of its 5 units; a comparison needs at least half of its units, another one among them.
    >>> thinly_pooled({"parent_units": 3, "parent_units_total": 5, "units": 1}, "91.5%", "its area")
    ''
    """
    pooled, total = evidence.get("parent_units"), evidence.get("parent_units_total")
    own = evidence.get("units") or 0
    if pooled is None or total is None or (pooled - own >= 1 and 2 * pooled >= total):
        return ""
    whose = (", this one's own" if own == 1 else ", all its own") if pooled <= own else ""
    return (
        f"It is not compared with {name}: that value ({benchmark}) is pooled from {pooled} of its "
        f"{total} unit{'' if total == 1 else 's'}{whose}; a comparison needs at least half of its "
        "units, another one among them."
    )


def too_few_for_national(evidence: dict[str, Any], benchmark: str, name: str) -> str:
    """Why a body's value is not compared with the national one, when it pools fewer than half of
    its units (the engine compares a body only when 2K >= N); "" when the comparison was left out
    for another reason (a count, a neutral indicator) or the row is a unit.

    >>> print(too_few_for_national({"units": 1, "units_total": 9}, "88.0%", "England"))
    It is not compared with England (88.0%): its value pools 1 of its 9 units, too few to compare with England; a comparison needs at least half of them.
    >>> too_few_for_national({"units": 5, "units_total": 9}, "88.0%", "England")
    ''
    >>> too_few_for_national({"units": 0, "units_total": 1}, "88.0%", "England")
    ''
    """
    pooled, total = evidence.get("units"), evidence.get("units_total")
    if pooled is None or total is None or total <= 1 or 2 * pooled >= total:
        return ""
    return (
        f"It is not compared with {name} ({benchmark}): its value pools {pooled} of its {total} "
        f"units, too few to compare with {name}; a comparison needs at least half of them."
    )


def judgement_sentences(j: Any, wording: Wording) -> list[str]:
    """Every reason behind a judgement, in reading order: value, comparisons, variation, trend, target."""
    fmt = wording.format_value
    evidence = {**(j.evidence or {}), "_value": j.value}
    when = _label(j.period, wording.periodicity)
    sentences: list[str] = []
    if j.value is None:
        latest = evidence.get("last_period")
        since = (
            f"; the latest approved value is for {_label(date.fromisoformat(latest), wording.periodicity)}"
            if latest
            else ""
        )
        sentences.append(f"There is no approved value for {when} yet{since}.")
        if evidence.get("stale"):
            behind = int(evidence.get("periods_without_value") or 0)
            sentences.append(
                f"That is {wording.periods(behind)} without a value: what follows describes that old "
                "data, not how it is doing now."
            )
    else:
        interval = ""
        if j.lower_95 is not None and j.upper_95 is not None:
            interval = f" (95% confidence interval {fmt(j.lower_95)} to {fmt(j.upper_95)})"
        sentences.append(f"In {when} the value was {fmt(j.value)}{interval}.")
    for comparison, benchmark, name in (
        (j.vs_national, j.national_value, wording.benchmark_name),
        (j.vs_parent, j.parent_value, wording.parent_name),
        (
            j.vs_peers,
            j.peer_value,
            f"its {evidence.get('peers') or ''} most similar units".replace("  ", " "),
        ),
    ):
        phrase = COMPARISON_PHRASES.get(comparison or "")
        if benchmark is None:
            continue
        if comparison == "not_compared" and name in (wording.parent_name, wording.benchmark_name):
            thin = (
                thinly_pooled(evidence, fmt(benchmark), name)
                if name == wording.parent_name
                else too_few_for_national(evidence, fmt(benchmark), name)
            )
            if thin:
                sentences.append(thin)
        elif phrase:
            pooled = pooled_from(evidence) if name == wording.parent_name else ""
            sentences.append(f"That is {phrase} {name} ({fmt(benchmark)}{pooled}).")
    if j.variation:
        sentences.append(spc_sentence(j.variation, j.spc_rule, evidence, wording))
        if evidence.get("trial_limits"):
            sentences.append(
                f"The limits come from only {evidence.get('spc_points')} points, so they are trial limits."
            )
    if j.assurance:
        target = evidence.get("target_level")
        sentences.append(
            {
                "consistent_pass": f"The target ({fmt(target)}) lies outside the process limits on the good side: as things are, it will be met every {wording.period_word()}.",
                "consistent_fail": f"The target ({fmt(target)}) lies outside the process limits on the wrong side: as things are, it will be missed every {wording.period_word()} until the process changes.",
                "inconsistent": f"The target ({fmt(target)}) lies within the process limits: it will be hit and missed at random.",
            }[j.assurance]
        )
    if j.trend in ("improving", "worsening"):
        sentences.append(
            f"Over the last five {wording.periods(5).split(' ', 1)[1]} the value has been {'improving' if j.trend == 'improving' else 'getting worse'}, beyond chance."
        )
    elif j.trend == "no_change":
        sentences.append(
            f"Over the last five {wording.periods(5).split(' ', 1)[1]} there is no significant trend."
        )
    target_text = _target_sentence(j.target_status, evidence, fmt)
    if target_text:
        sentences.append(target_text)
    return sentences


def _target_sentence(status: str, evidence: dict[str, Any], fmt: Any) -> str:
    """The target's sentence. A series with no milestone this period (a weekly series, or a target
    with no trajectory) is judged against the target's level itself, and says so.

    >>> fmt = lambda v: f"{v:.1f}%"
    >>> _target_sentence("at_risk", {"target_level": 95.0, "target_scope": "national"}, fmt)
    'It is at risk against the national target of 95.0%: below it, but not by more than chance.'
    >>> _target_sentence("at_risk", {"target_level": 95.0, "milestone": 92.0}, fmt)
    "It is at risk against its target of 95.0%: below this period's milestone (92.0%), but not by more than chance."
    """
    level, milestone, deadline = (
        evidence.get("target_level"),
        evidence.get("milestone"),
        evidence.get("target_deadline"),
    )
    whose = "the national target" if evidence.get("target_scope") == "national" else "its target"
    by = f" by {deadline}" if deadline else ""
    against = f"this period's milestone ({fmt(milestone)})" if milestone is not None else "it"
    if status == "met":
        return f"It meets {whose} of {fmt(level)}."
    if status == "missed":
        return f"It missed {whose} of {fmt(level)}{by}."
    if status == "on_track":
        return f"It is on track for {whose} of {fmt(level)}{by}: at or above {against}."
    if status == "at_risk":
        return f"It is at risk against {whose} of {fmt(level)}{by}: below {against}, but not by more than chance."
    if status == "off_track":
        return f"It is off track for {whose} of {fmt(level)}{by}: significantly below {against}."
    return ""


#: Evidence shares of a position, as sentences, most telling first: (share, the series it is a
#: share of, what those series are, what the counted ones are). Each share has its own
#: denominator (the engine's ``judged_*`` counts): the series judged on that column.
SHARE_PHRASES = (
    ("share_significantly_better", "judged_national", "compared with England", "significantly better"),
    ("share_significantly_worse", "judged_national", "compared with England", "significantly worse"),
    ("share_targets_met", "judged_targets", "with a target", "meeting it"),
    ("share_targets_off_track", "judged_targets", "with a target", "off track for it"),
    ("share_below_standard", "judged_standard", "with a national standard", "below it"),
    (
        "share_special_cause_improvement",
        "judged_variation",
        "with process limits",
        "showing a special-cause improvement",
    ),
    (
        "share_special_cause_concern",
        "judged_variation",
        "with process limits",
        "showing a special-cause concern",
    ),
    ("share_improving", "judged_trend", "with a trend", "significantly improving"),
    ("share_worsening", "judged_trend", "with a trend", "significantly worsening"),
)


def position_reasons(evidence: dict[str, Any]) -> list[str]:
    """Why a unit sits where it does: the count of its indicators behind each axis, each out of the
    indicators judged on it. Evidence without the counts (a run before they were kept) gives no
    count rather than a guessed one.

    >>> position_reasons({"judged_national": 4, "share_significantly_better": 0.5,
    ...                   "judged_trend": 1, "share_improving": 1.0, "share_targets_met": 1.0})
    ['2 of its 4 indicators compared with England are significantly better.', '1 of its 1 indicator with a trend is significantly improving.']
    """
    reasons = []
    for key, denominator, judged, phrase in SHARE_PHRASES:
        share, total = evidence.get(key), evidence.get(denominator)
        if not share or not total:
            continue
        total = int(total)
        count = round(share * total)
        if count:
            verb = "is" if count == 1 else "are"
            noun = "indicator" if total == 1 else "indicators"
            reasons.append(f"{count} of its {total} {noun} {judged} {verb} {phrase}.")
    return reasons
