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


def review(record: Any) -> ComponentPrefill:
    """Its challenge-and-support reviews over the last year (A.7: no more than a month to six weeks apart,
    actions followed through), from ``localstat.review.selectors.review_record``."""
    prefill = ComponentPrefill(Component.REVIEW)
    if record is None or not record.cycles:
        prefill.facts.append("It is in no review cycle recorded on LocalStat.")
        return prefill
    prefill.facts += [
        f"Held to account in {record.cycles} review cycle(s), the most frequent {record.cadence or 'of no set cadence'}"
        + (f" (every {record.cadence_days} days)." if record.cadence_days else "."),
        f"{record.meetings_held} review meeting(s) held in the last 12 months.",
        f"{record.actions_done_by_due_date} of {record.actions_due} actions due were done by their due date; "
        f"{record.actions_overdue} overdue.",
    ]
    share = record.share_done_by_due_date
    frequent = record.cadence_days is not None and record.cadence_days <= 42
    if record.meetings_held == 0:
        prefill.suggested = 1
    elif frequent and (share is None or share >= 0.8):
        prefill.suggested = 4
    elif frequent and share >= 0.6:
        prefill.suggested = 3
    else:
        prefill.suggested = 2
    prefill.basis = (
        "Suggested from cadence and follow-through: 4 when reviews are at most six weeks apart and at least 80% "
        "of actions are done by their due date, 3 at 60%, 2 when reviews are held but less often or less "
        "followed through, 1 when none was held."
    )
    return prefill


def accountability(record: Any) -> ComponentPrefill:
    """Its goals with a named responsible officer, an action plan and a timescale (A.5, A.6), from
    ``localstat.agreements.selectors.accountability_record``."""
    prefill = ComponentPrefill(Component.ACCOUNTABILITY)
    if record is None or not record.goals:
        prefill.facts.append("It has no goals recorded in an accountability agreement on LocalStat.")
        return prefill
    prefill.facts += [
        f"{record.complete} of its {record.goals} goals have a named responsible officer, an action plan and a "
        f"timescale ({_share(record.complete, record.goals)}).",
        f"{record.without_owner} without a named officer, {record.without_plan} without an action plan, "
        f"{record.without_timescale} without a timescale.",
    ]
    share = record.complete / record.goals
    prefill.suggested = 4 if share >= 0.9 else 3 if share >= 0.7 else 2 if share >= 0.4 else 1
    prefill.basis = "Suggested from complete goals: 4 at 90% or more, 3 at 70%, 2 at 40%, else 1."
    return prefill


def rewards_sanctions(rule_sets: list[Any], freedoms: list[Any]) -> ComponentPrefill:
    """The published rules of rewards, freedoms and interventions that apply to it (A.8: transparent,
    consistent, flowing from performance), from the regime."""
    prefill = ComponentPrefill(Component.REWARDS_SANCTIONS)
    if not rule_sets:
        prefill.facts.append("No published rules of rewards and sanctions on LocalStat apply to its service.")
    for rule_set in rule_sets:
        prefill.facts.append(
            f"Published rules apply to it: {rule_set.title} (version {rule_set.version} by "
            f"{rule_set.operator.code}, published {rule_set.published_on or 'undated'})."
        )
    earned = [f for f in freedoms if f.basis == "earned"]
    if earned:
        prefill.facts.append(
            f"It holds {len(earned)} freedom(s) of earned autonomy: "
            + "; ".join(f.title for f in earned)
            + "."
        )
    return prefill


def _regime(units: list[Organisation], as_of: date) -> tuple[dict[int, list[Any]], dict[int, list[Any]]]:
    """Published rule sets per unit (by its services) and its freedoms, in three queries."""
    # Imported here: the regime reads this app's capacity, so neither module imports the other at load.
    from localstat.chain.selectors import links_current_on
    from localstat.regime.choices import RuleSetStatus
    from localstat.regime.models import RuleSet
    from localstat.regime.selectors import active_freedoms

    ids = [unit.pk for unit in units]
    services: dict[int, set[int]] = {}
    for org, service in (
        links_current_on(as_of).filter(organisation_id__in=ids).values_list("organisation_id", "service_id")
    ):
        services.setdefault(org, set()).add(service)
    sets = list(
        RuleSet.objects.filter(
            status__in=[RuleSetStatus.PUBLISHED, RuleSetStatus.SUPERSEDED],
            published_on__lte=as_of,
            service_id__in={s for found in services.values() for s in found},
        )
        .exclude(superseded_on__lte=as_of)
        .select_related("operator")
        .order_by("service_id", "operator__code", "-version")
    )
    per_unit = {unit: [r for r in sets if r.service_id in services.get(unit, set())] for unit in ids}
    return per_unit, active_freedoms(ids, as_of)


def capacity_prefill(units: list[Organisation], as_of: date) -> dict[int, dict[str, ComponentPrefill]]:
    """The pre-fill of every component for each unit, read for all the units at once."""
    from localstat.agreements.selectors import accountability_record
    from localstat.review.selectors import review_record

    ids = [unit.pk for unit in units]
    returns = selectors.returns_record(ids, as_of)
    reviews = review_record(ids, as_of)
    agreements = accountability_record(ids)
    rule_sets, freedoms = _regime(units, as_of)
    return {
        unit_id: {
            Component.ROBUST_DATA: robust_data(returns[unit_id]),
            Component.LEADERSHIP: ComponentPrefill(Component.LEADERSHIP),
            Component.ACCOUNTABILITY: accountability(agreements.get(unit_id)),
            Component.REVIEW: review(reviews.get(unit_id)),
            Component.REWARDS_SANCTIONS: rewards_sanctions(rule_sets[unit_id], freedoms.get(unit_id, [])),
        }
        for unit_id in ids
    }


def prefill_for(unit: Organisation, as_of: date) -> dict[str, ComponentPrefill]:
    return capacity_prefill([unit], as_of)[unit.pk]
