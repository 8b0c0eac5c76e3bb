"""Reads for local agreements, set-based: the checks' inputs, goals, trajectories, and two cross-app reads.

Cross-app contracts (review and inspection call them):

- :func:`accountability_record` — per organisation, its goals and how many have a named owner, an
  action plan and a timescale (Box 5.3);
- :func:`trajectory_status` — per unit, each agreed target with a trajectory: on track, at risk or
  off track against its milestone in force, from approved values (A.5).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, F, Q, QuerySet

from localstat.agreements.choices import NegotiationStatus, StepKind
from localstat.agreements.models import (
    Goal,
    Negotiation,
    NegotiationStep,
    ProposedTarget,
    TrajectorySignOff,
)
from localstat.chain.access import permitted_organisations
from localstat.chain.models import Organisation
from localstat.engine.agreements import check_proposed_levels, trajectory_statuses
from localstat.engine.intervals import count_interval, value_with_intervals
from localstat.framework.choices import Statistic, TargetScope, TargetStatus
from localstat.framework.models import Indicator, IndicatorVersion, Milestone, Standard, Target
from localstat.framework.periods import PeriodError, period_containing
from localstat.framework.selectors import school_calendar_for

#: A target is tracked against its trajectory while it is agreed or active.
TRACKED_STATUSES = [TargetStatus.AGREED, TargetStatus.ACTIVE]


# ---------------------------------------------------------------- values from approved observations


def _observations() -> Any:
    # Imported here: returns sits beside agreements in the chain, and reading its table is a hand-on.
    from localstat.returns.selectors import approved_observations

    return approved_observations


def approved_values(
    *, units: Iterable[int], indicators: Iterable[int], until: date | None = None, intervals: bool = False
) -> pl.DataFrame:
    """Every approved value of the units' series on the indicators (``unit_id, indicator_id, period,
    value`` and, with ``intervals``, ``lower_95, upper_95``), read in one query and computed by the
    engine's methods (METHODS.md) from each indicator's current definition."""
    unit_ids, indicator_ids = sorted(set(units)), sorted(set(indicators))
    rows = _observations()(indicators=indicator_ids, units=unit_ids)
    if until is not None:
        rows = rows.filter(period_start__lte=until)
    frame = pl.DataFrame(
        list(rows.values_list("unit_id", "indicator_id", "period_start", "numerator", "denominator")),
        schema={
            "unit_id": pl.Int64,
            "indicator_id": pl.Int64,
            "period": pl.Date,
            "numerator": pl.Float64,
            "denominator": pl.Float64,
        },
        orient="row",
    )
    versions = _current_versions(indicator_ids)
    parts = []
    for indicator_id, part in frame.partition_by("indicator_id", as_dict=True).items():
        version = versions[int(indicator_id[0])]  # type: ignore[call-overload]
        parts.append(_valued(part, version, intervals))
    columns = ["unit_id", "indicator_id", "period", "value"] + (["lower_95", "upper_95"] if intervals else [])
    if not parts:
        return pl.DataFrame(
            schema={c: (pl.Date if c == "period" else pl.Float64) for c in columns}
        ).with_columns(pl.col("unit_id", "indicator_id").cast(pl.Int64))
    return pl.concat([p.select(columns) for p in parts]).sort("unit_id", "indicator_id", "period")


def _current_versions(indicator_ids: Sequence[int]) -> dict[int, IndicatorVersion]:
    return {
        indicator.pk: indicator.current_version
        for indicator in Indicator.objects.filter(pk__in=indicator_ids).select_related("current_version")
        if indicator.current_version is not None
    }


def _valued(part: pl.DataFrame, version: IndicatorVersion, intervals: bool) -> pl.DataFrame:
    x = part["numerator"].to_numpy()
    if version.statistic == Statistic.COUNT:
        lower, upper, _ = count_interval(x)
        return part.with_columns(value=pl.Series(x), lower_95=pl.Series(lower), upper_95=pl.Series(upper))
    n = part["denominator"].to_numpy()
    valued = value_with_intervals(x, n, statistic=version.statistic, multiplier=float(version.multiplier))  # type: ignore[arg-type]
    return part.with_columns(valued.select("value", "lower_95", "upper_95"))


# ---------------------------------------------------------------- the checks of proposed levels


@dataclass(frozen=True)
class ProposedLevel:
    position: int
    indicator: Indicator
    level: float


def _peer_codes(unit: Organisation, as_of: date) -> list[str]:
    from localstat.assessment.frames import peers_frame

    peers = peers_frame(as_of)
    return peers.filter(pl.col("unit") == unit.code)["peer"].to_list()


def _periods_ended(indicator_ids: Sequence[int], as_of: date) -> Any:
    """A filter keeping only the values of periods that ended before ``as_of``: what anyone could have
    seen that day. A quarter that began the day before is not over, so it is not yet a value to check
    against (one comparison per indicator, whatever the number of values)."""
    day_before = as_of - timedelta(days=1)
    first_open: dict[int, date] = {}
    for indicator in Indicator.objects.filter(pk__in=indicator_ids).select_related("current_version"):
        version = indicator.current_version
        if version is None:
            continue
        calendar = school_calendar_for(indicator.service_id) if version.periodicity == "half_term" else None
        try:
            period = period_containing(version.periodicity, day_before, calendar=calendar)
        except PeriodError:  # a school holiday: every half-term that began before the day is over
            continue
        if period.end >= as_of:
            first_open[indicator.pk] = period.start
    cutoffs = pl.DataFrame(
        {"indicator_id": list(first_open), "first_open": list(first_open.values())},
        schema={"indicator_id": pl.Int64, "first_open": pl.Date},
    )

    def keep(values: pl.DataFrame) -> pl.DataFrame:
        return (
            values.join(cutoffs, on="indicator_id", how="left")
            .filter(pl.col("first_open").is_null() | (pl.col("period") < pl.col("first_open")))
            .drop("first_open")
        )

    return keep


def check_levels(
    unit: Organisation, proposed: Sequence[ProposedLevel], as_of: date
) -> dict[int, dict[str, Any]]:
    """The engine's checks of each proposed level on the unit's approved values of periods that ended
    before ``as_of``, with its baseline (latest value), its peer group's latest values and the
    national standard and targets.
    Keyed by position. A handful of queries whatever the number of levels."""
    indicator_ids = sorted({p.indicator.pk for p in proposed})
    before = as_of - timedelta(days=1)
    ended = _periods_ended(indicator_ids, as_of)
    values = ended(approved_values(units=[unit.pk], indicators=indicator_ids, until=before))
    series = values.select(pl.col("indicator_id").cast(pl.String).alias("indicator"), "period", "value")
    proposals = pl.DataFrame(
        {
            "item": [str(p.position) for p in proposed],
            "indicator": [str(p.indicator.pk) for p in proposed],
            "level": [p.level for p in proposed],
            "polarity": [p.indicator.current_version.polarity for p in proposed],  # type: ignore[union-attr]
        }
    )
    # Each proposal checks against its indicator's series: items key the series by position.
    keyed = series.join(proposals.select("item", "indicator"), on="indicator").select(
        "item", "period", "value"
    )
    checks = check_proposed_levels(keyed, proposals.select("item", "level", "polarity"))
    latest = values.sort("period").group_by("indicator_id").last()
    baseline = {row["indicator_id"]: (row["period"], row["value"]) for row in latest.iter_rows(named=True)}
    peer_codes = _peer_codes(unit, as_of)
    peer_units = dict(Organisation.objects.filter(code__in=peer_codes).values_list("pk", "code"))
    peer_rows = (
        ended(approved_values(units=peer_units, indicators=indicator_ids, until=before))
        .sort("period")
        .group_by("unit_id", "indicator_id")
        .last()
        .sort("value", descending=True)
    )
    peers: dict[int, list[list[Any]]] = {}
    for row in peer_rows.iter_rows(named=True):
        peers.setdefault(row["indicator_id"], []).append(
            [peer_units[row["unit_id"]], row["period"].isoformat(), round(row["value"], 4)]
        )
    standards = dict(
        Standard.objects.filter(indicator_id__in=indicator_ids).values_list("indicator_id", "level")
    )
    national: dict[int, list[str]] = {}
    for target in (
        Target.objects.filter(
            indicator_id__in=indicator_ids, scope=TargetScope.NATIONAL, status__in=TRACKED_STATUSES
        )
        .select_related("indicator_version")
        .order_by("reference")
    ):
        national.setdefault(target.indicator_id, []).append(
            f"{target.reference}: {target.level_text} by {target.deadline:%-d %B %Y}"
        )
    out: dict[int, dict[str, Any]] = {}
    for p, row in zip(proposed, checks.iter_rows(named=True), strict=True):
        base = baseline.get(p.indicator.pk)
        out[p.position] = {
            **{
                k: row[k]
                for k in (
                    "verdict",
                    "reason",
                    "points",
                    "mean",
                    "amr",
                    "process_limit",
                    "best",
                    "reach_limit",
                    "trial_limits",
                )
            },
            "baseline_period": base[0] if base else None,
            "baseline": float(base[1]) if base else None,
            "peer_values": peers.get(p.indicator.pk, []),
            "national_standard": standards.get(p.indicator.pk),
            "national_target": "; ".join(national.get(p.indicator.pk, [])),
        }
    return out


# ---------------------------------------------------------------- negotiations


def negotiations_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Negotiation]:
    units = permitted_organisations(user, "agreements.view")
    return Negotiation.objects.filter(proposer__in=units).select_related(
        "proposer", "manager", "department", "service"
    )


def steps_of(negotiation: Negotiation) -> list[NegotiationStep]:
    """The whole thread, first to last, with each step's targets (three queries)."""
    return list(
        negotiation.steps.select_related("organisation", "author")
        .prefetch_related("items__indicator__current_version", "items__target", "items__control")
        .order_by("number")
    )


def latest_proposal(negotiation: Negotiation) -> NegotiationStep | None:
    """The proposal or revision on the table: the newest."""
    return (
        negotiation.steps.filter(kind__in=[StepKind.PROPOSAL, StepKind.REVISION]).order_by("-number").first()
    )


def items_of(step: NegotiationStep) -> list[ProposedTarget]:
    return list(
        step.items.select_related("indicator__current_version", "target", "control").order_by("position")
    )


def agreed_items(negotiations: QuerySet[Negotiation]) -> QuerySet[ProposedTarget]:
    """The targets of every agreed negotiation given (the rows the agreement turned into targets)."""
    return (
        ProposedTarget.objects.filter(step__negotiation__in=negotiations, target__isnull=False)
        .select_related(
            "step__negotiation__proposer",
            "step__negotiation__manager",
            "step__negotiation__service",
            "indicator__current_version",
            "target",
        )
        .order_by("step__negotiation_id", "position")
    )


# ---------------------------------------------------------------- accountability (Box 5.3, A.6)


@dataclass(frozen=True)
class AccountabilityRecord:
    """An organisation's goals and how many have all of a named owner, an action plan and a timescale."""

    organisation_id: int
    goals: int
    complete: int
    without_owner: int
    without_plan: int
    without_timescale: int

    @property
    def share_complete(self) -> float | None:
        return self.complete / self.goals if self.goals else None


_NO_OWNER = Q(responsible_officer="")
_NO_PLAN = Q(action_plan="")
_NO_TIMESCALE = Q(due_by__isnull=True)


def accountability_record(organisation_ids: Iterable[int]) -> dict[int, AccountabilityRecord]:
    """Cross-app contract: every organisation asked for (zeros where it has no goals), in one query."""
    ids = sorted(set(organisation_ids))
    counts = {
        row["organisation_id"]: row
        for row in Goal.objects.filter(organisation_id__in=ids)
        .values("organisation_id")
        .annotate(
            goals=Count("id"),
            without_owner=Count("id", filter=_NO_OWNER),
            without_plan=Count("id", filter=_NO_PLAN),
            without_timescale=Count("id", filter=_NO_TIMESCALE),
            complete=Count("id", filter=~_NO_OWNER & ~_NO_PLAN & ~_NO_TIMESCALE),
        )
        .order_by()
    }
    return {
        pk: AccountabilityRecord(
            organisation_id=pk,
            goals=counts.get(pk, {}).get("goals", 0),
            complete=counts.get(pk, {}).get("complete", 0),
            without_owner=counts.get(pk, {}).get("without_owner", 0),
            without_plan=counts.get(pk, {}).get("without_plan", 0),
            without_timescale=counts.get(pk, {}).get("without_timescale", 0),
        )
        for pk in ids
    }


def goals_lacking(organisations: QuerySet[Organisation]) -> QuerySet[Goal]:
    """Every goal lacking a named individual, an action plan or a timescale (Box 5.3)."""
    return (
        Goal.objects.filter(organisation__in=organisations)
        .filter(Q(responsible_officer="") | Q(action_plan="") | Q(due_by__isnull=True))
        .select_related("organisation", "agreement", "target")
        .order_by("organisation__code", F("due_by").asc(nulls_last=True), "id")
    )


def responsibilities(organisation: Organisation) -> list[tuple[str, list[Goal]]]:
    """Who inside the organisation is responsible for what: its goals by named officer (blank last)."""
    goals = list(
        Goal.objects.filter(organisation=organisation)
        .select_related("agreement", "target")
        .order_by("responsible_officer", F("due_by").asc(nulls_last=True), "id")
    )
    by_officer: dict[str, list[Goal]] = {}
    for goal in goals:
        by_officer.setdefault(goal.responsible_officer.strip(), []).append(goal)
    named = sorted((k, v) for k, v in by_officer.items() if k)
    return named + ([("", by_officer[""])] if "" in by_officer else [])


# ---------------------------------------------------------------- trajectories (A.5)


@dataclass(frozen=True)
class TrajectoryStatus:
    """One agreed target's standing against its trajectory at the latest approved period."""

    target_id: int
    reference: str
    indicator: str
    unit_id: int
    level: float
    deadline: date
    period: date | None
    value: float | None
    lower_95: float | None
    upper_95: float | None
    milestone: float | None
    status: str
    signed_off: bool | None
    signed_off_by: str

    @property
    def label(self) -> str:
        from localstat.agreements.choices import TrajectoryState

        return TrajectoryState(self.status).label


def trajectory_status(organisation_ids: Iterable[int], as_of: date) -> dict[int, list[TrajectoryStatus]]:
    """Cross-app contract: for each unit, every agreed or active target of its own that has a
    trajectory (milestones), placed against the milestone in force at its latest approved period up
    to ``as_of`` (engine ``trajectory_statuses``). ``signed_off`` is None for a target no local
    agreement made (a cascaded PSA target). Units with none map to an empty list. Five queries."""
    ids = sorted(set(organisation_ids))
    out: dict[int, list[TrajectoryStatus]] = {pk: [] for pk in ids}
    rows = list(
        Target.objects.filter(
            scope=TargetScope.UNITS,
            status__in=TRACKED_STATUSES,
            target_units__unit_id__in=ids,
            milestones__isnull=False,
        )
        .distinct()
        .values_list(
            "pk",
            "reference",
            "indicator_id",
            "indicator__code",
            "indicator_version__polarity",
            "level",
            "deadline",
            "target_units__unit_id",
        )
    )
    rows = [r for r in rows if r[-1] in out]
    if not rows:
        return out
    targets = pl.DataFrame(
        [(r[0], r[1], r[2], r[3], r[4], float(r[5]), r[6], r[7]) for r in rows],
        schema={
            "target_id": pl.Int64,
            "reference": pl.String,
            "indicator_id": pl.Int64,
            "indicator": pl.String,
            "polarity": pl.String,
            "level": pl.Float64,
            "deadline": pl.Date,
            "unit_id": pl.Int64,
        },
        orient="row",
    )
    values = approved_values(
        units=targets["unit_id"].to_list(),
        indicators=targets["indicator_id"].to_list(),
        until=as_of,
        intervals=True,
    )
    latest = values.sort("period").group_by("unit_id", "indicator_id").last()
    milestones = pl.DataFrame(
        [
            (t, p, float(v))
            for t, p, v in Milestone.objects.filter(target_id__in=targets["target_id"].to_list()).values_list(
                "target_id", "period_start", "level"
            )
        ],
        schema={"target_id": pl.Int64, "period": pl.Date, "milestone": pl.Float64},
        orient="row",
    ).sort("period")
    joined = targets.join(latest, on=["unit_id", "indicator_id"], how="left").sort("period")
    with_period = joined.filter(pl.col("period").is_not_null())
    placed = pl.concat(
        [
            with_period.join_asof(
                milestones, on="period", by="target_id", strategy="backward", check_sortedness=False
            ),
            joined.filter(pl.col("period").is_null()).with_columns(milestone=pl.lit(None, pl.Float64)),
        ],
        how="diagonal_relaxed",
    )
    # Before its first milestone a target has no milestone in force; with no value yet, the first one is.
    first = milestones.group_by("target_id").agg(pl.col("milestone").first().alias("first_milestone"))
    placed = placed.join(first, on="target_id", how="left").with_columns(
        milestone=pl.when(pl.col("period").is_null())
        .then(pl.col("first_milestone"))
        .otherwise(pl.col("milestone"))
    )
    judged = trajectory_statuses(placed.rename({"target_id": "key"})).rename({"key": "target_id"})
    sign_offs = {
        s.target_id: s for s in TrajectorySignOff.objects.filter(target_id__in=targets["target_id"].to_list())
    }
    for row in judged.sort("unit_id", "reference").iter_rows(named=True):
        sign_off = sign_offs.get(row["target_id"])
        out[row["unit_id"]].append(
            TrajectoryStatus(
                target_id=row["target_id"],
                reference=row["reference"],
                indicator=row["indicator"],
                unit_id=row["unit_id"],
                level=row["level"],
                deadline=row["deadline"],
                period=row["period"],
                value=_number(row["value"]),
                lower_95=_number(row["lower_95"]),
                upper_95=_number(row["upper_95"]),
                milestone=_number(row["milestone"]),
                status=row["status"],
                signed_off=None if sign_off is None else sign_off.is_signed_off,
                signed_off_by=sign_off.signed_off_name if sign_off else "",
            )
        )
    return out


def _number(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else float(value)


def open_negotiations(organisations: QuerySet[Organisation]) -> QuerySet[Negotiation]:
    return Negotiation.objects.filter(
        proposer__in=organisations,
        status__in=[NegotiationStatus.OPEN, NegotiationStatus.AWAITING_SIGNATURES],
    )


def waiting_for(user: AbstractBaseUser | AnonymousUser) -> list[tuple[str, list[Negotiation]]]:
    """The negotiations waiting for this person's next step, by step: four queries, whoever they are."""
    from django.db.models import Exists, OuterRef, Subquery

    from localstat.agreements.choices import NegotiationKind, Side
    from localstat.agreements.models import Signature

    last_kind = (
        NegotiationStep.objects.filter(negotiation=OuterRef("pk")).order_by("-number").values("kind")[:1]
    )
    visible = (
        negotiations_visible_to(user).annotate(last_kind=Subquery(last_kind)).order_by("opened_on", "id")
    )
    is_open = visible.filter(status=NegotiationStatus.OPEN)
    awaiting = visible.filter(status=NegotiationStatus.AWAITING_SIGNATURES)

    def signed(side: str) -> Exists:
        return Exists(Signature.objects.filter(negotiation=OuterRef("pk"), side=side))

    def for_(action: str) -> QuerySet[Organisation]:
        return permitted_organisations(user, action)

    groups = [
        (
            "To challenge or agree",
            is_open.filter(
                proposer__in=for_("agreements.agree"), last_kind__in=[StepKind.PROPOSAL, StepKind.REVISION]
            ),
        ),
        (
            "To revise after a challenge",
            is_open.filter(proposer__in=for_("agreements.propose"), last_kind=StepKind.CHALLENGE),
        ),
        (
            "To sign for your organisation",
            awaiting.filter(proposer__in=for_("agreements.propose")).exclude(signed(Side.PROPOSER)),
        ),
        (
            "To sign a reward grant for the department",
            awaiting.filter(
                proposer__in=for_("agreements.approve_grant"),
                kind=NegotiationKind.LOCAL_PSA,
                local_psa__reward_grant__gt=0,
            ).exclude(signed(Side.DEPARTMENT)),
        ),
    ]
    return [(label, list(found[:100])) for label, found in groups]
