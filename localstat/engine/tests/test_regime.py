"""Trigger rules: reading a rule set, and evaluating it over whole frames (localstat.engine.regime)."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from localstat.engine.regime import RegimeRulesError, evaluate_rules, regime_rules

EXAMPLE = "docs/examples/regime-rules.yaml"


def _rules(*rules: dict, **extra: object) -> object:
    return regime_rules({"title": "Test rules", "rules": list(rules), **extra})


def _freedom(when: dict, **more: object) -> dict:
    return {
        "id": "f",
        "title": "Freedom",
        "consequence": {"kind": "freedom", "freedom": "pooled_budgets"},
        "when": when,
        **more,
    }


def _points(unit: str, values: list[float], point_type: str = "common_cause") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "unit": unit,
            "indicator": "AE4H",
            "period": [dt.date(2018, m, 1) for m in range(1, len(values) + 1)],
            "value": [float(v) for v in values],
            "point_type": point_type,
        }
    )


INDICATORS = pl.DataFrame({"indicator": ["AE4H"], "polarity": ["higher"], "standard": [95.0]})


def test_the_shipped_default_rules_read_and_round_trip() -> None:
    # given the published default rules
    with open(EXAMPLE) as handle:
        rules = regime_rules(yaml.safe_load(handle))
    # then they read, and their plain record reads back to the same rules
    assert [r.id for r in rules.rules] == [
        "no-further-ae-targets",
        "lighter-inspection",
        "letter-for-improvement",
        "ae-access-premium",
        "ae-ladder",
    ]
    assert regime_rules(rules.as_record()) == rules


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (_freedom({"band": {"in": ["great"]}}), r"rules\[1\]\.when\.band\.in: unknown word 'great'"),
        (_freedom({"bnad": {"in": ["good"]}}), r"rules\[1\]\.when: unknown key 'bnad'"),
        (_freedom({"absolute_score": {"at_leest": 1}}), r"absolute_score: unknown key 'at_leest'"),
        (_freedom({"absolute_score": {"at_least": "high"}}), r"at_least: must be a number"),
        (_freedom({}), r"when: give at least one test"),
        (_freedom({"band": {"in": ["good"]}, "periods": 3}), r"periods: persistence needs an indicator test"),
        (
            _freedom({"indicators": {"AE4H": {"trend": {"in": ["up"]}}}}),
            r"AE4H\.trend\.in: unknown word 'up'",
        ),
        (
            {**_freedom({"band": {"in": ["good"]}}), "consequence": {"kind": "money"}},
            r"consequence\.kind: must be one of freedom, reward, payment",
        ),
        (
            {**_freedom({"band": {"in": ["good"]}}), "consequence": {"kind": "payment", "amount": 10}},
            r"from: say from which period",
        ),
        (
            {
                **_freedom({"band": {"in": ["good"]}}),
                "consequence": {"kind": "payment", "amount": 10, "from": "2018-04-01"},
            },
            r"a payment is decided per period, on indicators only",
        ),
        (
            {**_freedom({"band": {"in": ["good"]}}), "consequence": {"kind": "reward", "reward": "grant"}},
            r"a grant needs an amount above 0",
        ),
        (
            {**_freedom({"band": {"in": ["good"]}}), "id": "has space"},
            r"id: letters, digits, - and _ only",
        ),
    ],
)
def test_a_bad_rule_is_refused_naming_the_key_that_is_wrong(rule: dict, message: str) -> None:
    with pytest.raises(RegimeRulesError, match=message):
        _rules(rule)


def test_two_rules_with_the_same_id_are_refused() -> None:
    rule = _freedom({"band": {"in": ["good"]}})
    with pytest.raises(RegimeRulesError, match=r"rules\[2\]\.id: 'f' is used by an earlier rule"):
        _rules(rule, rule)


def test_a_missing_value_fails_every_test() -> None:
    # given a rule on band, a unit with a band and one without
    rules = _rules(_freedom({"band": {"not_in": ["poor"]}}))
    subjects = pl.DataFrame({"unit": ["A", "B"], "band": ["good", None]})
    # then the unit with no band does not trigger, even on a "not in" test
    triggers = evaluate_rules(rules, subjects=subjects).triggers
    assert dict(triggers.select("unit", "holds").rows()) == {"A": True, "B": False}


def test_indicator_tests_read_the_judgement_and_record_the_evidence() -> None:
    rules = _rules(
        _freedom({"indicators": {"AE4H": {"value": {"at_least": 95}, "trend": {"in": ["improving"]}}}})
    )
    subjects = pl.DataFrame({"unit": ["A", "B", "C"]})
    series = pl.DataFrame(
        {
            "unit": ["A", "B"],
            "indicator": ["AE4H", "AE4H"],
            "value": [96.0, 97.0],
            "trend": ["improving", "no_change"],
        }
    )
    triggers = evaluate_rules(rules, subjects=subjects, series=series).triggers.sort("unit")
    assert triggers["holds"].to_list() == [True, False, False]
    assert json.loads(triggers["evidence"][0]) == {"AE4H::trend": "improving", "AE4H::value": "96.0"}


def test_persistence_needs_every_one_of_the_last_n_points() -> None:
    # given a rule that AE4H is at least 95 in each of the last 3 periods
    rules = _rules(_freedom({"indicators": {"AE4H": {"value": {"at_least": 95}}}, "periods": 3}))
    subjects = pl.DataFrame({"unit": ["A", "B", "C"]})
    series = pl.DataFrame({"unit": ["A", "B", "C"], "indicator": "AE4H", "value": [96.0, 96.0, 96.0]})
    points = pl.concat(
        [
            _points("A", [90, 95, 96, 97]),  # the last three hold
            _points("B", [96, 94, 96, 96]),  # one of the last three fails
            _points("C", [96, 96]),  # only two points: too few
        ]
    )
    triggers = evaluate_rules(rules, subjects=subjects, series=series, points=points, indicators=INDICATORS)
    assert dict(triggers.triggers.select("unit", "holds").rows()) == {"A": True, "B": False, "C": False}
    evidence = json.loads(triggers.triggers.sort("unit")["evidence"][0])
    assert evidence["AE4H::last_3"] == {"values": [95.0, 96.0, 97.0], "to": "2018-04-01"}


def test_a_freedom_is_withdrawn_by_its_own_test_or_else_when_its_conditions_fail() -> None:
    subjects = pl.DataFrame({"unit": ["A", "B", "C"], "band": ["excellent", "good", "weak"]})
    plain = _rules(_freedom({"band": {"in": ["excellent"]}}))
    withdrawn = evaluate_rules(plain, subjects=subjects).triggers
    assert dict(withdrawn.select("unit", "withdraw").rows()) == {"A": False, "B": True, "C": True}
    # with a withdraw_when, a freedom is kept in the band between (hysteresis)
    explicit = _rules(
        _freedom({"band": {"in": ["excellent"]}}, withdraw_when={"band": {"in": ["weak", "poor"]}})
    )
    kept = evaluate_rules(explicit, subjects=subjects).triggers
    assert dict(kept.select("unit", "withdraw").rows()) == {"A": False, "B": False, "C": True}


def test_standard_is_judged_each_period_by_polarity() -> None:
    rules = _rules(_freedom({"indicators": {"AE4H": {"vs_standard": {"in": ["met"]}}}, "periods": 2}))
    lower = INDICATORS.with_columns(polarity=pl.lit("lower"))
    points = _points("A", [90.0, 94.0])
    series = pl.DataFrame({"unit": ["A"], "indicator": ["AE4H"], "vs_standard": ["met"]})
    higher = evaluate_rules(
        rules, subjects=pl.DataFrame({"unit": ["A"]}), series=series, points=points, indicators=INDICATORS
    )
    flipped = evaluate_rules(
        rules, subjects=pl.DataFrame({"unit": ["A"]}), series=series, points=points, indicators=lower
    )
    assert higher.triggers["holds"].to_list() == [False]
    assert flipped.triggers["holds"].to_list() == [True]


def test_a_payment_scheme_pays_all_or_nothing_each_period_from_its_start() -> None:
    # given £100,000 a month from February for 95% and no special-cause concern (Box 5.5)
    rules = _rules(
        {
            "id": "premium",
            "title": "Premium",
            "consequence": {"kind": "payment", "amount": 100000, "from": "2018-02-01"},
            "when": {
                "indicators": {
                    "AE4H": {"value": {"at_least": 95}, "variation": {"not_in": ["special_cause_concern"]}}
                }
            },
        }
    )
    points = pl.concat(
        [
            _points("A", [96, 96, 94.9]),
            _points("B", [99, 99, 99], point_type="special_cause_concern"),
            _points("X", [99, 99, 99]),  # not a subject of the rules
        ]
    )
    payments = evaluate_rules(
        rules, subjects=pl.DataFrame({"unit": ["A", "B"]}), points=points, indicators=INDICATORS
    ).payments
    # then each subject has one row per period from February, the full amount or nothing
    assert payments.select("unit", "period", "amount").rows() == [
        ("A", dt.date(2018, 2, 1), 100000.0),
        ("A", dt.date(2018, 3, 1), 0.0),
        ("B", dt.date(2018, 2, 1), 0.0),
        ("B", dt.date(2018, 3, 1), 0.0),
    ]
    assert json.loads(payments["evidence"][1]) == {"AE4H::value": "94.9", "AE4H::variation": "common_cause"}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["excellent", "good", "fair", "weak", "poor", None]),
            st.one_of(st.none(), st.floats(min_value=-2, max_value=2, allow_nan=False)),
        ),
        min_size=1,
        max_size=40,
    ),
    st.floats(min_value=-2, max_value=2, allow_nan=False),
)
def test_a_rule_holds_exactly_where_each_unit_taken_alone_passes_its_tests(rows, threshold) -> None:
    # property: the frame-wide evaluation agrees with the rule read unit by unit
    rules = _rules(
        _freedom({"band": {"in": ["excellent", "good"]}, "absolute_score": {"at_least": threshold}})
    )
    subjects = pl.DataFrame(
        {
            "unit": [f"U{i}" for i in range(len(rows))],
            "band": [b for b, _ in rows],
            "absolute_score": [s for _, s in rows],
        },
        schema={"unit": pl.String, "band": pl.String, "absolute_score": pl.Float64},
    )
    holds = evaluate_rules(rules, subjects=subjects).triggers["holds"].to_list()
    expected = [b in ("excellent", "good") and s is not None and s >= threshold for b, s in rows]
    assert holds == expected


def test_trigger_outcomes_reads_what_followed_each_rising_edge() -> None:
    from localstat.engine.regime import trigger_outcomes

    # given a rule holding for A at steps 1–2 and again at 5, over 8 replayed steps
    steps = list(range(8))
    triggers = pl.DataFrame(
        {
            "step": steps,
            "as_of": [dt.date(2018, m + 1, 28) for m in steps],
            "rule": "r",
            "unit": "A",
            "holds": [False, True, True, False, False, True, False, False],
        }
    )
    values = [80.0, 81.0, 82.0, 83.0, 96.0, 84.0, 85.0, 86.0]
    judged = pl.DataFrame(
        {
            "step": steps,
            "unit": "A",
            "indicator": "AE4H",
            "period": [dt.date(2018, m + 1, 1) for m in steps],
            "value": values,
            "variation": "common_cause",
            "level": 95.0,
            "polarity": "higher",
        }
    )
    out = trigger_outcomes(triggers, judged, {"r": "AE4H"})
    # then two triggers; the first recovered (96 at step 4, within 6), the second too recent to tell
    assert out["step"].to_list() == [1, 5]
    assert out["change_after_3"].to_list() == [pytest.approx(15.0), None]
    assert out["recovered"].to_list() == [True, None]
