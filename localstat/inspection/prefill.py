"""What LocalStat can see itself of a unit's performance management capacity (seed 5.16).

For each of the five components: the facts LocalStat holds, written as evidence an inspector can
confirm, and a suggested score where the facts are enough to suggest one. The inspector (or the unit,
self-assessing) keeps or changes both; the pre-fill is stored beside the scores so the record shows
what was seen and what was judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from localstat.chain.models import Organisation
from localstat.inspection import selectors
from localstat.inspection.choices import Component


@dataclass
class ComponentPrefill:
    component: str
    facts: list[str] = field(default_factory=list)
    suggested: int | None = None
    basis: str = ""

    def as_record(self) -> dict[str, Any]:
        return {"facts": self.facts, "suggested": self.suggested, "basis": self.basis}

    @property
    def evidence(self) -> str:
        return "\n".join(f"- {fact}" for fact in self.facts)


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def robust_data(record: dict[str, Any]) -> ComponentPrefill:
    """Timeliness and revisions of the unit's returns over the last year (A.2: real-time, regular, robust)."""
    prefill = ComponentPrefill(Component.ROBUST_DATA)
    due = record["due"]
    if not due:
        prefill.facts.append("No returns fell due in the last 12 months, so LocalStat cannot judge its data.")
        return prefill
    on_time = record["on_time"] / due
    prefill.facts += [
        f"{record['on_time']} of {due} returns due in the last 12 months came in by their deadline "
        f"({_share(record['on_time'], due)}); {record['late']} late, {record['missing']} missing.",
        f"The newest period with data ends {record['newest_period_end'] or 'nowhere: no data received'}.",
        f"{record['revised']} of {record['values']} current values are corrections of an earlier value "
        f"({_share(record['revised'], record['values'])} revised).",
        f"{record['warnings']} data-quality warnings raised; {record['open_warnings']} still open and "
        f"{record['queried_warnings']} queried.",
    ]
    if record["audit"]:
        prefill.facts.append(
            f"Newest audit of its returns ({record['audit']['period']}): {record['audit']['outcome']}."
        )
    revised = record["revised"] / record["values"] if record["values"] else 0.0
    if on_time >= 0.95 and revised <= 0.02:
        prefill.suggested = 4
    elif on_time >= 0.85 and revised <= 0.05:
        prefill.suggested = 3
    elif on_time >= 0.6:
        prefill.suggested = 2
    else:
        prefill.suggested = 1
    prefill.basis = (
        "Suggested from timeliness and revisions: 4 when at least 95% of returns are on time and at most "
        "2% of values revised, 3 at 85% and 5%, 2 at 60%, else 1."
    )
    return prefill


def capacity_prefill(units: list[Organisation], as_of: date) -> dict[int, dict[str, ComponentPrefill]]:
    """The pre-fill of every component for each unit, read for all the units at once."""
    ids = [unit.pk for unit in units]
    returns = selectors.returns_record(ids, as_of)
    found: dict[int, dict[str, ComponentPrefill]] = {}
    for unit_id in ids:
        components = {c: ComponentPrefill(c) for c in Component.values}
        components[Component.ROBUST_DATA] = robust_data(returns[unit_id])
        components[Component.LEADERSHIP].facts.append(
            "LocalStat holds no record of leadership: this is the inspector's judgement."
        )
        found[unit_id] = components
    return found


def prefill_for(unit: Organisation, as_of: date) -> dict[str, ComponentPrefill]:
    return capacity_prefill([unit], as_of)[unit.pk]
