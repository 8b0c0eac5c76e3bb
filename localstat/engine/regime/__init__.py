"""Trigger rules: published consequences of judgements, evaluated over whole frames (seed 4.3–4.11).

A rule set is data (``docs/regime-rules.md`` documents the YAML format, ``docs/examples/regime-rules.yaml``
is LocalStat's published default). :func:`regime_rules` checks a parsed mapping and returns a frozen
:class:`RuleSet`, refusing anything unknown with the key that is wrong; :func:`evaluate_rules` applies it
to an assessment's judgements and says, for every rule and every subject (a unit, or an
intermediate-tier body), whether the rule's conditions hold, whether a freedom it gave should be
withdrawn, and the evidence; :func:`scheme_payments` computes an all-or-nothing payment scheme per
period (Box 5.5). Rules propose; people decide: nothing here writes anything.

Every test is a Polars expression over a wide frame of subjects, so a rule costs the same whether it
is read for ten units or ten thousand; the only Python loops are over rules, tests and indicators.

>>> import polars as pl
>>> rules = regime_rules({"title": "Letters", "rules": [{"id": "letter", "title": "A letter",
...     "consequence": {"kind": "reward", "reward": "recognition"},
...     "when": {"band": {"in": ["excellent"]}}}]})
>>> subjects = pl.DataFrame({"unit": ["A", "B"], "band": ["excellent", "fair"]})
>>> evaluate_rules(rules, subjects=subjects).triggers.select("unit", "holds").rows()
[('A', True), ('B', False)]
"""

from localstat.engine.regime.evaluation import (
    OUTCOME_AFTER,
    PAYMENT_SCHEMA,
    RECOVERY_WITHIN,
    TRIGGER_SCHEMA,
    Evaluation,
    evaluate_rules,
    scheme_payments,
    trigger_outcomes,
)
from localstat.engine.regime.rules import (
    APPLIES_TO,
    FREEDOMS,
    INDICATOR_TESTS,
    KINDS,
    LEVELS,
    PER_PERIOD_TESTS,
    REWARDS,
    SUBJECT_NUMBERS,
    SUBJECT_WORDS,
    BaselineFreedom,
    Check,
    Conditions,
    Consequence,
    RegimeRulesError,
    Rule,
    RuleSet,
    regime_rules,
)

__all__ = [
    "APPLIES_TO",
    "FREEDOMS",
    "INDICATOR_TESTS",
    "KINDS",
    "LEVELS",
    "OUTCOME_AFTER",
    "PAYMENT_SCHEMA",
    "PER_PERIOD_TESTS",
    "RECOVERY_WITHIN",
    "REWARDS",
    "SUBJECT_NUMBERS",
    "SUBJECT_WORDS",
    "TRIGGER_SCHEMA",
    "BaselineFreedom",
    "Check",
    "Conditions",
    "Consequence",
    "Evaluation",
    "RegimeRulesError",
    "Rule",
    "RuleSet",
    "evaluate_rules",
    "regime_rules",
    "scheme_payments",
    "trigger_outcomes",
]
