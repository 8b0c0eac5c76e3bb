"""Rules and evidence in words, for pages, emails and the reasons stored with what was granted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from localstat.engine.regime import Check, Conditions, Rule
from localstat.regime.choices import FreedomKind, InterventionLevel

if TYPE_CHECKING:
    from localstat.regime.models import Proposal

METRIC_WORDS = {
    "band": "band",
    "position": "position",
    "absolute_score": "absolute score",
    "direction_score": "direction score",
    "capacity_score": "capacity score",
    "value": "value",
    "vs_national": "compared with England",
    "vs_peers": "compared with its peers",
    "vs_standard": "against the standard",
    "target_status": "target status",
    "variation": "SPC variation",
    "assurance": "SPC assurance",
    "trend": "recent trend",
}


def freedom_words(kind: str) -> str:
    return FreedomKind(kind).label if kind in FreedomKind.values else kind


def _words(value: str) -> str:
    return value.replace("_", " ")


def check_words(check: Check) -> str:
    """One test in words: ``band is excellent or good``, ``value at least 95``."""
    parts = []
    if check.among is not None:
        parts.append("is " + " or ".join(_words(w) for w in check.among))
    if check.excluding is not None:
        parts.append("is not " + " or ".join(_words(w) for w in check.excluding))
    for name, words in (
        ("at_least", "at least"),
        ("at_most", "at most"),
        ("above", "above"),
        ("below", "below"),
    ):
        value = getattr(check, name)
        if value is not None:
            parts.append(f"{words} {value:g}")
    return f"{METRIC_WORDS.get(check.metric, _words(check.metric))} {' and '.join(parts)}"


def conditions_words(conditions: Conditions) -> list[str]:
    lines = [check_words(c) for c in conditions.subject]
    for code, checks in conditions.indicators:
        lines += [f"{code}: {check_words(c)}" for c in checks]
    if conditions.periods > 1:
        lines.append(
            f"the {code if conditions.indicators else ''} tests read every period hold in each of the last {conditions.periods} periods".replace(
                "the  ", "the "
            )
        )
    return lines


def consequence_words(rule: Rule) -> str:
    c = rule.consequence
    if c.kind == "freedom":
        words = freedom_words(c.freedom or "")
        if c.indicator:
            words += f" on {c.indicator}"
        return words + (f", for {c.months} months" if c.months else ", until withdrawn")
    if c.kind == "reward":
        if c.reward == "grant":
            return f"a grant of £{c.amount:,.0f} (at most once in {c.repeat_after_months} months)"
        return f"recognition (at most once in {c.repeat_after_months} months)"
    if c.kind == "intervention":
        level = InterventionLevel(c.level).label if c.level in InterventionLevel.values else c.level
        return (
            f"an intervention, starting at: {level}; reviewed after {c.review_after_months} "
            f"month{'' if c.review_after_months == 1 else 's'} and "
            "proposed one step up the ladder when its exit criteria are not met by then"
        )
    return (
        f"£{c.amount:,.0f} a period from {c.starts:%B %Y}, all or nothing"
        if c.starts
        else f"£{c.amount:,.0f} a period"
    )


def evidence_lines(evidence: dict[str, Any]) -> list[str]:
    """The evidence the engine recorded, one line per value tested."""
    lines = []
    for key, value in (evidence or {}).items():
        prefix = ""
        if key.startswith("withdraw_when:"):
            prefix, key = "withdrawal test, ", key.removeprefix("withdraw_when:")
        elif key.startswith("exit_when:"):
            prefix, key = "exit criteria, ", key.removeprefix("exit_when:")
        code, _, metric = key.rpartition("::")
        if isinstance(value, dict) and "values" in value:
            shown = ", ".join(
                f"{v:.1f}" if isinstance(v, float) else str(v) for v in value.get("values") or []
            )
            lines.append(
                f"{prefix}{code} last {metric.removeprefix('last_')} periods to {value.get('to')}: {shown or 'none'}"
            )
            continue
        if value is None:
            shown = "no value"
        else:
            try:
                shown = (
                    f"{float(value):.1f}"
                    if metric in ("value",) or key.endswith("_score")
                    else _words(str(value))
                )
            except ValueError:
                shown = _words(str(value))
        name = METRIC_WORDS.get(metric or key, _words(metric or key))
        lines.append(f"{prefix}{code + ' ' if code else ''}{name}: {shown}")
    return lines


def grant_reason(proposal: Proposal, decision_reason: str = "") -> str:
    """Why something was granted or withdrawn, in words fit for the public: the rule, its version, the
    judged period and the decision's reason. The values the rule tested are not quoted: they come from
    judgements that may not be released yet, and stay on the proposal for the people in the chain."""
    words = f"{proposal.rule_title} ({proposal.rule_set.label}, rule {proposal.rule_id})"
    if proposal.period is not None:
        words += f", on the judgement of {proposal.period:%B %Y}"
    if decision_reason:
        words += f". Decision: {decision_reason}"
    return words
