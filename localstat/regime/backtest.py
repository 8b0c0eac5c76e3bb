"""Backtesting a rule set on stored history: "if these rules had been in force, which units would they
have triggered, when, and did they recover?" (issue 9; seed 4.11, C.7).

Every month end from the first stored period is replayed with only the data available then: each
period's value as it was first approved, and a later correction only from the day it was made, so a
later revision cannot change an earlier trigger. Each replay judges the service with the engine
(``assess``) and evaluates the rules on it (``evaluate_rules``); ``trigger_outcomes`` reads what
happened 3 and 6 periods after each trigger. Nothing is written.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import polars as pl

from localstat.assessment import frames as assessment_frames
from localstat.chain.access import Actor, authorise
from localstat.chain.models import Organisation, Service
from localstat.core import bulk
from localstat.core.clock import today
from localstat.engine.assess import assess
from localstat.engine.regime import RuleSet, evaluate_rules, trigger_outcomes
from localstat.regime import frames
from localstat.regime.errors import RegimeError
from localstat.regime.models import KeptBacktest
from localstat.regime.models import RuleSet as RuleSetRecord
from localstat.regime.services import check_rules_for

_OBSERVATIONS_SQL = """
    SELECT u.code, i.code, o.period_start, o.numerator, o.denominator, o.revision, o.created_at
    FROM returns_observation o
    JOIN chain_organisation u ON u.id = o.unit_id
    JOIN framework_indicator i ON i.id = o.indicator_id
    WHERE i.service_id = %s AND o.approved_at IS NOT NULL
"""
_TEXT = ("vs_national", "vs_peers", "vs_standard", "target_status", "variation", "assurance", "trend")


@dataclass
class Backtest:
    """A replay's triggers and their outcomes, per rule and in all."""

    rules: RuleSet
    months: list[date]
    outcomes: pl.DataFrame
    payments: pl.DataFrame

    def summary(self) -> pl.DataFrame:
        """Per rule: triggers, subjects, recovered, not recovered, too recent to tell."""
        titles = pl.DataFrame(
            {"rule": [r.id for r in self.rules.rules], "title": [r.title for r in self.rules.rules]}
        )
        counts = self.outcomes.group_by("rule").agg(
            pl.len().alias("triggers"),
            pl.col("unit").n_unique().alias("units"),
            (pl.col("recovered") == True).sum().alias("recovered"),  # noqa: E712  (a null is not False)
            (pl.col("recovered") == False).sum().alias("not_recovered"),  # noqa: E712
            pl.col("recovered").is_null().sum().alias("too_recent"),
        )
        return (
            titles.join(counts, on="rule", how="left")
            .with_columns(
                pl.col(c).fill_null(0)
                for c in ("triggers", "units", "recovered", "not_recovered", "too_recent")
            )
            .filter(
                ~pl.col("rule").is_in(self.payments["rule"].unique().to_list())
                if self.payments.height
                else pl.lit(True)
            )
        )

    def payment_totals(self) -> pl.DataFrame:
        if self.payments.height == 0:
            return pl.DataFrame(
                schema={
                    "rule": pl.String,
                    "unit_periods": pl.UInt32,
                    "earned": pl.UInt32,
                    "total": pl.Float64,
                }
            )
        return self.payments.group_by("rule").agg(
            pl.len().alias("unit_periods"),
            pl.col("earned").sum().alias("earned"),
            pl.col("amount").sum().alias("total"),
        )


def month_ends(first: date, last: date) -> list[date]:
    found = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        found.append(date(year, month, calendar.monthrange(year, month)[1]))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def observations_of(service: Service) -> pl.DataFrame:
    """Every approved revision of every observation of the service's indicators (one query)."""
    return bulk.read_frame(
        _OBSERVATIONS_SQL,
        [service.pk],
        {
            "unit": pl.String,
            "indicator": pl.String,
            "period": pl.Date,
            "numerator": pl.Float64,
            "denominator": pl.Float64,
            "revision": pl.Int64,
            "created_at": pl.Datetime(time_zone="UTC"),
        },
    )


def as_known_at(observations: pl.DataFrame, day: date) -> pl.DataFrame:
    """The values available at the end of ``day``: periods up to it, each as first approved, or as
    corrected by a revision made on or before it (no look-ahead)."""
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
    keys = ["unit", "indicator", "period"]
    return (
        observations.filter(pl.col("period") <= day)
        .with_columns(first=pl.col("revision").min().over(keys))
        .filter((pl.col("revision") == pl.col("first")) | (pl.col("created_at") < end))
        .sort("revision")
        .unique(keys, keep="last")
        .select(*keys, "numerator", "denominator")
    )


def backtest_rules(
    *,
    rules: RuleSet,
    operator: Organisation,
    service: Service,
    date_from: date | None = None,
    date_to: date | None = None,
    acting_user: Actor,
) -> Backtest:
    """Replay ``rules`` (a draft or a published version) month by month over stored history."""
    authorise(acting_user, "regime.manage_rules", [operator])
    check_rules_for(rules, operator=operator, service=service)
    stored = observations_of(service)
    if stored.height == 0:
        raise RegimeError(f"{service} has no approved data to replay.", code="invalid")
    first = max(date_from or stored["period"].min(), stored["period"].min())  # type: ignore[type-var]
    last = min(date_to or today(), today())
    if last < first:
        raise RegimeError(f"Nothing to replay between {first} and {last}.", code="invalid")
    record = RuleSetRecord(operator=operator, service=service, version=0, title=rules.title, rules={})
    codes = sorted(stored["indicator"].unique().to_list())
    targets, milestones = assessment_frames.targets_frames(codes)
    level = "tier" if rules.applies_to == "intermediate_tier" else "unit"
    referenced = set(rules.indicator_codes)
    months = month_ends(first, last)
    found, judged, paid = [], [], []
    for step, month_end in enumerate(months):
        known = as_known_at(stored, month_end)
        if known.height == 0:
            continue
        indicators = assessment_frames.indicators_frame(codes, month_end)
        result = assess(
            known,
            indicators=indicators,
            targets=targets,
            milestones=milestones,
            peers=assessment_frames.peers_frame(month_end),
            hierarchy=assessment_frames.hierarchy_frame(month_end),
            as_of=month_end,
            points=True,
        )
        ids = frames.subject_ids(record, rules, month_end)
        code_of = dict(Organisation.objects.filter(pk__in=ids).values_list("code", "pk"))
        positions = result.tiers.rename({"body": "unit"}) if level == "tier" else result.positions
        subjects = pl.DataFrame(
            {"unit": list(code_of), "organisation_id": list(code_of.values())},
            schema={"unit": pl.String, "organisation_id": pl.Int64},
        ).join(
            positions.select(
                pl.col("unit").cast(pl.String),
                pl.col("band").cast(pl.String),
                pl.col("position").cast(pl.String),
                "absolute_score",
                "direction_score",
            ).unique("unit"),
            on="unit",
            how="left",
        )
        subjects = frames.with_capacity(subjects, ids, month_end)
        series = result.series.filter(
            (pl.col("level").cast(pl.String) == level) & pl.col("indicator").is_in(list(referenced))
        ).with_columns([pl.col(c).cast(pl.String) for c in _TEXT])
        points = (
            result.points.filter(pl.col("level").cast(pl.String) == level).select(
                "unit", "indicator", "period", "value", pl.col("point_type").cast(pl.String)
            )
            if result.points is not None
            else None
        )
        evaluation = evaluate_rules(
            rules,
            subjects=subjects,
            series=series,
            points=points,
            indicators=indicators.select("indicator", "polarity", "standard"),
        )
        found.append(
            evaluation.triggers.select(
                pl.lit(step).alias("step"), pl.lit(month_end).alias("as_of"), "rule", "unit", "holds"
            )
        )
        judged.append(
            series.join(indicators.select("indicator", "polarity"), on="indicator", how="left").select(
                pl.lit(step).alias("step"),
                "unit",
                "indicator",
                pl.col("period").cast(pl.Date),
                "value",
                "variation",
                pl.coalesce(pl.col("standard"), pl.col("target_level")).alias("level"),
                "polarity",
            )
        )
        if evaluation.payments.height:
            month_start = month_end.replace(day=1)
            paid.append(evaluation.payments.filter(pl.col("period") == month_start))
    if not found:
        raise RegimeError("No month in that range has approved data.", code="invalid")
    triggers = pl.concat(found)
    rule_indicators = {
        rule.id: (rule.when.indicator_codes[0] if rule.when.indicator_codes else None) for rule in rules.rules
    }
    payment_rules = [rule.id for rule in rules.rules if rule.consequence.kind == "payment"]
    outcomes = trigger_outcomes(
        triggers.filter(~pl.col("rule").is_in(payment_rules)), pl.concat(judged), rule_indicators
    )
    payments = pl.concat(paid) if paid else pl.DataFrame()
    return Backtest(rules=rules, months=months, outcomes=outcomes, payments=payments)


#: Triggers a page lists, newest first.
PAGE_TRIGGERS = 200
_DATA_SQL = """
    SELECT count(*), max(o.id), max(o.approved_at)
    FROM returns_observation o
    JOIN framework_indicator i ON i.id = o.indicator_id
    WHERE i.service_id = %s AND o.approved_at IS NOT NULL
"""


def _data_now(service: Service) -> str:
    """What the replay reads, in a few numbers: the newest complete assessment run and the service's
    approved observations (how many, the newest, the latest approval). Any new data changes it."""
    from django.db import connection

    run = frames.run_for(date.max)
    with connection.cursor() as cursor:
        cursor.execute(_DATA_SQL, [service.pk])
        count, newest, approved = cursor.fetchone()
    return f"run {run.pk if run else '-'}; {count} observations, newest {newest}, approved {approved}"


def _tables(result: Backtest) -> dict[str, Any]:
    triggers = result.outcomes.sort("as_of", descending=True).head(PAGE_TRIGGERS)
    return {
        "months": result.months,
        "summary": result.summary().to_dicts(),
        "payments": result.payment_totals().to_dicts(),
        "triggers": triggers.to_dicts(),
        "count": result.outcomes.height,
        "dates": [name for name, kind in triggers.schema.items() if kind == pl.Date],
    }


def _read_tables(tables: dict[str, Any]) -> dict[str, Any]:
    """The tables as kept (JSON) with their dates as dates again."""
    dates = tables.get("dates", [])
    return {
        **tables,
        "months": [date.fromisoformat(m) for m in tables["months"]],
        "triggers": [
            {k: date.fromisoformat(v) if k in dates and v else v for k, v in row.items()}
            for row in tables["triggers"]
        ],
    }


def kept_backtest(
    *,
    rules: RuleSet,
    operator: Organisation,
    service: Service,
    date_from: date,
    date_to: date,
    acting_user: Actor,
) -> dict[str, Any]:
    """A backtest's tables for a page, computed once per rule set, window and state of the data and
    kept: a second look at the same rules over the same window, with no new data, reads the kept
    tables instead of replaying every month again. Authorised every time."""
    authorise(acting_user, "regime.manage_rules", [operator])
    check_rules_for(rules, operator=operator, service=service)
    data = _data_now(service)
    written = json.dumps(
        [rules.as_record(), operator.pk, service.pk, date_from.isoformat(), date_to.isoformat(), data],
        sort_keys=True,
    )
    key = hashlib.sha256(written.encode()).hexdigest()
    kept = KeptBacktest.objects.filter(key=key).values_list("tables", flat=True).first()
    if kept is not None:
        return _read_tables(kept)
    tables = _tables(
        backtest_rules(
            rules=rules,
            operator=operator,
            service=service,
            date_from=date_from,
            date_to=date_to,
            acting_user=acting_user,
        )
    )
    # What was kept on older data will never be read again.
    KeptBacktest.objects.filter(operator=operator, service=service).exclude(data=data).delete()
    KeptBacktest.objects.get_or_create(
        key=key,
        defaults={
            "operator": operator,
            "service": service,
            "date_from": date_from,
            "date_to": date_to,
            "data": data,
            "tables": tables,
        },
    )
    return tables
