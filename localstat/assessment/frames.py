"""The only ORM → frame code: what an assessment run hands the engine, read set-based.

Each function is a handful of queries returning plain rows, turned into a Polars frame with the
columns ``localstat.engine.assess.assess`` documents. No model object is built per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import polars as pl

from localstat.chain.choices import ChainRole, OrganisationKind
from localstat.chain.models import ContextValue
from localstat.chain.selectors import links_current_on
from localstat.engine.peers import most_similar_peers
from localstat.framework.choices import TargetKind, TargetScope, TargetStatus
from localstat.framework.models import Indicator, IndicatorVersion, Milestone, Standard, Target, TargetUnit

#: Targets a run judges against: agreed and in force, or already closed as met or missed.
JUDGED_TARGET_STATUSES = [TargetStatus.AGREED, TargetStatus.ACTIVE, TargetStatus.MET, TargetStatus.MISSED]


def indicators_frame(codes: Iterable[str], as_of: date) -> pl.DataFrame:
    """Each indicator's definition in force at ``as_of``: statistic, polarity, multiplier, service,
    standard and periodicity (which the engine does not read: the run uses it to tell stale series)."""
    codes = sorted(set(codes))
    versions = (
        IndicatorVersion.objects.filter(indicator__code__in=codes, valid_from__lte=as_of)
        .order_by("indicator_id", "-valid_from")
        .values_list(
            "indicator__code",
            "statistic",
            "polarity",
            "multiplier",
            "indicator__service__code",
            "periodicity",
        )
    )
    latest: dict[str, tuple[str, str, int, str, str]] = {}
    for code, statistic, polarity, multiplier, service, periodicity in versions:
        latest.setdefault(code, (statistic, polarity, multiplier, service, periodicity))
    standards = dict(
        Standard.objects.filter(indicator__code__in=codes).values_list("indicator__code", "level")
    )
    rows = [
        (
            code,
            statistic,
            polarity,
            float(multiplier),
            service,
            float(standards[code]) if code in standards else None,
            periodicity,
        )
        for code, (statistic, polarity, multiplier, service, periodicity) in sorted(latest.items())
    ]
    return pl.DataFrame(
        rows,
        schema={
            "indicator": pl.String,
            "statistic": pl.String,
            "polarity": pl.String,
            "multiplier": pl.Float64,
            "service": pl.String,
            "standard": pl.Float64,
            "periodicity": pl.String,
        },
        orient="row",
    )


def hierarchy_frame(as_of: date) -> pl.DataFrame:
    """Every front line unit's performance manager on ``as_of``, per service; and every
    intermediate-tier body's region where it has one (NHS areas under the NHS England regions), so
    regions are judged on their pooled values too."""
    current = links_current_on(as_of)
    rows = list(
        current.filter(role=ChainRole.FRONT_LINE_UNIT).values_list(
            "organisation__code", "accountable_to__code", "service__code"
        )
    )
    rows += list(
        current.filter(
            role=ChainRole.INTERMEDIATE_TIER, organisation__geographic_parent__kind=OrganisationKind.REGION
        ).values_list("organisation__code", "organisation__geographic_parent__code", "service__code")
    )
    return pl.DataFrame(
        rows, schema={"unit": pl.String, "parent": pl.String, "service": pl.String}, orient="row"
    )


def targets_frames(codes: Iterable[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Targets (``unit`` blank for national) and their milestones, for the indicators given."""
    targets = Target.objects.filter(indicator__code__in=list(codes), status__in=JUDGED_TARGET_STATUSES)
    national = targets.filter(scope=TargetScope.NATIONAL).values_list(
        "pk", "indicator__code", "level", "deadline", "kind"
    )
    for_units = TargetUnit.objects.filter(target__in=targets.filter(scope=TargetScope.UNITS)).values_list(
        "target_id",
        "unit__code",
        "target__indicator__code",
        "target__level",
        "target__deadline",
        "target__kind",
    )
    # A floor target is a minimum standard in force now (seed 2.10): the record of falls reads it.
    target_rows = [
        ("", code, float(level), deadline, kind == TargetKind.FLOOR)
        for _, code, level, deadline, kind in national
    ]
    target_rows += [
        (unit, code, float(level), deadline, kind == TargetKind.FLOOR)
        for _, unit, code, level, deadline, kind in for_units
    ]
    units_of: dict[int, list[str]] = {}
    for target_id, unit, *_ in for_units:
        units_of.setdefault(target_id, []).append(unit)
    national_ids = {pk for pk, *_ in national}
    milestone_rows: list[tuple[str, str, date, float]] = []
    for target_id, code, period, level in Milestone.objects.filter(target__in=targets).values_list(
        "target_id", "target__indicator__code", "period_start", "level"
    ):
        holders = [""] if target_id in national_ids else units_of.get(target_id, [])
        milestone_rows += [(unit, code, period, float(level)) for unit in holders]
    schema_t = {
        "unit": pl.String,
        "indicator": pl.String,
        "level": pl.Float64,
        "deadline": pl.Date,
        "floor": pl.Boolean,
    }
    schema_m = {"unit": pl.String, "indicator": pl.String, "period": pl.Date, "level": pl.Float64}
    # One target per unit and indicator: the latest deadline wins where several are in force.
    frame_t = (
        pl.DataFrame(target_rows, schema=schema_t, orient="row")
        .sort("deadline")
        .unique(["unit", "indicator"], keep="last", maintain_order=True)
    )
    frame_m = pl.DataFrame(milestone_rows, schema=schema_m, orient="row").unique(
        ["unit", "indicator", "period"], keep="last", maintain_order=True
    )
    return frame_t, frame_m


def peers_frame(as_of: date, k: int = 15) -> pl.DataFrame:
    """Each unit's most similar units of its own type, from its latest context values on ``as_of``.

    Units of a type are compared on the variables recorded for every one of them; a type with no
    such variable, or fewer than two units, has no peer groups.
    """
    rows = (
        ContextValue.objects.filter(period_start__lte=as_of)
        .order_by("organisation_id", "variable_id", "-period_start")
        .values_list("organisation__code", "organisation__unit_type", "variable__code", "value")
    )
    frame = pl.DataFrame(
        list(rows),
        schema={"unit": pl.String, "group": pl.String, "variable": pl.String, "value": pl.Float64},
        orient="row",
    )
    frame = frame.filter(pl.col("group") != "").unique(
        ["unit", "variable"], keep="first", maintain_order=True
    )
    found: list[pl.DataFrame] = []
    for (_group,), part in frame.partition_by("group", as_dict=True).items():
        wide = part.pivot(on="variable", index="unit", values="value")
        complete = [c for c in wide.columns if c != "unit" and wide[c].null_count() == 0]
        if not complete or wide.height < 2:
            continue
        peers = most_similar_peers(wide.select("unit", *complete), k=min(k, wide.height - 1))
        found.append(peers.select(pl.col("unit").cast(pl.String), pl.col("peer").cast(pl.String)))
    if not found:
        return pl.DataFrame(schema={"unit": pl.String, "peer": pl.String})
    return pl.concat(found)


def indicator_codes_with_data() -> list[str]:
    """Indicators that have at least one approved observation."""
    from localstat.returns.models import Observation

    ids = Observation.objects.filter(approved_current=True).values("indicator_id").distinct()
    return list(Indicator.objects.filter(pk__in=ids).order_by("code").values_list("code", flat=True))
