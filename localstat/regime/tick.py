"""The regime's time rule: ``localstat tick`` evaluates every published rule set for the day.

Idempotent: a second evaluation for the same date proposes nothing new and computes no payment twice.
"""

from __future__ import annotations

from datetime import date

from localstat.regime.services import evaluate_regimes
from localstat.returns.tick import TimeRule


def evaluate_rules_for(as_of: date) -> str:
    reports = evaluate_regimes(as_of=as_of)
    if not reports:
        return "no published rule sets"
    proposals = sum(len(r.proposals) for r in reports)
    payments = sum(r.payments for r in reports)
    lapsed = sum(r.lapsed for r in reports)
    alerts = sum(r.alerts for r in reports)
    skipped = [r.summary for r in reports if r.skipped]
    return (
        f"{len(reports)} rule sets evaluated: {proposals} new proposals, {payments} payments computed, "
        f"{lapsed} open proposals lapsed, {alerts} department alerts"
        + "".join(f"; {line}" for line in skipped)
    )


RULES = [
    TimeRule(
        name="regime_evaluate",
        run=evaluate_rules_for,
        description="Evaluate the published trigger rules: proposals and scheme payments",
        after=("overdue_returns",),
    )
]
