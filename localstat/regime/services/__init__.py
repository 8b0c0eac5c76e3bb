"""Every write of the regime: drafting and publishing rules, evaluating them, and people's decisions.

Rules propose; people decide (seed 4.9, 4.11, A.8). ``evaluate_regimes`` runs every published rule set
over its assessment's judgements (the pure engine decides what holds) and records proposals and each
period's scheme payments; a person confirms, changes or rejects each, and a change or a rejection needs a
reason that stays beside the proposal.
"""

from localstat.regime.services.decisions import decide_payments, decide_proposal
from localstat.regime.services.evaluation import (
    Preview,
    RegimeEvaluation,
    evaluate_regimes,
    evaluate_rule_set,
    preview_rules,
    raise_exception_alerts,
)
from localstat.regime.services.rule_sets import (
    MAX_SOURCE,
    RULES_EXAMPLE,
    add_months,
    check_rules_for,
    draft_rule_set,
    grant_baseline_freedoms,
    publish_rule_set,
    read_rules,
    rules_of,
)

__all__ = [
    "MAX_SOURCE",
    "RULES_EXAMPLE",
    "Preview",
    "RegimeEvaluation",
    "add_months",
    "check_rules_for",
    "decide_payments",
    "decide_proposal",
    "draft_rule_set",
    "evaluate_regimes",
    "evaluate_rule_set",
    "grant_baseline_freedoms",
    "preview_rules",
    "publish_rule_set",
    "raise_exception_alerts",
    "read_rules",
    "rules_of",
]
