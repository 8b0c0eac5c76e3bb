"""Every write of the regime: drafting and publishing rules, evaluating them, and people's decisions.

Rules propose; people decide (seed 4.9, 4.11, A.8). ``evaluate_regimes`` runs every published rule set
over its assessment's judgements (the pure engine decides what holds) and records proposals and each
period's scheme payments; a person confirms, changes or rejects each, and a change or a rejection needs a
reason that stays beside the proposal.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Any

import polars as pl
from django.db import transaction

from localstat.chain.access import Actor, authorise
from localstat.chain.choices import ChainRole
from localstat.chain.models import Organisation, Service
from localstat.chain.selectors import links_current_on
from localstat.core import bulk, clock
from localstat.core.audit import record_event
from localstat.core.clock import today
from localstat.engine.regime import RuleSet, evaluate_rules
from localstat.regime import frames, notifications
from localstat.regime.choices import (
    Decision,
    InterventionEventKind,
    InterventionStatus,
    ProposalKind,
    RuleSetStatus,
)
from localstat.regime.models import (
    ExceptionAlert,
    Intervention,
    InterventionEvent,
    Payment,
    Proposal,
)
from localstat.regime.models import RuleSet as RuleSetRecord
from localstat.regime.services.lapses import lapse_stale_proposals
from localstat.regime.services.proposing import propose
from localstat.regime.services.rule_sets import (
    add_months,
    check_rules_for,
    grant_baseline_freedoms,
    read_rules,
    rules_of,
)


@dataclass
class RegimeEvaluation:
    """What one evaluation of one rule set did."""

    rule_set: RuleSetRecord
    run_id: int | None
    triggered: dict[str, int] = field(default_factory=dict)
    proposals: list[Proposal] = field(default_factory=list)
    payments: int = 0
    payments_earned: int = 0
    baseline: int = 0
    alerts: int = 0
    lapsed: int = 0
    skipped: str = ""

    @property
    def summary(self) -> str:
        if self.skipped:
            return f"{self.rule_set.label}: {self.skipped}"
        fired = ", ".join(f"{rule} {n}" for rule, n in self.triggered.items()) or "nothing"
        return (
            f"{self.rule_set.operator.code} {self.rule_set.label} on run {self.run_id}: triggered {fired}; "
            f"{len(self.proposals)} new proposals, {self.lapsed} lapsed, {self.payments} payments computed "
            f"({self.payments_earned} earned), {self.alerts} department alerts"
        )


def _evidence(raw: str) -> dict[str, Any]:
    return json.loads(raw) if raw else {}


def evaluate_rule_set(
    record: RuleSetRecord, *, as_of: date, write: bool = True, rules: RuleSet | None = None
) -> tuple[RegimeEvaluation, pl.DataFrame, pl.DataFrame]:
    """Evaluate one rule set at ``as_of``: the engine's triggers and payments, and (``write``) the new
    proposals and payments stored. A preview passes ``write=False`` and a draft's ``rules``."""
    rules = rules or rules_of(record)
    inputs = frames.inputs_for(record, rules, as_of)
    report = RegimeEvaluation(rule_set=record, run_id=inputs.run.pk if inputs else None)
    if inputs is None:
        report.skipped = f"no assessment run at or before {as_of}: run localstat assess first"
        empty = pl.DataFrame()
        return report, empty, empty
    evaluation = evaluate_rules(
        rules,
        subjects=inputs.subjects,
        series=inputs.series,
        points=inputs.points,
        indicators=inputs.indicators,
    )
    triggers = evaluation.triggers.join(
        inputs.subjects.select("unit", "organisation_id"), on="unit", how="left"
    )
    report.triggered = {
        rule: int(n)
        for rule, n in triggers.filter(pl.col("holds")).group_by("rule").len().sort("rule").rows()
    }
    payments = evaluation.payments.join(
        inputs.subjects.select("unit", "organisation_id"), on="unit", how="left"
    )
    if write:
        periods = inputs.series.group_by("unit").agg(pl.col("period").max())
        report.lapsed = lapse_stale_proposals(record, rules, triggers, run_id=report.run_id, as_of=as_of)
        report.proposals = propose(record, rules, triggers, inputs.run, as_of, periods)
        report.payments, report.payments_earned = _store_payments(record, rules, payments)
        report.alerts = len(raise_exception_alerts(record, rules, as_of))
        report.baseline = (
            grant_baseline_freedoms(record, rules, as_of) if record.status == RuleSetStatus.PUBLISHED else 0
        )
    return report, triggers, payments


def _month_end(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def _months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end``; a month's last day completes a month begun on a later
    day of the month (31 January to 30 April is three months)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (end.day < start.day and not _month_end(end))


def raise_exception_alerts(record: RuleSetRecord, rules: RuleSet, as_of: date) -> list[ExceptionAlert]:
    """Alert the department about each unit whose intervention has stayed open for the rule set's
    ``intervention_by_exception.after_months`` without the unit recovering (seed 1.8, 6.2); once per
    intervention. The department sees these cases and nothing else about individual units."""
    department = (
        links_current_on(as_of)
        .filter(service=record.service, role=ChainRole.DEPARTMENT)
        .values_list("organisation_id", flat=True)
        .first()
    )
    if department is None:
        return []
    # The latest opening date ``after_months`` whole months before: from a month's last day, the last
    # day of the month that many before (31 January is three months before 30 April).
    since = add_months(as_of, -rules.exception_after_months)
    overdue = list(
        Intervention.objects.filter(
            operator=record.operator,
            service=record.service,
            status=InterventionStatus.OPEN,
            opened_on__lte=since,
            alert__isnull=True,
        )
        .exclude(proposals__kind=ProposalKind.CLOSE_INTERVENTION, proposals__status=Decision.OPEN)
        .select_related("organisation", "owner")
    )
    alerts = [
        ExceptionAlert(
            intervention=i,
            department_id=department,
            raised_on=as_of,
            months_open=_months_between(i.opened_on, as_of),
            evidence={
                "level": i.level,
                "opened_on": i.opened_on.isoformat(),
                "review_on": i.review_on.isoformat(),
                "owner": i.owner.code,
                "after_months": rules.exception_after_months,
            },
        )
        for i in overdue
    ]
    ExceptionAlert.objects.bulk_create(alerts)
    InterventionEvent.objects.bulk_create(
        InterventionEvent(
            intervention=a.intervention,
            kind=InterventionEventKind.ALERTED,
            level=a.intervention.level,
            on=as_of,
            reason=f"Open {a.months_open} months without recovering: the department is alerted (by exception).",
        )
        for a in alerts
    )
    if alerts:
        notifications.department_alerted(department, alerts)
    return alerts


def _store_payments(record: RuleSetRecord, rules: RuleSet, payments: pl.DataFrame) -> tuple[int, int]:
    """Each new period's payment, all or nothing, in one bulk insert; a period already computed is
    never recomputed."""
    if payments.height == 0:
        return 0, 0
    existing = bulk.read_frame(
        f'SELECT rule_id, organisation_id, period FROM "{Payment._meta.db_table}" '
        "WHERE operator_id = %s AND service_id = %s",
        [record.operator_id, record.service_id],
        {"rule_id": pl.String, "organisation_id": pl.Int64, "period": pl.Date},
    )
    new = (
        payments.filter(pl.col("organisation_id").is_not_null())
        .rename({"rule": "rule_id"})
        .join(existing, on=["rule_id", "organisation_id", "period"], how="anti")
    )
    titles = {rule.id: rule.title for rule in rules.rules}
    rows = new.select(
        pl.col("organisation_id"),
        pl.lit(record.service_id, dtype=pl.Int64).alias("service_id"),
        pl.lit(record.operator_id, dtype=pl.Int64).alias("operator_id"),
        pl.lit(record.pk, dtype=pl.Int64).alias("rule_set_id"),
        pl.col("rule_id"),
        pl.col("rule_id").replace_strict(titles, return_dtype=pl.String).alias("scheme"),
        pl.col("period"),
        pl.col("earned"),
        pl.col("amount").round(2).alias("amount_due"),
        pl.lit(None, dtype=pl.Float64).alias("amount_paid"),
        pl.col("evidence"),
        pl.lit(Decision.OPEN.value).alias("status"),
        pl.lit("").alias("reason"),
        pl.lit(None, dtype=pl.Int64).alias("decided_by_id"),
        pl.lit(None, dtype=pl.Datetime(time_zone="UTC")).alias("decided_at"),
        pl.lit(clock.now().astimezone(UTC)).alias("created_at"),
    )
    bulk.insert_frame(Payment._meta.db_table, rows, ignore_conflicts=True)
    return new.height, int(new["earned"].sum())


def evaluate_regimes(*, as_of: date | None = None, acting_user: Actor = None) -> list[RegimeEvaluation]:
    """Evaluate every published rule set at ``as_of`` (default today). Idempotent: a second evaluation
    for the same date proposes nothing new and computes no payment twice."""
    as_of = as_of or today()
    reports = []
    for record in RuleSetRecord.objects.filter(status=RuleSetStatus.PUBLISHED).select_related(
        "operator", "service"
    ):
        with transaction.atomic():
            report, _, _ = evaluate_rule_set(record, as_of=as_of)
        reports.append(report)
        record_event(
            actor=acting_user,
            action="regime.evaluate",
            subject=record,
            summary=report.summary,
            data={
                "as_of": str(as_of),
                "run": report.run_id,
                "triggered": report.triggered,
                "proposals": len(report.proposals),
                "payments": report.payments,
            },
        )
    return reports


@dataclass
class Preview:
    """What a draft would propose on the judgements now, without writing anything."""

    rules: RuleSet
    report: RegimeEvaluation
    triggered: dict[str, list[str]]
    payments: dict[str, tuple[int, int, float]]


def preview_rules(
    *, operator: Organisation, service: Service, source: str, as_of: date | None = None, acting_user: Actor
) -> Preview:
    """Read ``source`` and evaluate it on the judgements at ``as_of``, writing nothing."""
    authorise(acting_user, "regime.manage_rules", [operator])
    rules = read_rules(source)
    check_rules_for(rules, operator=operator, service=service)
    as_of = as_of or today()
    record = RuleSetRecord(operator=operator, service=service, version=0, title=rules.title, rules={})
    report, triggers, payments = evaluate_rule_set(record, as_of=as_of, write=False, rules=rules)
    triggered: dict[str, list[str]] = {
        rule.id: [] for rule in rules.rules if rule.consequence.kind != "payment"
    }
    if triggers.height:
        for rule, units in (
            triggers.filter(pl.col("holds")).group_by("rule").agg(pl.col("unit").sort()).rows()
        ):
            triggered[rule] = list(units)
    paid: dict[str, tuple[int, int, float]] = {}
    if payments.height:
        for rule, n, earned, total in (
            payments.group_by("rule")
            .agg(pl.len(), pl.col("earned").sum(), pl.col("amount").sum())
            .sort("rule")
            .rows()
        ):
            paid[rule] = (int(n), int(earned), float(total))
    return Preview(rules=rules, report=report, triggered=triggered, payments=paid)


# ---------------------------------------------------------------------------------------------------
# Decisions
