"""Band rules: how series judgements score, where positions divide, and which band a unit earns.

The rules are data, published beside the bands they give (``docs/bands.md`` documents the format,
``docs/examples/bands.yaml`` is the default that ships with LocalStat). The command line reads the
YAML file; the engine takes the parsed mapping, checks it with :func:`band_rules` and works from the
frozen :class:`BandRules` it returns, so a bad file is refused with the key that is wrong before any
data is read.

>>> rules = band_rules({"bands": [{"band": "good", "when": {"absolute_score": {"at_least": 0}}},
...                               {"band": "poor"}]})
>>> [rule.band for rule in rules.bands], rules.bands[0].conditions[0]
(['good', 'poor'], Condition(metric='absolute_score', at_least=0.0, at_most=None, among=None, excluding=None))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from localstat.engine.assess.labels import (
    ABSOLUTES,
    BANDS,
    COMPARISONS,
    DIRECTIONS,
    POSITIONS,
    STANDARD_STATUSES,
    TARGET_STATUSES,
    TRENDS,
)
from localstat.engine.spc import POINT_TYPES

__all__ = [
    "DEFAULT_BAND_RULES",
    "NUMERIC_METRICS",
    "TEXT_METRICS",
    "BandRule",
    "BandRules",
    "BandRulesError",
    "Condition",
    "PositionThresholds",
    "band_rules",
]

#: What each score table may score (its judgement's words).
_SCORABLE: dict[str, tuple[str, ...]] = {
    "national": COMPARISONS,
    "peers": COMPARISONS,
    "target": TARGET_STATUSES,
    "standard": STANDARD_STATUSES,
    "trend": TRENDS,
    "variation": POINT_TYPES,
}
#: Score tables that make up absolute performance; the rest make up direction of travel.
ABSOLUTE_COMPONENTS = ("national", "peers", "target", "standard")
DIRECTION_COMPONENTS = ("trend", "variation")

#: Numeric metrics of a unit (columns of the positions frame) that a band condition may test.
NUMERIC_METRICS: tuple[str, ...] = (
    "series",
    "absolute_score",
    "direction_score",
    "share_significantly_better",
    "share_better",
    "share_worse",
    "share_significantly_worse",
    "share_better_than_peers",
    "share_worse_than_peers",
    "share_targets_met",
    "share_targets_on_track",
    "share_targets_at_risk",
    "share_targets_off_track",
    "share_targets_missed",
    "share_below_standard",
    "share_improving",
    "share_worsening",
    "share_special_cause_improvement",
    "share_special_cause_concern",
)
#: Text metrics a condition may test with ``in`` / ``not_in``, and the words each can hold.
TEXT_METRICS: dict[str, tuple[str, ...]] = {
    "absolute": ABSOLUTES,
    "direction": DIRECTIONS,
    "position": POSITIONS,
}

_DEFAULT_SCORES: dict[str, dict[str, float]] = {
    "national": {
        "significantly_better": 2,
        "better": 1,
        "similar": 0,
        "worse": -1,
        "significantly_worse": -2,
    },
    "peers": {"significantly_better": 2, "better": 1, "similar": 0, "worse": -1, "significantly_worse": -2},
    "target": {"met": 2, "on_track": 1, "at_risk": -1, "off_track": -2, "missed": -2},
    "standard": {"met": 1, "below": -2},
    "trend": {"improving": 1, "no_change": 0, "worsening": -1},
    "variation": {"special_cause_improvement": 1, "common_cause": 0, "special_cause_concern": -1},
}


class BandRulesError(ValueError):
    """A band rules mapping that cannot be used; the message names the key."""


@dataclass(frozen=True)
class PositionThresholds:
    """Absolute score at or above ``high`` is high, at or below ``low`` low; direction score at or
    above ``improving`` is improving, at or below ``declining`` declining."""

    high: float = 0.5
    low: float = -0.5
    improving: float = 0.25
    declining: float = -0.25


@dataclass(frozen=True)
class Condition:
    """One test of one metric: ``at_least`` / ``at_most`` (numbers) or ``among`` / ``excluding``
    (words). A share with no judged series counts as 0; a missing score fails every test."""

    metric: str
    at_least: float | None = None
    at_most: float | None = None
    among: tuple[str, ...] | None = None
    excluding: tuple[str, ...] | None = None


@dataclass(frozen=True)
class BandRule:
    """A band and the conditions (all must hold) that earn it."""

    band: str
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class BandRules:
    """Everything that turns series judgements into positions and bands.

    ``scores`` maps each judgement (``national``, ``peers``, ``target``, ``standard``, ``trend``,
    ``variation``) to a table of word → score; a word without a score takes no part. ``bands`` are
    tried in order, best band first, and a unit gets the first whose conditions all hold; the last
    rule has no conditions, so every unit with at least ``min_series`` judged series gets a band.
    """

    scores: Mapping[str, Mapping[str, float]] = field(
        default_factory=lambda: MappingProxyType(
            {name: MappingProxyType(table) for name, table in _DEFAULT_SCORES.items()}
        )
    )
    position: PositionThresholds = PositionThresholds()
    bands: tuple[BandRule, ...] = ()
    min_series: int = 1

    def as_record(self) -> dict[str, Any]:
        """The rules as plain values (the parameter record; :func:`band_rules` reads it back).

        >>> band_rules(DEFAULT_BAND_RULES.as_record()) == DEFAULT_BAND_RULES
        True
        """
        return {
            "scores": {name: dict(table) for name, table in self.scores.items()},
            "position": {
                "high": self.position.high,
                "low": self.position.low,
                "improving": self.position.improving,
                "declining": self.position.declining,
            },
            "min_series": self.min_series,
            "bands": [
                {"band": rule.band, "when": {c.metric: _condition_record(c) for c in rule.conditions}}
                for rule in self.bands
            ],
        }


def _condition_record(condition: Condition) -> dict[str, Any]:
    record: dict[str, Any] = {}
    if condition.at_least is not None:
        record["at_least"] = condition.at_least
    if condition.at_most is not None:
        record["at_most"] = condition.at_most
    if condition.among is not None:
        record["in"] = list(condition.among)
    if condition.excluding is not None:
        record["not_in"] = list(condition.excluding)
    return record


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BandRulesError(f"{where}: must be a number (got {value!r})")
    return float(value)


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise BandRulesError(f"{where}: must be a mapping of keys to values (got {value!r})")
    for key in value:
        if not isinstance(key, str):
            raise BandRulesError(f"{where}: keys must be words (got {key!r})")
    return value


def _unknown(keys: object, allowed: tuple[str, ...], where: str) -> None:
    extra = [key for key in keys if key not in allowed]  # type: ignore[attr-defined]
    if extra:
        raise BandRulesError(f"{where}: unknown key '{extra[0]}' (known: {', '.join(allowed)})")


def _scores(raw: object) -> Mapping[str, Mapping[str, float]]:
    given = _mapping(raw, "scores")
    _unknown(given, tuple(_SCORABLE), "scores")
    tables: dict[str, Mapping[str, float]] = {}
    for name, words in _SCORABLE.items():
        if name not in given:
            tables[name] = MappingProxyType(dict(_DEFAULT_SCORES[name]))
            continue
        table = _mapping(given[name], f"scores.{name}")
        _unknown(table, words, f"scores.{name}")
        tables[name] = MappingProxyType(
            {word: _number(v, f"scores.{name}.{word}") for word, v in table.items()}
        )
    return MappingProxyType(tables)


def _position(raw: object) -> PositionThresholds:
    given = _mapping(raw, "position")
    _unknown(given, ("high", "low", "improving", "declining"), "position")
    defaults = PositionThresholds()
    values = {
        name: _number(given[name], f"position.{name}") if name in given else getattr(defaults, name)
        for name in ("high", "low", "improving", "declining")
    }
    if values["low"] >= values["high"]:
        raise BandRulesError("position: low must be below high")
    if values["declining"] >= values["improving"]:
        raise BandRulesError("position: declining must be below improving")
    return PositionThresholds(**values)


def _words(value: object, allowed: tuple[str, ...], where: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise BandRulesError(f"{where}: must be a list of words (got {value!r})")
    for word in value:
        if word not in allowed:
            raise BandRulesError(f"{where}: unknown word {word!r} (known: {', '.join(allowed)})")
    return tuple(value)


def _condition(metric: str, raw: object, where: str) -> Condition:
    test = _mapping(raw, where)
    if not test:
        raise BandRulesError(f"{where}: give at least one test")
    if metric in TEXT_METRICS:
        _unknown(test, ("in", "not_in"), where)
        words = TEXT_METRICS[metric]
        return Condition(
            metric,
            among=_words(test["in"], words, f"{where}.in") if "in" in test else None,
            excluding=_words(test["not_in"], words, f"{where}.not_in") if "not_in" in test else None,
        )
    if metric not in NUMERIC_METRICS:
        known = ", ".join((*NUMERIC_METRICS, *TEXT_METRICS))
        raise BandRulesError(f"{where}: unknown metric '{metric}' (known: {known})")
    _unknown(test, ("at_least", "at_most"), where)
    return Condition(
        metric,
        at_least=_number(test["at_least"], f"{where}.at_least") if "at_least" in test else None,
        at_most=_number(test["at_most"], f"{where}.at_most") if "at_most" in test else None,
    )


def _bands(raw: object) -> tuple[BandRule, ...]:
    if not isinstance(raw, list | tuple) or not raw:
        raise BandRulesError("bands: must be a list of rules, best band first")
    rules: list[BandRule] = []
    for number, item in enumerate(raw, start=1):
        where = f"bands[{number}]"
        rule = _mapping(item, where)
        _unknown(rule, ("band", "when"), where)
        band = rule.get("band")
        if band not in BANDS:
            raise BandRulesError(f"{where}.band: must be one of {', '.join(BANDS)} (got {band!r})")
        when = _mapping(rule.get("when") or {}, f"{where}.when")
        conditions = tuple(
            _condition(metric, test, f"{where}.when.{metric}") for metric, test in when.items()
        )
        if rules and BANDS.index(band) < BANDS.index(rules[-1].band):
            raise BandRulesError(
                f"{where}: rules go from the best band to the worst ({band} after {rules[-1].band})"
            )
        rules.append(BandRule(band, conditions))
    if rules[-1].conditions:
        raise BandRulesError(
            f"bands[{len(rules)}]: the last rule must have no conditions, so every unit gets a band"
        )
    return tuple(rules)


def band_rules(raw: Mapping[str, Any]) -> BandRules:
    """Check a parsed rules mapping (e.g. from YAML) and return it as frozen :class:`BandRules`.

    Keys: ``scores`` (optional; each table replaces its default), ``position`` (optional
    thresholds), ``min_series`` (optional, default 1) and ``bands`` (required: rules best first,
    the last without conditions). Anything unknown or out of place raises ``ValueError`` naming
    the key.

    >>> band_rules({"bands": [{"band": "great"}]})
    Traceback (most recent call last):
    ...
    localstat.engine.assess.bands.BandRulesError: bands[1].band: must be one of excellent, good, fair, weak, poor (got 'great')
    """
    given = _mapping(raw, "band rules")
    _unknown(given, ("scores", "position", "min_series", "bands", "version"), "band rules")
    if "bands" not in given:
        raise BandRulesError("band rules: 'bands' is missing")
    min_series = given.get("min_series", 1)
    if isinstance(min_series, bool) or not isinstance(min_series, int) or min_series < 1:
        raise BandRulesError(f"min_series: must be a whole number of at least 1 (got {min_series!r})")
    return BandRules(
        scores=_scores(given.get("scores", {})),
        position=_position(given.get("position", {})),
        bands=_bands(given["bands"]),
        min_series=min_series,
    )


#: The default rules: the same as ``docs/examples/bands.yaml`` (a test keeps them equal).
DEFAULT_BAND_RULES = band_rules(
    {
        "bands": [
            {
                "band": "excellent",
                "when": {
                    "absolute_score": {"at_least": 1.0},
                    "position": {"in": ["high_and_improving"]},
                    "share_significantly_worse": {"at_most": 0.0},
                    "share_targets_missed": {"at_most": 0.0},
                },
            },
            {
                "band": "good",
                "when": {"absolute_score": {"at_least": 0.25}, "direction": {"not_in": ["declining"]}},
            },
            {"band": "good", "when": {"absolute_score": {"at_least": 1.0}}},
            {"band": "fair", "when": {"absolute_score": {"at_least": -0.5}}},
            {"band": "fair", "when": {"position": {"in": ["improving_from_a_low_base"]}}},
            {"band": "weak", "when": {"absolute_score": {"at_least": -1.25}}},
            {"band": "poor"},
        ]
    }
)
