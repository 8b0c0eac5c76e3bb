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
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from django.db import transaction
from django.utils import timezone

from localstat.chain.access import Actor, authorise
from localstat.chain.choices import ChainRole
from localstat.chain.models import Organisation, Service
from localstat.chain.selectors import links_current_on
from localstat.core import bulk
from localstat.core.audit import record_event
from localstat.core.clock import today
from localstat.engine.regime import LEVELS, RegimeRulesError, RuleSet, evaluate_rules, regime_rules
from localstat.framework.choices import ExemptionGrounds
from localstat.framework.errors import FrameworkError
from localstat.framework.models import Indicator
from localstat.framework.services.exemptions import end_exemption, grant_exemption
from localstat.regime import frames, notifications
from localstat.regime.choices import (
    INTERVENTION_PROPOSALS,
    Decision,
    FreedomBasis,
    InterventionEventKind,
    InterventionStatus,
    ProposalKind,
    RewardKind,
    RuleSetStatus,
)
from localstat.regime.errors import RegimeError
from localstat.regime.explain import conditions_words, freedom_words, grant_reason
from localstat.regime.models import (
    ExceptionAlert,
    Freedom,
    Intervention,
    InterventionEvent,
    Payment,
    Proposal,
    Reward,
)
from localstat.regime.models import RuleSet as RuleSetRecord
from localstat.regime.selectors import in_force

MAX_SOURCE = 100_000
#: LocalStat's published default rules: the starting point of a new rule set.
RULES_EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "regime-rules.yaml"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), on the month's last day where it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _user(acting_user: Actor) -> Any:
    return acting_user if acting_user is not None and acting_user.is_authenticated else None


def read_rules(source: str) -> RuleSet:
    """The rule set written in ``source`` (YAML), or a :class:`RegimeError` saying what is wrong."""
    if not source.strip():
        raise RegimeError("The rules are empty: write them in YAML (docs/regime-rules.md).", code="required")
    if len(source) > MAX_SOURCE:
        raise RegimeError(f"The rules are longer than {MAX_SOURCE:,} characters.", code="invalid")
    try:
        raw = yaml.safe_load(source)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "it is not valid YAML"
        raise RegimeError(f"The rules cannot be read{where}: {problem}.", code="invalid") from error
    if not isinstance(raw, dict):
        raise RegimeError("The rules must be a YAML mapping with title and rules.", code="invalid")
    try:
        return regime_rules(raw)
    except RegimeRulesError as error:
        raise RegimeError(str(error), code="invalid") from error


def check_rules_for(rules: RuleSet, *, operator: Organisation, service: Service) -> None:
    """What the engine cannot know: the operator runs a chain of the service, and every indicator the
    rules name measures that service."""
    roles = set(
        links_current_on(None).filter(organisation=operator, service=service).values_list("role", flat=True)
    )
    if not roles & {ChainRole.DEPARTMENT, ChainRole.INTERMEDIATE_TIER}:
        raise RegimeError(
            f"{operator.code} is neither a department nor an intermediate-tier body in {service}, "
            "so it operates no regime there.",
            code="invalid",
        )
    if rules.applies_to == "intermediate_tier" and ChainRole.DEPARTMENT not in roles:
        raise RegimeError(
            "applies_to: intermediate_tier is for a department's rules about its intermediate tier; "
            f"{operator.code} is not {service}'s department.",
            code="invalid",
        )
    codes = set(rules.indicator_codes)
    known = set(Indicator.objects.filter(code__in=codes, service=service).values_list("code", flat=True))
    unknown = sorted(codes - known)
    if unknown:
        raise RegimeError(
            f"The rules name {', '.join(unknown)}, which {'is not an indicator' if len(unknown) == 1 else 'are not indicators'} "
            f"of {service}.",
            code="invalid",
        )


@transaction.atomic
def draft_rule_set(
    *, operator: Organisation, service: Service, source: str, notes: str = "", acting_user: Actor
) -> RuleSetRecord:
    """Save ``source`` as the next version of the operator's rules, as a draft. Every save is a new
    version, so nothing written is ever overwritten."""
    authorise(acting_user, "regime.manage_rules", [operator])
    rules = read_rules(source)
    check_rules_for(rules, operator=operator, service=service)
    last = (
        RuleSetRecord.objects.select_for_update(of=("self",))
        .filter(operator=operator, service=service)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    record = RuleSetRecord.objects.create(
        operator=operator,
        service=service,
        version=(last or 0) + 1,
        title=rules.title,
        source=source,
        rules=rules.as_record(),
        applies_to=rules.applies_to,
        notes=notes.strip(),
        created_by=_user(acting_user),
    )
    record_event(
        actor=acting_user,
        action="regime.draft_rule_set",
        subject=record,
        summary=f"Drafted {operator.code}'s {service.code} rules, version {record.version}",
        data={"notes": notes},
    )
    return record


def rules_of(record: RuleSetRecord) -> RuleSet:
    return regime_rules(record.rules)


@transaction.atomic
def publish_rule_set(*, rule_set: RuleSetRecord, on: date | None = None, acting_user: Actor) -> RuleSetRecord:
    """Publish a draft: it supersedes the version in force, and its baseline freedoms go to every
    subject (those the previous version gave and this one does not, end)."""
    record = (
        RuleSetRecord.objects.select_for_update(of=("self",))
        .select_related("operator", "service")
        .get(pk=rule_set.pk)
    )
    authorise(acting_user, "regime.manage_rules", [record.operator])
    if record.status != RuleSetStatus.DRAFT:
        raise RegimeError(
            f"Version {record.version} is {record.get_status_display().lower()}; only a draft is published.",
            code="invalid",
        )
    on = on or today()
    rules = rules_of(record)
    check_rules_for(rules, operator=record.operator, service=record.service)
    previous = RuleSetRecord.objects.filter(
        operator=record.operator, service=record.service, status=RuleSetStatus.PUBLISHED
    ).first()
    if previous is not None:
        previous.status, previous.superseded_on = RuleSetStatus.SUPERSEDED, on
        previous.save(update_fields=["status", "superseded_on"])
        kept = {b.freedom for b in rules.baseline_freedoms}
        Freedom.objects.filter(in_force(on), rule_set=previous, basis=FreedomBasis.BASELINE).exclude(
            kind__in=kept
        ).update(ends_on=on, end_reason=f"No longer a baseline freedom in version {record.version}.")
    record.status, record.published_on, record.published_by = RuleSetStatus.PUBLISHED, on, _user(acting_user)
    record.save(update_fields=["status", "published_on", "published_by"])
    granted = grant_baseline_freedoms(record, rules, on)
    record_event(
        actor=acting_user,
        action="regime.publish_rule_set",
        subject=record,
        summary=f"Published {record.operator.code}'s {record.service.code} rules, version {record.version}",
        data={"superseded": previous.version if previous else None, "baseline_freedoms": granted},
    )
    return record


def grant_baseline_freedoms(record: RuleSetRecord, rules: RuleSet, on: date) -> int:
    """Every subject without them gets the rule set's baseline freedoms (one bulk insert)."""
    if not rules.baseline_freedoms:
        return 0
    ids = frames.subject_ids(record, rules, on)
    have = set(
        Freedom.objects.filter(
            in_force(on),
            organisation_id__in=ids,
            operator=record.operator,
            service=record.service,
            basis=FreedomBasis.BASELINE,
        ).values_list("organisation_id", "kind")
    )
    reason = (
        f"Granted to every {'body' if rules.applies_to == 'intermediate_tier' else 'unit'} by {record.label}."
    )
    new = [
        Freedom(
            organisation_id=pk,
            service=record.service,
            operator=record.operator,
            kind=baseline.freedom,
            basis=FreedomBasis.BASELINE,
            title=baseline.title,
            description=baseline.description,
            starts_on=on,
            reason=reason,
            rule_set=record,
        )
        for pk in ids
        for baseline in rules.baseline_freedoms
        if (pk, baseline.freedom) not in have
    ]
    Freedom.objects.bulk_create(new, batch_size=1000)
    return len(new)


# ---------------------------------------------------------------------------------------------------
# Evaluation


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
    skipped: str = ""

    @property
    def summary(self) -> str:
        if self.skipped:
            return f"{self.rule_set.label}: {self.skipped}"
        fired = ", ".join(f"{rule} {n}" for rule, n in self.triggered.items()) or "nothing"
        return (
            f"{self.rule_set.operator.code} {self.rule_set.label} on run {self.run_id}: triggered {fired}; "
            f"{len(self.proposals)} new proposals, {self.payments} payments computed "
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
        periods = dict(inputs.series.group_by("unit").agg(pl.col("period").max()).rows())
        report.proposals = _propose(record, rules, triggers, inputs.run, as_of, periods)
        report.payments, report.payments_earned = _store_payments(record, rules, payments)
        report.alerts = len(raise_exception_alerts(record, rules, as_of))
        report.baseline = (
            grant_baseline_freedoms(record, rules, as_of) if record.status == RuleSetStatus.PUBLISHED else 0
        )
    return report, triggers, payments


def _already_decided(
    decided: dict[tuple[str, int, str], date], rule_id: str, org_id: int, kind: str, period: date | None
) -> bool:
    last = decided.get((rule_id, org_id, kind))
    return last is not None and (period is None or period <= last)


def _propose(
    record: RuleSetRecord,
    rules: RuleSet,
    triggers: pl.DataFrame,
    run: Any,
    as_of: date,
    periods: dict[str, date],
) -> list[Proposal]:
    """New proposals from the triggers: a freedom where none from the rule is in force, a withdrawal
    where one is and the rule says it should end, a reward where none was given within its repeat
    period; never a second open proposal for the same rule and subject."""
    mine = Proposal.objects.filter(rule_set__operator=record.operator, rule_set__service=record.service)
    open_keys = set(mine.filter(status=Decision.OPEN).values_list("rule_id", "organisation_id", "kind"))
    # A decided proposal is not made again on the same evidence: only a newer judged period reopens it.
    decided: dict[tuple[str, int, str], date] = {}
    for rule_id, org_id, kind, period in (
        mine.exclude(status=Decision.OPEN)
        .filter(period__isnull=False)
        .values_list("rule_id", "organisation_id", "kind", "period")
    ):
        key = (rule_id, org_id, kind)
        decided[key] = max(period, decided.get(key, period))
    earned = {
        (f.rule_id, f.organisation_id): f
        for f in Freedom.objects.filter(
            in_force(as_of),
            operator=record.operator,
            service=record.service,
            basis=FreedomBasis.EARNED,
        )
    }
    recent_rewards: set[tuple[str, int]] = set()
    for rule in rules.rules:
        if rule.consequence.kind == "reward":
            since = add_months(as_of, -rule.consequence.repeat_after_months)
            recent_rewards |= set(
                Reward.objects.filter(
                    operator=record.operator, service=record.service, rule_id=rule.id, awarded_on__gt=since
                ).values_list("rule_id", "organisation_id")
            )
    new: list[Proposal] = _propose_interventions(
        record, rules, triggers, run, as_of, periods, open_keys, decided
    )
    ladder = [rule.id for rule in rules.rules if rule.consequence.kind == "intervention"]
    rows = triggers.filter(pl.col("organisation_id").is_not_null() & ~pl.col("rule").is_in(ladder)).select(
        "rule", "unit", "organisation_id", "holds", "withdraw", "evidence"
    )
    for rule_id, unit, org_id, holds, withdraw, evidence in rows.filter(
        pl.col("holds") | pl.col("withdraw")
    ).iter_rows():
        rule = rules.rule(rule_id)
        kind = rule.consequence.kind
        base = {
            "rule_set": record,
            "rule_id": rule.id,
            "rule_title": rule.title,
            "organisation_id": org_id,
            "run": run,
            "as_of": as_of,
            "period": periods.get(unit),
            "evidence": _evidence(evidence),
        }
        if kind == "freedom":
            current = earned.get((rule.id, org_id))
            if (
                holds
                and current is None
                and (rule.id, org_id, ProposalKind.GRANT_FREEDOM) not in open_keys
                and not _already_decided(
                    decided, rule.id, org_id, ProposalKind.GRANT_FREEDOM, periods.get(unit)
                )
            ):
                ends = add_months(as_of, rule.consequence.months) if rule.consequence.months else None
                new.append(
                    Proposal(
                        kind=ProposalKind.GRANT_FREEDOM,
                        proposed={
                            "freedom": rule.consequence.freedom,
                            "title": rule.title,
                            "indicator": rule.consequence.indicator,
                            "starts_on": as_of.isoformat(),
                            "ends_on": ends.isoformat() if ends else None,
                        },
                        **base,
                    )
                )
            elif (
                withdraw
                and current is not None
                and (rule.id, org_id, ProposalKind.WITHDRAW_FREEDOM) not in open_keys
            ):
                new.append(
                    Proposal(
                        kind=ProposalKind.WITHDRAW_FREEDOM,
                        freedom=current,
                        proposed={
                            "freedom": current.kind,
                            "title": current.title,
                            "ends_on": as_of.isoformat(),
                        },
                        **base,
                    )
                )
        elif kind == "reward" and holds:
            if (rule.id, org_id) in recent_rewards or (rule.id, org_id, ProposalKind.REWARD) in open_keys:
                continue
            if _already_decided(decided, rule.id, org_id, ProposalKind.REWARD, periods.get(unit)):
                continue
            new.append(
                Proposal(
                    kind=ProposalKind.REWARD,
                    proposed={
                        "reward": rule.consequence.reward,
                        "title": rule.title,
                        "amount": rule.consequence.amount,
                    },
                    **base,
                )
            )
    Proposal.objects.bulk_create(new, batch_size=1000)
    if new:
        notifications.proposals_made(record, new)
    return new


def _propose_interventions(
    record: RuleSetRecord,
    rules: RuleSet,
    triggers: pl.DataFrame,
    run: Any,
    as_of: date,
    periods: dict[str, date],
    open_keys: set[tuple[str, int, str]],
    decided: dict[tuple[str, int, str], date],
) -> list[Proposal]:
    """The ladder (seed 4.11): open an intervention where a rule triggers and none is open; for an
    open one, propose closing it when its exit criteria are met, and one step up when they are not
    met by its review date. People confirm each step."""
    ladder = {rule.id: rule for rule in rules.rules if rule.consequence.kind == "intervention"}
    if not ladder or triggers.height == 0:
        return []
    rows = triggers.filter(pl.col("rule").is_in(list(ladder)) & pl.col("organisation_id").is_not_null())
    current = {
        i.organisation_id: i
        for i in Intervention.objects.filter(
            operator=record.operator, service=record.service, status=InterventionStatus.OPEN
        )
    }
    opening = {org for _, org, kind in open_keys if kind == ProposalKind.OPEN_INTERVENTION}
    pending = {(org, kind) for _, org, kind in open_keys}
    new: list[Proposal] = []

    def proposal(rule_id: str, unit: str, org_id: int, evidence: str, **fields: Any) -> Proposal:
        rule = ladder[rule_id]
        return Proposal(
            rule_set=record,
            rule_id=rule.id,
            rule_title=rule.title,
            organisation_id=org_id,
            run=run,
            as_of=as_of,
            period=periods.get(unit),
            evidence=_evidence(evidence),
            **fields,
        )

    # Opening: the first rule (in the file's order) that triggers for a unit with nothing open.
    opens = (
        rows.filter(pl.col("holds") & ~pl.col("organisation_id").is_in(list(current) + list(opening)))
        .with_columns(
            order=pl.col("rule").replace_strict({r: n for n, r in enumerate(ladder)}, return_dtype=pl.Int64)
        )
        .sort("organisation_id", "order")
        .unique("organisation_id", keep="first", maintain_order=True)
    )
    for rule_id, unit, org_id, evidence in opens.select(
        "rule", "unit", "organisation_id", "evidence"
    ).iter_rows():
        if _already_decided(decided, rule_id, org_id, ProposalKind.OPEN_INTERVENTION, periods.get(unit)):
            continue
        rule = ladder[rule_id]
        level = rule.consequence.level or LEVELS[0]
        new.append(
            proposal(
                rule_id,
                unit,
                org_id,
                evidence,
                kind=ProposalKind.OPEN_INTERVENTION,
                proposed={
                    "level": level,
                    "title": rule.title,
                    "review_on": add_months(as_of, rule.consequence.review_after_months).isoformat(),
                    "exit_criteria": conditions_words(rule.exit_when) if rule.exit_when else [],
                },
            )
        )
    # Open interventions: close, or one step up when the review date has passed.
    by_key = {
        (r, o): (u, e, x)
        for r, u, o, e, x in rows.select("rule", "unit", "organisation_id", "evidence", "exit").iter_rows()
    }
    for org_id, intervention in current.items():
        found = by_key.get((intervention.rule_id, org_id))
        if found is None:
            continue
        unit, evidence, exits = found
        rule = ladder[intervention.rule_id]
        if exits:
            kind = ProposalKind.CLOSE_INTERVENTION
            proposed: dict[str, Any] = {"level": intervention.level, "closed_on": as_of.isoformat()}
        elif intervention.review_on <= as_of and intervention.level != LEVELS[-1]:
            kind = ProposalKind.ESCALATE_INTERVENTION
            proposed = {
                "from_level": intervention.level,
                "level": LEVELS[LEVELS.index(intervention.level) + 1],
                "review_on": add_months(as_of, rule.consequence.review_after_months).isoformat(),
            }
        else:
            continue
        if (org_id, kind) in pending or _already_decided(decided, rule.id, org_id, kind, periods.get(unit)):
            continue
        new.append(
            proposal(rule.id, unit, org_id, evidence, kind=kind, intervention=intervention, proposed=proposed)
        )
    return new


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
            months_open=(as_of.year - i.opened_on.year) * 12
            + as_of.month
            - i.opened_on.month
            - (as_of.day < i.opened_on.day),
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
        pl.lit(bulk.utc_now()).alias("created_at"),
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


def _authorise_decision(acting_user: Actor, record: RuleSetRecord, organisations: list[Organisation]) -> None:
    authorise(acting_user, "regime.manage_rules", [record.operator])
    authorise(acting_user, "regime.decide", organisations)


def _date_or_none(value: Any, what: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise RegimeError(
            f"{what} must be a date such as 2019-04-30 (got {value!r}).", code="invalid"
        ) from error


@transaction.atomic
def decide_proposal(
    *,
    proposal: Proposal,
    decision: str,
    reason: str = "",
    ends_on: date | str | None = None,
    amount: Decimal | float | str | None = None,
    acting_user: Actor,
) -> Proposal:
    """Confirm a proposal as it stands, change it (a freedom's end date, a reward's amount) or reject
    it. A change or a rejection needs a reason; the proposal and the decision stay side by side."""
    locked = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related(
            "rule_set", "rule_set__operator", "rule_set__service", "organisation", "freedom", "intervention"
        )
        .get(pk=proposal.pk)
    )
    if locked.kind in INTERVENTION_PROPOSALS:
        # The unit's performance manager owns its interventions, whoever operates the rules (1.8, 4.25).
        authorise(acting_user, "regime.decide", [locked.organisation])
    else:
        _authorise_decision(acting_user, locked.rule_set, [locked.organisation])
    if locked.status != Decision.OPEN:
        raise RegimeError(
            f"This proposal was already {locked.get_status_display().lower()}: decisions are not remade.",
            code="invalid",
        )
    if decision not in (Decision.CONFIRMED, Decision.CHANGED, Decision.REJECTED):
        raise RegimeError("Choose confirm, change or reject.", code="invalid")
    reason = reason.strip()
    if decision != Decision.CONFIRMED and not reason:
        verb = "changed" if decision == Decision.CHANGED else "rejected"
        raise RegimeError(
            f"Say why the proposal is {verb}: the reason stays beside the rule's proposal.", code="required"
        )
    decided: dict[str, Any] = {}
    if decision == Decision.CHANGED:
        decided = _changes(locked, ends_on, amount)
    terms = {**locked.proposed, **decided}
    if decision != Decision.REJECTED:
        _apply(locked, terms, reason, acting_user)
    elif locked.kind in (ProposalKind.ESCALATE_INTERVENTION, ProposalKind.CLOSE_INTERVENTION):
        _record_kept(locked, reason, acting_user)
    locked.status = decision
    locked.reason = reason
    locked.decided = decided
    locked.decided_by = _user(acting_user)
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "reason", "decided", "decided_by", "decided_at", "intervention"])
    record_event(
        actor=acting_user,
        action="regime.decide_proposal",
        subject=locked,
        summary=f"{locked.get_status_display()}: {locked.get_kind_display().lower()} for "
        f"{locked.organisation.code} under {locked.rule_id}",
        data={"reason": reason, "decided": decided, "proposed": locked.proposed},
    )
    notifications.proposal_decided(locked)
    return locked


def _changes(proposal: Proposal, ends_on: Any, amount: Any) -> dict[str, Any]:
    if proposal.kind in (ProposalKind.OPEN_INTERVENTION, ProposalKind.ESCALATE_INTERVENTION):
        review = _date_or_none(ends_on, "The review date")
        if review is None or review <= proposal.as_of:
            raise RegimeError(
                f"Give the changed review date, after {proposal.as_of} (the date of the proposal).",
                code="required",
            )
        return {"review_on": review.isoformat()}
    if proposal.kind == ProposalKind.CLOSE_INTERVENTION:
        raise RegimeError(
            "Closing has nothing to change: confirm it, or reject it with a reason.", code="invalid"
        )
    if proposal.kind == ProposalKind.GRANT_FREEDOM:
        end = _date_or_none(ends_on, "The end date")
        if end is None:
            raise RegimeError("Give the changed end date of the freedom.", code="required")
        starts = date.fromisoformat(proposal.proposed["starts_on"])
        if end <= starts:
            raise RegimeError(f"The freedom would end ({end}) before it starts ({starts}).", code="invalid")
        return {"ends_on": end.isoformat()}
    if proposal.kind == ProposalKind.WITHDRAW_FREEDOM:
        end = _date_or_none(ends_on, "The end date")
        if end is None:
            raise RegimeError("Give the date from which the freedom ends.", code="required")
        if proposal.freedom is not None and end <= proposal.freedom.starts_on:
            raise RegimeError(
                f"The freedom started on {proposal.freedom.starts_on}; it can end only after that.",
                code="invalid",
            )
        return {"ends_on": end.isoformat()}
    if proposal.proposed.get("reward") != RewardKind.GRANT:
        raise RegimeError("Recognition has no amount to change: confirm or reject it.", code="invalid")
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except Exception as error:
        raise RegimeError(
            f"The amount must be a number of pounds (got {amount!r}).", code="invalid"
        ) from error
    if not value.is_finite() or value <= 0:
        raise RegimeError("A changed grant must be above £0; reject it to give nothing.", code="invalid")
    return {"amount": float(value)}


def _apply(proposal: Proposal, terms: dict[str, Any], reason: str, acting_user: Actor) -> None:
    record = proposal.rule_set
    # Public words: the rule, its version, the judged period and the decision, never the evidence's values,
    # which may not be released yet; the values stay on the proposal for the people in the chain.
    because = grant_reason(proposal, reason)
    if proposal.kind in INTERVENTION_PROPOSALS:
        _apply_intervention(proposal, terms, reason, acting_user)
    elif proposal.kind == ProposalKind.GRANT_FREEDOM:
        starts = date.fromisoformat(terms["starts_on"])
        ends = date.fromisoformat(terms["ends_on"]) if terms.get("ends_on") else None
        indicator = Indicator.objects.filter(code=terms.get("indicator"), service=record.service).first()
        exemption = None
        if terms["freedom"] == "no_further_targets":
            try:
                exemption = grant_exemption(
                    unit=proposal.organisation,
                    grounds=ExemptionGrounds.EARNED_FREEDOM,
                    evidence=because,
                    indicator=indicator,
                    service=record.service,
                    granted_by=record.operator,
                    granted_on=starts,
                    ends_on=ends,
                    reference=f"regime {record.operator.code} v{record.version} {proposal.rule_id}",
                    acting_user=acting_user,
                )
            except FrameworkError as error:
                raise RegimeError(" ".join(error.messages), code="invalid") from error
        Freedom.objects.create(
            organisation=proposal.organisation,
            service=record.service,
            operator=record.operator,
            kind=terms["freedom"],
            basis=FreedomBasis.EARNED,
            title=terms.get("title") or freedom_words(terms["freedom"]),
            indicator=indicator,
            starts_on=starts,
            ends_on=ends,
            reason=because,
            rule_set=record,
            rule_id=proposal.rule_id,
            proposal=proposal,
            exemption=exemption,
        )
    elif proposal.kind == ProposalKind.WITHDRAW_FREEDOM:
        freedom = Freedom.objects.select_for_update(of=("self",)).get(pk=proposal.freedom_id)
        ends = date.fromisoformat(terms["ends_on"])
        if freedom.ends_on is not None and freedom.ends_on <= ends:
            raise RegimeError(f"The freedom already ended on {freedom.ends_on}.", code="invalid")
        freedom.ends_on, freedom.end_reason = ends, f"Withdrawn: {because}"
        freedom.save(update_fields=["ends_on", "end_reason"])
        if freedom.exemption_id is not None and (
            freedom.exemption.ends_on is None or freedom.exemption.ends_on > ends
        ):
            try:
                end_exemption(
                    exemption=freedom.exemption,
                    on=ends,
                    reason=f"Freedom withdrawn: {because}",
                    acting_user=acting_user,
                )
            except FrameworkError as error:
                raise RegimeError(" ".join(error.messages), code="invalid") from error
    else:
        amount = terms.get("amount")
        Reward.objects.create(
            organisation=proposal.organisation,
            service=record.service,
            operator=record.operator,
            kind=terms["reward"],
            title=terms.get("title") or proposal.rule_title,
            amount=Decimal(str(amount)).quantize(Decimal("0.01")) if amount is not None else None,
            awarded_on=proposal.as_of,
            reason=because,
            rule_set=record,
            rule_id=proposal.rule_id,
            proposal=proposal,
        )


def _apply_intervention(proposal: Proposal, terms: dict[str, Any], reason: str, acting_user: Actor) -> None:
    record = proposal.rule_set
    by = _user(acting_user)
    why = reason or f"{proposal.rule_title}: rule {proposal.rule_id} of {record.label}"
    if proposal.kind == ProposalKind.OPEN_INTERVENTION:
        link = (
            links_current_on(proposal.as_of)
            .filter(organisation=proposal.organisation, service=record.service)
            .first()
        )
        owner_id = (
            link.accountable_to_id if link is not None and link.accountable_to_id else record.operator_id
        )
        intervention = Intervention.objects.create(
            organisation=proposal.organisation,
            service=record.service,
            operator=record.operator,
            owner_id=owner_id,
            owner_person=by,
            level=terms["level"],
            rule_set=record,
            rule_id=proposal.rule_id,
            title=terms.get("title") or proposal.rule_title,
            exit_criteria=terms.get("exit_criteria") or [],
            opened_on=proposal.as_of,
            review_on=date.fromisoformat(terms["review_on"]),
        )
        proposal.intervention = intervention
        kind, review = InterventionEventKind.OPENED, intervention.review_on
    else:
        intervention = Intervention.objects.select_for_update(of=("self",)).get(pk=proposal.intervention_id)
        if intervention.status != InterventionStatus.OPEN:
            raise RegimeError("The intervention is already closed.", code="invalid")
        if proposal.kind == ProposalKind.ESCALATE_INTERVENTION:
            if intervention.level != terms["from_level"]:
                raise RegimeError(
                    f"The intervention has moved to {intervention.get_level_display()} since this proposal.",
                    code="invalid",
                )
            intervention.level = terms["level"]
            intervention.review_on = review = date.fromisoformat(terms["review_on"])
            kind = InterventionEventKind.ESCALATED
        else:
            intervention.status, intervention.closed_on = InterventionStatus.CLOSED, proposal.as_of
            kind, review = InterventionEventKind.CLOSED, None
        intervention.save(update_fields=["level", "review_on", "status", "closed_on"])
    InterventionEvent.objects.create(
        intervention=intervention,
        kind=kind,
        level=intervention.level,
        on=proposal.as_of,
        review_on=review,
        by=by,
        reason=why,
        evidence=proposal.evidence,
        proposal=proposal,
    )


def _record_kept(proposal: Proposal, reason: str, acting_user: Actor) -> None:
    """A rejected escalation or closing is part of the intervention's history too."""
    if proposal.intervention_id is None:
        return
    intervention = proposal.intervention
    InterventionEvent.objects.create(
        intervention=intervention,
        kind=InterventionEventKind.KEPT,
        level=intervention.level,
        on=proposal.as_of,
        review_on=intervention.review_on,
        by=_user(acting_user),
        reason=f"{proposal.get_kind_display()} rejected: {reason}",
        evidence=proposal.evidence,
        proposal=proposal,
    )


@transaction.atomic
def decide_payments(
    *,
    payments: list[Payment],
    decision: str,
    reason: str = "",
    amount: Decimal | float | str | None = None,
    acting_user: Actor,
) -> list[Payment]:
    """Confirm computed payments as they stand (many at once: a period's list), or change one's
    amount or reject it with a reason. Confirmed, nothing earned pays nothing."""
    ids = [p.pk for p in payments]
    if not ids:
        raise RegimeError("Choose at least one payment.", code="required")
    locked = list(
        Payment.objects.select_for_update(of=("self",))
        .select_related("rule_set", "rule_set__operator", "organisation")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    for record in {p.rule_set for p in locked}:
        _authorise_decision(
            acting_user, record, [p.organisation for p in locked if p.rule_set_id == record.pk]
        )
    decided = [p for p in locked if p.status != Decision.OPEN]
    if decided:
        raise RegimeError(
            f"{len(decided)} of these payments {'was' if len(decided) == 1 else 'were'} already decided "
            f"(first: {decided[0].organisation.code} {decided[0].period:%B %Y}).",
            code="invalid",
        )
    reason = reason.strip()
    if decision not in (Decision.CONFIRMED, Decision.CHANGED, Decision.REJECTED):
        raise RegimeError("Choose confirm, change or reject.", code="invalid")
    if decision != Decision.CONFIRMED and not reason:
        raise RegimeError("Say why the computed payment is changed or rejected.", code="required")
    if decision == Decision.CHANGED:
        if len(locked) != 1:
            raise RegimeError("Change one payment at a time.", code="invalid")
        try:
            paid = Decimal(str(amount)).quantize(Decimal("0.01"))
        except Exception as error:
            raise RegimeError(
                f"The amount must be a number of pounds (got {amount!r}).", code="invalid"
            ) from error
        if not paid.is_finite() or paid < 0:
            raise RegimeError("The amount paid cannot be below £0.", code="invalid")
    now = timezone.now()
    for payment in locked:
        payment.status = decision
        payment.reason = reason
        payment.decided_by = _user(acting_user)
        payment.decided_at = now
        payment.amount_paid = (
            paid
            if decision == Decision.CHANGED
            else Decimal("0.00")
            if decision == Decision.REJECTED
            else payment.amount_due
        )
    Payment.objects.bulk_update(locked, ["status", "reason", "decided_by", "decided_at", "amount_paid"])
    record_event(
        actor=acting_user,
        action="regime.decide_payments",
        subject=locked[0],
        summary=f"{Decision(decision).label}: {len(locked)} payments, £{sum(p.amount_paid or 0 for p in locked):,.2f} in all",
        data={"payments": ids, "reason": reason, "decision": decision},
    )
    return locked
