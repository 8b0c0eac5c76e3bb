"""Reads for inspection: capacity (the cross-app contract), the plan's inputs, pre-fill and the backtest.

Every read is set-based: one query per kind of fact for all the units at once, never one per unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from django.db.models import Count, F, Max, Q, QuerySet

from localstat.assessment.choices import RunScope, RunStatus
from localstat.assessment.models import AssessmentRun, Judgement, UnitAssessment
from localstat.chain.choices import ChainRole
from localstat.chain.models import Organisation
from localstat.chain.selectors import links_current_on
from localstat.engine.inspection import (
    ScheduleRules,
    backtest_schedule,
    inspection_schedule,
    schedule_rules,
)
from localstat.inspection.choices import CapacitySource
from localstat.inspection.models import (
    AuditMark,
    CapacityAssessment,
    Inspection,
    InspectionRules,
)
from localstat.returns.choices import WarningStatus
from localstat.returns.models import Observation, QualityWarning, Return


def year_before(as_of: date) -> date:
    """The first day of the month a year before ``as_of``: the plan and the pre-fill read returns for
    periods starting then or later (twelve whole months and the current one)."""
    return date(as_of.year - 1, as_of.month, 1)


def latest_capacity(organisation_ids: Iterable[int], as_of: date) -> dict[int, CapacityAssessment]:
    """The newest capacity assessment per unit that an inspector made or verified, on or before ``as_of``.

    The cross-app contract the regime reads. Each has its five ``scores`` prefetched (component,
    score 1–4, evidence) and an ``overall_score`` (their mean). A unit's own self-assessment counts
    only once an inspector has verified it, through the verifying assessment. Two queries in all.
    """
    found: dict[int, CapacityAssessment] = {}
    assessments = (
        CapacityAssessment.objects.filter(
            unit_id__in=list(organisation_ids), source=CapacitySource.INSPECTOR, assessed_on__lte=as_of
        )
        .order_by("unit_id", "-assessed_on", "-id")
        .prefetch_related("scores")
    )
    for assessment in assessments:
        found.setdefault(assessment.unit_id, assessment)
    return found


def inspected_services(inspectorate: Organisation, as_of: date) -> QuerySet[Any]:
    return (
        links_current_on(as_of)
        .filter(organisation=inspectorate, role=ChainRole.INSPECTORATE)
        .values("service")
    )


def inspectorates() -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        chain_links__role=ChainRole.INSPECTORATE, chain_links__valid_to__isnull=True
    ).distinct()


def current_rules(inspectorate: Organisation) -> InspectionRules | None:
    return InspectionRules.objects.filter(inspectorate=inspectorate).order_by("-version").first()


def published_rules() -> QuerySet[InspectionRules]:
    """Every inspectorate's current rules (the newest version of each)."""
    newest = InspectionRules.objects.values("inspectorate").annotate(v=Max("version"))
    wanted = Q(pk__in=[])
    for row in newest:
        wanted |= Q(inspectorate_id=row["inspectorate"], version=row["v"])
    return (
        InspectionRules.objects.filter(wanted).select_related("inspectorate").order_by("inspectorate__name")
    )


def last_inspections(unit_ids: list[int], as_of: date) -> dict[int, date]:
    rows = (
        Inspection.objects.filter(unit_id__in=unit_ids, visited_on__lte=as_of)
        .values("unit_id")
        .annotate(last=Max("visited_on"))
    )
    return {row["unit_id"]: row["last"] for row in rows}


def _freedom_counts(unit_ids: list[int], as_of: date) -> dict[int, int]:
    """How many freedoms of earned autonomy each unit holds on ``as_of`` (the regime grants them).

    Baseline freedoms, which every unit of a rule set holds, do not lighten anyone's inspection.
    """
    # Imported here: the regime reads this app's capacity, so neither module imports the other at load.
    from localstat.regime.choices import FreedomBasis
    from localstat.regime.selectors import active_freedoms

    return {
        unit: earned
        for unit, freedoms in active_freedoms(unit_ids, as_of).items()
        if (earned := sum(1 for f in freedoms if f.basis == FreedomBasis.EARNED))
    }


def plan_units(inspectorate: Organisation, as_of: date) -> pl.DataFrame:
    """The engine's units frame: every unit the inspectorate inspects, with its risk facts at ``as_of``."""
    links = (
        links_current_on(as_of)
        .filter(service__in=inspected_services(inspectorate, as_of), role=ChainRole.FRONT_LINE_UNIT)
        .values_list("organisation_id", "organisation__code", "organisation__name", "service_id")
    )
    rows = {org: (code, name, service) for org, code, name, service in links}
    ids = list(rows)
    run = assessment_run_for(as_of)
    # The newest full run at or before the plan's date: its bands, and its judgements' SPC concerns
    # (the current ones, with later update runs, when it is the newest full run of all).
    judged = Q(is_current=True) if run is not None and run.current else Q(run_id=run.pk if run else None)
    assessments = {
        a["organisation_id"]: a
        for a in UnitAssessment.objects.filter(judged, organisation_id__in=ids).values(
            "organisation_id", "band", "position", "evidence"
        )
    }
    concerns = dict(
        Judgement.objects.filter(judged, organisation_id__in=ids, variation="special_cause_concern")
        .values("organisation_id")
        .annotate(n=Count("id"))
        .values_list("organisation_id", "n")
    )
    warnings = dict(
        QualityWarning.objects.filter(
            return_record__unit_id__in=ids,
            return_record__period_start__gte=year_before(as_of),
            status__in=[WarningStatus.OPEN, WarningStatus.QUERIED],
        )
        .values("return_record__unit_id")
        .annotate(n=Count("id"))
        .values_list("return_record__unit_id", "n")
    )
    last = last_inspections(ids, as_of)
    capacity = {unit: a.overall_score for unit, a in latest_capacity(ids, as_of).items()}
    freedoms = _freedom_counts(ids, as_of)
    return pl.DataFrame(
        {
            "unit_id": ids,
            "unit": [rows[i][0] for i in ids],
            "name": [rows[i][1] for i in ids],
            "band": [(assessments.get(i) or {}).get("band") or None for i in ids],
            "position": [(assessments.get(i) or {}).get("position") or None for i in ids],
            "direction": [((assessments.get(i) or {}).get("evidence") or {}).get("direction") for i in ids],
            "concerns": [concerns.get(i, 0) for i in ids],
            "warnings": [warnings.get(i, 0) for i in ids],
            "last_inspected": [last.get(i) for i in ids],
            "freedoms": [freedoms.get(i, 0) for i in ids],
            "capacity_score": [capacity.get(i) for i in ids],
        },
        schema={
            "unit_id": pl.Int64,
            "unit": pl.String,
            "name": pl.String,
            "band": pl.String,
            "position": pl.String,
            "direction": pl.String,
            "concerns": pl.Int64,
            "warnings": pl.Int64,
            "last_inspected": pl.Date,
            "freedoms": pl.Int64,
            "capacity_score": pl.Float64,
        },
    )


@dataclass(frozen=True)
class RunChoice:
    """The assessment run a plan reads bands and SPC concerns from."""

    pk: int
    as_of: date
    current: bool


def assessment_run_for(as_of: date) -> RunChoice | None:
    """The newest complete full assessment run judged at or before ``as_of`` (none before the first)."""
    full = AssessmentRun.objects.filter(status=RunStatus.COMPLETE, scope=RunScope.FULL).order_by(
        "-as_of", "-started_at", "-id"
    )
    chosen = full.filter(as_of__lte=as_of).values("pk", "as_of").first()
    if chosen is None:
        return None
    newest = (
        UnitAssessment.objects.filter(is_current=True)
        .order_by("-run_id")
        .values_list("run_id", flat=True)
        .first()
    )
    return RunChoice(pk=chosen["pk"], as_of=chosen["as_of"], current=chosen["pk"] == newest)


@dataclass(frozen=True)
class Plan:
    inspectorate: Organisation
    as_of: date
    rules: InspectionRules
    schedule: pl.DataFrame
    assessed_as_of: date | None = None


class NoRulesPublished(LookupError):
    """The inspectorate has published no scheduling rules yet, so it has no plan."""


def rules_of(record: InspectionRules) -> ScheduleRules:
    return schedule_rules(record.rules)


def inspection_plan(inspectorate: Organisation, as_of: date) -> Plan:
    """The inspectorate's proportionate plan at ``as_of`` under its current published rules."""
    record = current_rules(inspectorate)
    if record is None:
        raise NoRulesPublished(
            f"{inspectorate.name} has published no inspection rules yet: publish them first "
            "(localstat inspection rules publish FILE)."
        )
    schedule = inspection_schedule(plan_units(inspectorate, as_of), rules_of(record), as_of)
    run = assessment_run_for(as_of)
    return Plan(
        inspectorate=inspectorate,
        as_of=as_of,
        rules=record,
        schedule=schedule,
        assessed_as_of=run.as_of if run else None,
    )


def plan_row(plan: Plan, unit: Organisation) -> dict[str, Any] | None:
    rows = plan.schedule.filter(pl.col("unit_id") == unit.pk).to_dicts()
    return rows[0] if rows else None


def inspectorate_for(unit: Organisation, as_of: date) -> Organisation | None:
    """The inspectorate of the unit's service (the first, if several inspect it)."""
    services = links_current_on(as_of).filter(organisation=unit).values("service")
    return (
        Organisation.objects.filter(
            chain_links__service__in=services,
            chain_links__role=ChainRole.INSPECTORATE,
            chain_links__valid_to__isnull=True,
        )
        .order_by("code")
        .first()
    )


@dataclass(frozen=True)
class Backtest:
    start: date
    end: date
    by_quarter: pl.DataFrame
    by_unit: pl.DataFrame


def backtest(plan: Plan, *, years: int = 2) -> Backtest:
    """The last ``years`` of inspections as the rules would have spread them, beside those made."""
    end = plan.as_of
    start = date(end.year - years, end.month, 1)
    history = pl.DataFrame(
        list(
            Inspection.objects.filter(inspectorate=plan.inspectorate, visited_on__lte=end).values_list(
                "unit__code", "visited_on"
            )
        ),
        schema={"unit": pl.String, "inspected_on": pl.Date},
        orient="row",
    )
    by_quarter, by_unit = backtest_schedule(plan.schedule, history, start, end)
    return Backtest(start=start, end=end, by_quarter=by_quarter, by_unit=by_unit)


def returns_record(unit_ids: list[int], as_of: date) -> dict[int, dict[str, Any]]:
    """What the returns show of each unit's data in the year to ``as_of`` (the robust-data pre-fill).

    Timeliness (returns due, in by their deadline, late, missing), revisions (current values that
    are a correction), open and queried data-quality warnings, the newest period with data, and the
    newest audit mark. Five queries for all the units.
    """
    since = year_before(as_of)
    due = (
        Return.objects.filter(unit_id__in=unit_ids, deadline__lte=as_of, period_start__gte=since)
        .values("unit_id")
        .annotate(
            due=Count("id"),
            on_time=Count("id", filter=Q(received_on__isnull=False, received_on__lte=F("deadline"))),
            late=Count("id", filter=Q(received_on__isnull=False, received_on__gt=F("deadline"))),
            missing=Count("id", filter=Q(received_on__isnull=True)),
            newest=Max("period_end", filter=Q(received_on__isnull=False)),
        )
    )
    revisions = (
        Observation.objects.filter(unit_id__in=unit_ids, is_current=True, period_start__gte=since)
        .values("unit_id")
        .annotate(values=Count("id"), revised=Count("id", filter=Q(revision__gt=1)))
    )
    warnings = (
        QualityWarning.objects.filter(
            return_record__unit_id__in=unit_ids, return_record__period_start__gte=since
        )
        .values("return_record__unit_id")
        .annotate(
            raised=Count("id"),
            open=Count("id", filter=Q(status=WarningStatus.OPEN)),
            queried=Count("id", filter=Q(status=WarningStatus.QUERIED)),
        )
    )
    record: dict[int, dict[str, Any]] = {
        unit: {
            "since": since.isoformat(),
            "due": 0,
            "on_time": 0,
            "late": 0,
            "missing": 0,
            "newest_period_end": None,
            "values": 0,
            "revised": 0,
            "warnings": 0,
            "open_warnings": 0,
            "queried_warnings": 0,
            "audit": None,
        }
        for unit in unit_ids
    }
    for row in due:
        record[row["unit_id"]].update(
            due=row["due"],
            on_time=row["on_time"],
            late=row["late"],
            missing=row["missing"],
            newest_period_end=row["newest"].isoformat() if row["newest"] else None,
        )
    for row in revisions:
        record[row["unit_id"]].update(values=row["values"], revised=row["revised"])
    for row in warnings:
        record[row["return_record__unit_id"]].update(
            warnings=row["raised"], open_warnings=row["open"], queried_warnings=row["queried"]
        )
    for mark in AuditMark.objects.filter(unit_id__in=unit_ids, period_end__lte=as_of).order_by(
        "unit_id", "-period_end", "-id"
    ):
        if record[mark.unit_id]["audit"] is None:
            record[mark.unit_id]["audit"] = {
                "period": f"{mark.period_start} to {mark.period_end}",
                "outcome": mark.get_outcome_display(),
            }
    return record
