"""The rule-set format: :func:`regime_rules` checks a parsed mapping (``docs/regime-rules.md``) and
returns a frozen :class:`RuleSet`, refusing anything unknown with the key that is wrong (seed 4.3, 4.9).

The words each test may use (bands, positions, target statuses, SPC signals…) come from the assessment
and SPC engines, so a rule can only name what a judgement can say.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from localstat.engine.assess.labels import (
    BANDS,
    COMPARISONS,
    POSITIONS,
    STANDARD_STATUSES,
    TARGET_STATUSES,
    TRENDS,
)
from localstat.engine.spc import ASSURANCES, POINT_TYPES

#: What a rule set is about: the front line units in the operator's chain, or (a department's rule
#: set) its intermediate-tier bodies, judged on their pooled values.
APPLIES_TO: tuple[str, ...] = ("units", "intermediate_tier")

#: What a rule's consequence is.
KINDS: tuple[str, ...] = ("freedom", "reward", "payment", "intervention")

#: The intervention ladder, lightest first: intervention inversely proportional to performance and
#: capacity (seed 4.11). An intervention not meeting its exit criteria by its review date is proposed
#: one step up.
LEVELS: tuple[str, ...] = ("challenge", "support", "contestability", "management_change")

#: Freedoms and flexibilities (seed 3.12, 4.7, C.6). ``no_further_targets`` is recorded as the
#: framework's exemption, so the unit cannot be given a further target while it lasts.
FREEDOMS: tuple[str, ...] = (
    "no_further_targets",
    "less_frequent_reporting",
    "lighter_inspection",
    "pooled_budgets",
    "local_delivery_methods",
    "other",
)

#: Rewards beyond earned autonomy (seed 4.10): money once, or recognition (a letter, an award).
REWARDS: tuple[str, ...] = ("grant", "recognition")

#: Tests on the subject as a whole: words (``in`` / ``not_in``) and numbers.
SUBJECT_WORDS: dict[str, tuple[str, ...]] = {"band": BANDS, "position": POSITIONS}
SUBJECT_NUMBERS: tuple[str, ...] = (
    "absolute_score",
    "direction_score",
    "capacity_score",
    "capacity_robust_data",
    "capacity_leadership",
    "capacity_accountability",
    "capacity_review",
    "capacity_rewards_sanctions",
)

#: Tests on one indicator's judgement at the as-of period; ``value`` is a number, the rest words.
INDICATOR_TESTS: dict[str, tuple[str, ...]] = {
    "value": (),
    "vs_national": COMPARISONS,
    "vs_peers": COMPARISONS,
    "vs_standard": STANDARD_STATUSES,
    "target_status": TARGET_STATUSES,
    "variation": POINT_TYPES,
    "assurance": tuple(a for a in ASSURANCES if a),
    "trend": TRENDS,
}
#: The indicator tests that can be read at every period (from the SPC points), so they can persist
#: over ``periods`` and decide a payment per period.
PER_PERIOD_TESTS: tuple[str, ...] = ("value", "variation", "vs_standard")

_NUMBER_TESTS = ("at_least", "at_most", "above", "below")
_WORD_TESTS = ("in", "not_in")


class RegimeRulesError(ValueError):
    """A rule set that cannot be used; the message names the key that is wrong."""


@dataclass(frozen=True)
class Check:
    """One test of one metric: numbers (``at_least``, ``at_most``, ``above``, ``below``) or words
    (``among``, ``excluding``). A missing value fails every test."""

    metric: str
    at_least: float | None = None
    at_most: float | None = None
    above: float | None = None
    below: float | None = None
    among: tuple[str, ...] | None = None
    excluding: tuple[str, ...] | None = None

    def as_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for name in _NUMBER_TESTS:
            if getattr(self, name) is not None:
                record[name] = getattr(self, name)
        if self.among is not None:
            record["in"] = list(self.among)
        if self.excluding is not None:
            record["not_in"] = list(self.excluding)
        return record

    def expression(self, column: pl.Expr) -> pl.Expr:
        """True where the test holds; a missing value is False, never null."""
        parts: list[pl.Expr] = [column.is_not_null()]
        if self.at_least is not None:
            parts.append(column >= self.at_least)
        if self.at_most is not None:
            parts.append(column <= self.at_most)
        if self.above is not None:
            parts.append(column > self.above)
        if self.below is not None:
            parts.append(column < self.below)
        if self.among is not None:
            parts.append(column.cast(pl.String).is_in(list(self.among)))
        if self.excluding is not None:
            parts.append(~column.cast(pl.String).is_in(list(self.excluding)))
        return pl.all_horizontal(parts).fill_null(False)


@dataclass(frozen=True)
class Conditions:
    """Tests on the subject and on named indicators; all must hold. With ``periods`` > 1 the
    per-period indicator tests must hold in each of the subject's last ``periods`` points."""

    subject: tuple[Check, ...] = ()
    indicators: tuple[tuple[str, tuple[Check, ...]], ...] = ()
    periods: int = 1

    def as_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {t.metric: t.as_record() for t in self.subject}
        if self.indicators:
            record["indicators"] = {
                code: {t.metric: t.as_record() for t in tests} for code, tests in self.indicators
            }
        if self.periods != 1:
            record["periods"] = self.periods
        return record

    @property
    def indicator_codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.indicators)


@dataclass(frozen=True)
class Consequence:
    """What a rule proposes when its conditions hold."""

    kind: str
    freedom: str | None = None
    reward: str | None = None
    indicator: str | None = None
    months: int | None = None
    amount: float | None = None
    starts: dt.date | None = None
    repeat_after_months: int = 12
    level: str | None = None
    review_after_months: int = 3

    def as_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"kind": self.kind}
        for name in ("freedom", "reward", "indicator", "months", "amount", "level"):
            if getattr(self, name) is not None:
                record[name] = getattr(self, name)
        if self.starts is not None:
            record["from"] = self.starts.isoformat()
        if self.kind == "reward":
            record["repeat_after_months"] = self.repeat_after_months
        if self.kind == "intervention":
            record["review_after_months"] = self.review_after_months
        return record


@dataclass(frozen=True)
class Rule:
    """A published trigger point: conditions and the consequence they propose."""

    id: str
    title: str
    consequence: Consequence
    when: Conditions
    why: str = ""
    withdraw_when: Conditions | None = None
    exit_when: Conditions | None = None

    def as_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "consequence": self.consequence.as_record(),
            "when": self.when.as_record(),
        }
        if self.why:
            record["why"] = self.why
        if self.withdraw_when is not None:
            record["withdraw_when"] = self.withdraw_when.as_record()
        if self.exit_when is not None:
            record["exit_when"] = self.exit_when.as_record()
        return record


@dataclass(frozen=True)
class BaselineFreedom:
    """A freedom granted to every subject of the rule set, whatever its performance (seed 4.7)."""

    freedom: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class RuleSet:
    title: str
    applies_to: str = "units"
    baseline_freedoms: tuple[BaselineFreedom, ...] = ()
    rules: tuple[Rule, ...] = ()
    #: The department is alerted about a unit only when an intervention has stayed open this long
    #: without the unit recovering (intervention by exception, seed 1.8, 6.2).
    exception_after_months: int = 6

    def as_record(self) -> dict[str, Any]:
        """Plain values that :func:`regime_rules` reads back to an equal rule set."""
        return {
            "title": self.title,
            "applies_to": self.applies_to,
            "baseline_freedoms": [
                {
                    "freedom": b.freedom,
                    "title": b.title,
                    **({"description": b.description} if b.description else {}),
                }
                for b in self.baseline_freedoms
            ],
            "rules": [rule.as_record() for rule in self.rules],
            "intervention_by_exception": {"after_months": self.exception_after_months},
        }

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    @property
    def indicator_codes(self) -> tuple[str, ...]:
        codes: dict[str, None] = {}
        for rule in self.rules:
            for conditions in (rule.when, rule.withdraw_when, rule.exit_when):
                if conditions is not None:
                    codes.update(dict.fromkeys(conditions.indicator_codes))
            if rule.consequence.indicator:
                codes[rule.consequence.indicator] = None
        return tuple(codes)


# ---------------------------------------------------------------------------------------------------
# Reading a rule set


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RegimeRulesError(f"{where}: must be a mapping of keys to values (got {value!r})")
    for key in value:
        if not isinstance(key, str):
            raise RegimeRulesError(f"{where}: keys must be words (got {key!r})")
    return value


def _unknown(keys: Iterable[str], allowed: Iterable[str], where: str) -> None:
    allowed = tuple(allowed)
    extra = [key for key in keys if key not in allowed]
    if extra:
        raise RegimeRulesError(f"{where}: unknown key '{extra[0]}' (known: {', '.join(allowed)})")


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RegimeRulesError(f"{where}: must be a number (got {value!r})")
    return float(value)


def _whole(value: object, where: str, *, least: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise RegimeRulesError(f"{where}: must be a whole number of at least {least} (got {value!r})")
    return value


def _text(value: object, where: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise RegimeRulesError(f"{where}: must be some text (got {value!r})")
    return value.strip()


def _words(value: object, allowed: tuple[str, ...], where: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise RegimeRulesError(f"{where}: must be a list of words (got {value!r})")
    for word in value:
        if word not in allowed:
            raise RegimeRulesError(f"{where}: unknown word {word!r} (known: {', '.join(allowed)})")
    return tuple(value)


def _test(metric: str, raw: object, words: tuple[str, ...], where: str) -> Check:
    given = _mapping(raw, where)
    if not given:
        raise RegimeRulesError(f"{where}: give at least one test")
    if words:
        _unknown(given, _WORD_TESTS, where)
        return Check(
            metric,
            among=_words(given["in"], words, f"{where}.in") if "in" in given else None,
            excluding=_words(given["not_in"], words, f"{where}.not_in") if "not_in" in given else None,
        )
    _unknown(given, _NUMBER_TESTS, where)
    numbers = {name: _number(given[name], f"{where}.{name}") for name in _NUMBER_TESTS if name in given}
    return Check(
        metric,
        at_least=numbers.get("at_least"),
        at_most=numbers.get("at_most"),
        above=numbers.get("above"),
        below=numbers.get("below"),
    )


def _conditions(raw: object, where: str, *, per_period_only: bool = False) -> Conditions:
    given = _mapping(raw, where)
    known = (*SUBJECT_WORDS, *SUBJECT_NUMBERS, "indicators", "periods")
    _unknown(given, known, where)
    subject = []
    for metric, test in given.items():
        if metric in ("indicators", "periods"):
            continue
        if per_period_only:
            raise RegimeRulesError(
                f"{where}.{metric}: a payment is decided per period, on indicators only "
                f"({', '.join(PER_PERIOD_TESTS)})"
            )
        subject.append(_test(metric, test, SUBJECT_WORDS.get(metric, ()), f"{where}.{metric}"))
    indicators = []
    for code, tests in _mapping(given.get("indicators") or {}, f"{where}.indicators").items():
        place = f"{where}.indicators.{code}"
        raw_tests = _mapping(tests, place)
        if not raw_tests:
            raise RegimeRulesError(f"{place}: give at least one test")
        allowed = PER_PERIOD_TESTS if per_period_only else tuple(INDICATOR_TESTS)
        _unknown(raw_tests, allowed, place)
        indicators.append(
            (
                code,
                tuple(
                    _test(metric, test, INDICATOR_TESTS[metric], f"{place}.{metric}")
                    for metric, test in raw_tests.items()
                ),
            )
        )
    periods = _whole(given.get("periods", 1), f"{where}.periods")
    if per_period_only and periods != 1:
        raise RegimeRulesError(f"{where}.periods: a payment is decided one period at a time")
    if periods > 1 and not any(t.metric in PER_PERIOD_TESTS for _, tests in indicators for t in tests):
        raise RegimeRulesError(
            f"{where}.periods: persistence needs an indicator test that is read every period "
            f"({', '.join(PER_PERIOD_TESTS)})"
        )
    if not subject and not indicators:
        raise RegimeRulesError(f"{where}: give at least one test, or every subject would trigger")
    return Conditions(subject=tuple(subject), indicators=tuple(indicators), periods=periods)


def _date(value: object, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise RegimeRulesError(f"{where}: must be a date such as 2018-04-01 (got {value!r})")


def _consequence(raw: object, where: str) -> Consequence:
    given = _mapping(raw, where)
    kind = given.get("kind")
    if kind not in KINDS:
        raise RegimeRulesError(f"{where}.kind: must be one of {', '.join(KINDS)} (got {kind!r})")
    if kind == "freedom":
        _unknown(given, ("kind", "freedom", "indicator", "months"), where)
        freedom = given.get("freedom")
        if freedom not in FREEDOMS:
            raise RegimeRulesError(f"{where}.freedom: must be one of {', '.join(FREEDOMS)} (got {freedom!r})")
        indicator = _text(given.get("indicator"), f"{where}.indicator", required=False) or None
        if indicator and freedom != "no_further_targets":
            raise RegimeRulesError(f"{where}.indicator: only no_further_targets names an indicator")
        months = _whole(given["months"], f"{where}.months") if "months" in given else None
        return Consequence(kind, freedom=freedom, indicator=indicator, months=months)
    if kind == "reward":
        _unknown(given, ("kind", "reward", "amount", "repeat_after_months"), where)
        reward = given.get("reward")
        if reward not in REWARDS:
            raise RegimeRulesError(f"{where}.reward: must be one of {', '.join(REWARDS)} (got {reward!r})")
        amount = _number(given["amount"], f"{where}.amount") if "amount" in given else None
        if reward == "grant" and (amount is None or amount <= 0):
            raise RegimeRulesError(f"{where}.amount: a grant needs an amount above 0")
        if reward == "recognition" and amount is not None:
            raise RegimeRulesError(f"{where}.amount: recognition is not money; use reward: grant")
        repeat = _whole(given.get("repeat_after_months", 12), f"{where}.repeat_after_months")
        return Consequence(kind, reward=reward, amount=amount, repeat_after_months=repeat)
    if kind == "intervention":
        _unknown(given, ("kind", "level", "review_after_months"), where)
        level = given.get("level", LEVELS[0])
        if level not in LEVELS:
            raise RegimeRulesError(f"{where}.level: must be one of {', '.join(LEVELS)} (got {level!r})")
        review = _whole(given.get("review_after_months", 3), f"{where}.review_after_months")
        return Consequence(kind, level=level, review_after_months=review)
    _unknown(given, ("kind", "amount", "from"), where)
    if "amount" not in given:
        raise RegimeRulesError(f"{where}.amount: a payment scheme pays an amount each period")
    amount = _number(given["amount"], f"{where}.amount")
    if amount <= 0:
        raise RegimeRulesError(f"{where}.amount: must be above 0")
    if "from" not in given:
        raise RegimeRulesError(f"{where}.from: say from which period the scheme pays")
    return Consequence(kind, amount=amount, starts=_date(given["from"], f"{where}.from"))


def _rule(raw: object, where: str, seen: set[str]) -> Rule:
    given = _mapping(raw, where)
    _unknown(given, ("id", "title", "why", "consequence", "when", "withdraw_when", "exit_when"), where)
    rule_id = _text(given.get("id"), f"{where}.id")
    if not rule_id.replace("-", "").replace("_", "").isalnum() or len(rule_id) > 60:
        raise RegimeRulesError(f"{where}.id: letters, digits, - and _ only, at most 60 (got {rule_id!r})")
    if rule_id in seen:
        raise RegimeRulesError(f"{where}.id: {rule_id!r} is used by an earlier rule")
    seen.add(rule_id)
    if "consequence" not in given:
        raise RegimeRulesError(f"{where}.consequence: say what the rule proposes")
    consequence = _consequence(given["consequence"], f"{where}.consequence")
    if "when" not in given:
        raise RegimeRulesError(f"{where}.when: say when the rule triggers")
    when = _conditions(given["when"], f"{where}.when", per_period_only=consequence.kind == "payment")
    withdraw = None
    if "withdraw_when" in given:
        if consequence.kind != "freedom":
            raise RegimeRulesError(f"{where}.withdraw_when: only a freedom is withdrawn")
        withdraw = _conditions(given["withdraw_when"], f"{where}.withdraw_when")
    exit_when = None
    if consequence.kind == "intervention":
        if "exit_when" not in given:
            raise RegimeRulesError(f"{where}.exit_when: an intervention needs its exit criteria")
        exit_when = _conditions(given["exit_when"], f"{where}.exit_when")
    elif "exit_when" in given:
        raise RegimeRulesError(f"{where}.exit_when: only an intervention has exit criteria")
    return Rule(
        id=rule_id,
        title=_text(given.get("title"), f"{where}.title"),
        why=_text(given.get("why"), f"{where}.why", required=False),
        consequence=consequence,
        when=when,
        withdraw_when=withdraw,
        exit_when=exit_when,
    )


def regime_rules(raw: Mapping[str, Any]) -> RuleSet:
    """Check a parsed rule set (e.g. from YAML) and return it frozen; anything unknown or out of place
    raises :class:`RegimeRulesError` naming the key.

    >>> regime_rules({"title": "T", "rules": [{"id": "a", "title": "A", "when": {"band": {"in": ["great"]}},
    ...     "consequence": {"kind": "freedom", "freedom": "pooled_budgets"}}]})
    Traceback (most recent call last):
    ...
    localstat.engine.regime.rules.RegimeRulesError: rules[1].when.band.in: unknown word 'great' (known: excellent, good, fair, weak, poor)
    """
    given = _mapping(raw, "rule set")
    _unknown(
        given,
        ("version", "title", "applies_to", "baseline_freedoms", "rules", "intervention_by_exception"),
        "rule set",
    )
    if given.get("version", 1) != 1:
        raise RegimeRulesError(
            f"version: this LocalStat reads version 1 of the format (got {given['version']!r})"
        )
    applies_to = given.get("applies_to", "units")
    if applies_to not in APPLIES_TO:
        raise RegimeRulesError(f"applies_to: must be one of {', '.join(APPLIES_TO)} (got {applies_to!r})")
    baseline = []
    raw_baseline = given.get("baseline_freedoms") or []
    if not isinstance(raw_baseline, list):
        raise RegimeRulesError("baseline_freedoms: must be a list of freedoms")
    for number, item in enumerate(raw_baseline, start=1):
        where = f"baseline_freedoms[{number}]"
        entry = _mapping(item, where)
        _unknown(entry, ("freedom", "title", "description"), where)
        freedom = entry.get("freedom")
        if freedom not in FREEDOMS or freedom == "no_further_targets":
            allowed = ", ".join(f for f in FREEDOMS if f != "no_further_targets")
            raise RegimeRulesError(f"{where}.freedom: must be one of {allowed} (got {freedom!r})")
        baseline.append(
            BaselineFreedom(
                freedom=freedom,
                title=_text(entry.get("title"), f"{where}.title"),
                description=_text(entry.get("description"), f"{where}.description", required=False),
            )
        )
    raw_rules = given.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RegimeRulesError("rules: must be a list of at least one rule")
    seen: set[str] = set()
    rules = tuple(_rule(item, f"rules[{n}]", seen) for n, item in enumerate(raw_rules, start=1))
    exception = _mapping(given.get("intervention_by_exception") or {}, "intervention_by_exception")
    _unknown(exception, ("after_months",), "intervention_by_exception")
    after = _whole(exception.get("after_months", 6), "intervention_by_exception.after_months")
    return RuleSet(
        exception_after_months=after,
        title=_text(given.get("title"), "title"),
        applies_to=applies_to,
        baseline_freedoms=tuple(baseline),
        rules=rules,
    )


# ---------------------------------------------------------------------------------------------------
# Evaluating it
