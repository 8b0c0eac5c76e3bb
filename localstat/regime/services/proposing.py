"""What an evaluation proposes, set-based: the engine's triggers filtered and anti-joined in Polars
against what is already open, decided, in force or given; only the new proposals become objects.

- A freedom where none from the rule is in force, a withdrawal where one is and the rule says it should
  end (on evidence: not for a month not returned), a reward where none was given within its repeat
  period; never a second open proposal for the same rule, subject and kind, and never one a person has
  already decided on the same judged period (only a newer period reopens it; a lapsed one was never
  decided).
- The ladder (seed 4.11): open an intervention where a rule triggers and none is open; for an open one,
  propose closing it when its exit criteria are met, and one step up when they are not met by its review
  date. An intervention past its review date with nothing proposed says why (``review_note``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from localstat.engine.regime import LEVELS, RuleSet
from localstat.regime import notifications
from localstat.regime.choices import Decision, FreedomBasis, InterventionStatus, ProposalKind
from localstat.regime.explain import conditions_words
from localstat.regime.models import Freedom, Intervention, Proposal, Reward
from localstat.regime.models import RuleSet as RuleSetRecord
from localstat.regime.selectors import in_force
from localstat.regime.services.rule_sets import add_months

_KEYS = ["rule", "organisation_id"]


def _frame(rows: Any, schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=schema, orient="row")


def _not_decided(candidates: pl.DataFrame, decided: pl.DataFrame, kind: str) -> pl.DataFrame:
    """The candidates nobody has decided on their judged period: a decision on period P (confirmed,
    changed or rejected) stands until a newer period is judged."""
    last = decided.filter(pl.col("kind") == kind).drop("kind")
    return (
        candidates.join(last, on=_KEYS, how="left")
        .filter(
            pl.col("last").is_null() | (pl.col("period").is_not_null() & (pl.col("period") > pl.col("last")))
        )
        .drop("last")
    )


@dataclass
class _At:
    """One evaluation: the rule set, its rules, the run and date, and the proposals already made."""

    record: RuleSetRecord
    rules: RuleSet
    run: Any
    as_of: date
    open_keys: pl.DataFrame
    decided: pl.DataFrame


def _not_open(candidates: pl.DataFrame, open_keys: pl.DataFrame, kind: str) -> pl.DataFrame:
    return candidates.join(open_keys.filter(pl.col("kind") == kind).drop("kind"), on=_KEYS, how="anti")


def propose(
    record: RuleSetRecord,
    rules: RuleSet,
    triggers: pl.DataFrame,
    run: Any,
    as_of: date,
    periods: pl.DataFrame,
) -> list[Proposal]:
    """Store and return the new proposals of ``record`` at ``as_of`` from the engine's ``triggers`` (with
    ``organisation_id``); ``periods`` is each unit's latest judged period."""
    mine = Proposal.objects.filter(rule_set__operator=record.operator, rule_set__service=record.service)
    keys = {"rule": pl.String, "organisation_id": pl.Int64, "kind": pl.String}
    open_keys = _frame(
        mine.filter(status=Decision.OPEN).values_list("rule_id", "organisation_id", "kind"), keys
    )
    decided = (
        _frame(
            mine.exclude(status__in=[Decision.OPEN, Decision.LAPSED])
            .filter(period__isnull=False)
            .values_list("rule_id", "organisation_id", "kind", "period"),
            {**keys, "last": pl.Date},
        )
        .group_by("rule", "organisation_id", "kind")
        .agg(pl.col("last").max())
    )
    rows = triggers.filter(pl.col("organisation_id").is_not_null()).join(periods, on="unit", how="left")
    at = _At(record, rules, run, as_of, open_keys, decided)
    new = _propose_interventions(at, rows) + _propose_consequences(at, rows)
    Proposal.objects.bulk_create(new, batch_size=1000)
    if new:
        notifications.proposals_made(record, new)
    return new


def _proposal(at: _At, row: dict[str, Any], **fields: Any) -> Proposal:
    rule = at.rules.rule(row["rule"])
    return Proposal(
        rule_set=at.record,
        rule_id=rule.id,
        rule_title=rule.title,
        organisation_id=row["organisation_id"],
        run=at.run,
        as_of=at.as_of,
        period=row["period"],
        evidence=json.loads(row["evidence"]) if row["evidence"] else {},
        **fields,
    )


def _propose_consequences(at: _At, rows: pl.DataFrame) -> list[Proposal]:
    record, rules, as_of, open_keys, decided = at.record, at.rules, at.as_of, at.open_keys, at.decided
    """Freedoms granted and withdrawn, and rewards."""
    freedom_rules = [r.id for r in rules.rules if r.consequence.kind == "freedom"]
    reward_rules = [r for r in rules.rules if r.consequence.kind == "reward"]
    earned = _frame(
        Freedom.objects.filter(
            in_force(as_of), operator=record.operator, service=record.service, basis=FreedomBasis.EARNED
        ).values_list("rule_id", "organisation_id", "pk", "kind", "title"),
        {
            "rule": pl.String,
            "organisation_id": pl.Int64,
            "freedom_id": pl.Int64,
            "freedom": pl.String,
            "title": pl.String,
        },
    ).unique(_KEYS, keep="first")
    freedoms = rows.filter(pl.col("rule").is_in(freedom_rules))
    grants = _not_decided(
        _not_open(
            freedoms.filter(pl.col("holds")).join(earned, on=_KEYS, how="anti"),
            open_keys,
            ProposalKind.GRANT_FREEDOM,
        ),
        decided,
        ProposalKind.GRANT_FREEDOM,
    )
    # A withdrawal needs evidence: not for a value missing (a month not yet returned).
    withdrawals = _not_open(
        freedoms.filter(pl.col("withdraw") & pl.col("judged")).join(earned, on=_KEYS, how="inner"),
        open_keys,
        ProposalKind.WITHDRAW_FREEDOM,
    )
    # A reward is not proposed again within its repeat period of the last one given.
    since = pl.DataFrame(
        {
            "rule": [r.id for r in reward_rules],
            "since": [add_months(as_of, -r.consequence.repeat_after_months) for r in reward_rules],
        },
        schema={"rule": pl.String, "since": pl.Date},
    )
    given = (
        _frame(
            Reward.objects.filter(
                operator=record.operator, service=record.service, rule_id__in=since["rule"].to_list()
            ).values_list("rule_id", "organisation_id", "awarded_on"),
            {"rule": pl.String, "organisation_id": pl.Int64, "awarded_on": pl.Date},
        )
        .join(since, on="rule")
        .filter(pl.col("awarded_on") > pl.col("since"))
    )
    rewards = _not_decided(
        _not_open(
            rows.filter(pl.col("holds") & pl.col("rule").is_in(since["rule"].to_list())).join(
                given, on=_KEYS, how="anti"
            ),
            open_keys,
            ProposalKind.REWARD,
        ),
        decided,
        ProposalKind.REWARD,
    )
    new = []
    for row in grants.iter_rows(named=True):
        consequence = rules.rule(row["rule"]).consequence
        ends = add_months(as_of, consequence.months) if consequence.months else None
        proposed = {
            "freedom": consequence.freedom,
            "title": rules.rule(row["rule"]).title,
            "indicator": consequence.indicator,
            "starts_on": as_of.isoformat(),
            "ends_on": ends.isoformat() if ends else None,
        }
        new.append(_proposal(at, row, kind=ProposalKind.GRANT_FREEDOM, proposed=proposed))
    for row in withdrawals.iter_rows(named=True):
        proposed = {"freedom": row["freedom"], "title": row["title"], "ends_on": as_of.isoformat()}
        new.append(
            _proposal(
                at,
                row,
                kind=ProposalKind.WITHDRAW_FREEDOM,
                freedom_id=row["freedom_id"],
                proposed=proposed,
            )
        )
    for row in rewards.iter_rows(named=True):
        rule = rules.rule(row["rule"])
        proposed = {"reward": rule.consequence.reward, "title": rule.title, "amount": rule.consequence.amount}
        new.append(_proposal(at, row, kind=ProposalKind.REWARD, proposed=proposed))
    return new


def _propose_interventions(at: _At, rows: pl.DataFrame) -> list[Proposal]:
    record, rules, as_of, open_keys, decided = at.record, at.rules, at.as_of, at.open_keys, at.decided
    ladder = [rule.id for rule in rules.rules if rule.consequence.kind == "intervention"]
    current = _frame(
        Intervention.objects.filter(
            operator=record.operator, service=record.service, status=InterventionStatus.OPEN
        ).values_list("pk", "organisation_id", "rule_id", "level", "review_on", "review_note"),
        {
            "intervention_id": pl.Int64,
            "organisation_id": pl.Int64,
            "rule": pl.String,
            "level": pl.String,
            "review_on": pl.Date,
            "review_note": pl.String,
        },
    )
    rows = rows.filter(pl.col("rule").is_in(ladder))
    # Opening: the first rule (in the file's order) that triggers for a unit with nothing open or proposed.
    opening = open_keys.filter(pl.col("kind") == ProposalKind.OPEN_INTERVENTION).select("organisation_id")
    opens = _not_decided(
        rows.filter(pl.col("holds"))
        .join(current.select("organisation_id"), on="organisation_id", how="anti")
        .join(opening, on="organisation_id", how="anti")
        .with_columns(
            order=pl.col("rule").replace_strict({r: n for n, r in enumerate(ladder)}, return_dtype=pl.Int64)
        )
        .sort("organisation_id", "order")
        .unique("organisation_id", keep="first", maintain_order=True),
        decided,
        ProposalKind.OPEN_INTERVENTION,
    )
    # Open interventions: close when the exit criteria are met, one step up when they are not by the
    # review date. Only on evidence: a unit missing a value the exit criteria test is neither.
    top = LEVELS[-1]
    judged = pl.col("judged").fill_null(False)
    due = pl.col("review_on") <= as_of
    steps = current.join(
        rows.select("rule", "organisation_id", "unit", "period", "evidence", "exit", "judged"),
        on=_KEYS,
        how="left",
    ).with_columns(
        kind=pl.when(judged & pl.col("exit"))
        .then(pl.lit(ProposalKind.CLOSE_INTERVENTION.value))
        .when(judged & due & (pl.col("level") != top))
        .then(pl.lit(ProposalKind.ESCALATE_INTERVENTION.value))
    )
    waiting = open_keys.select("organisation_id", "kind").unique()
    fresh = steps.filter(pl.col("kind").is_not_null()).join(
        waiting, on=["organisation_id", "kind"], how="anti"
    )
    # Any step already awaiting a decision answers the review, whatever this evaluation found.
    pending = steps.join(
        waiting.filter(
            pl.col("kind").is_in([ProposalKind.CLOSE_INTERVENTION, ProposalKind.ESCALATE_INTERVENTION])
        ).select("organisation_id"),
        on="organisation_id",
        how="semi",
    )
    last = decided.rename({"kind": "decided_kind"})
    fresh = fresh.join(
        last, left_on=[*_KEYS, "kind"], right_on=[*_KEYS, "decided_kind"], how="left"
    ).with_columns(
        kept=pl.col("last").is_not_null()
        & (pl.col("period").is_null() | (pl.col("period") <= pl.col("last")))
    )
    stepping = fresh.filter(~pl.col("kept"))
    _note_waiting(steps, pending, fresh.filter(pl.col("kept")), stepping, ladder, record, as_of)

    new = []
    for row in opens.iter_rows(named=True):
        rule = rules.rule(row["rule"])
        proposed = {
            "level": rule.consequence.level or LEVELS[0],
            "title": rule.title,
            "review_on": add_months(as_of, rule.consequence.review_after_months).isoformat(),
            "exit_criteria": conditions_words(rule.exit_when) if rule.exit_when else [],
        }
        new.append(_proposal(at, row, kind=ProposalKind.OPEN_INTERVENTION, proposed=proposed))
    for row in stepping.iter_rows(named=True):
        if row["kind"] == ProposalKind.CLOSE_INTERVENTION:
            proposed: dict[str, Any] = {"level": row["level"], "closed_on": as_of.isoformat()}
        else:
            months = rules.rule(row["rule"]).consequence.review_after_months
            proposed = {
                "from_level": row["level"],
                "level": LEVELS[LEVELS.index(row["level"]) + 1],
                "review_on": add_months(as_of, months).isoformat(),
            }
        new.append(
            _proposal(
                at,
                row,
                kind=row["kind"],
                intervention_id=row["intervention_id"],
                proposed=proposed,
            )
        )
    return new


def _note_waiting(
    steps: pl.DataFrame,
    pending: pl.DataFrame,
    kept: pl.DataFrame,
    stepping: pl.DataFrame,
    ladder: list[str],
    record: RuleSetRecord,
    as_of: date,
) -> None:
    """Say, on each open intervention past its review date, why this evaluation proposed no step; clear
    the note where a step is proposed or awaits a decision, or the review is not yet due."""
    on = f"on the judgements of {as_of:%-d %B %Y}"
    month = pl.col("period").dt.strftime("%B %Y")
    note = (
        pl.when(
            (pl.col("review_on") > as_of)
            | pl.col("intervention_id").is_in(pending["intervention_id"].to_list())
            | pl.col("intervention_id").is_in(stepping["intervention_id"].to_list())
        )
        .then(pl.lit(""))
        .when(pl.col("intervention_id").is_in(kept["intervention_id"].to_list()))
        .then(
            pl.format(
                "No step proposed {}: a person already decided on the evidence of {}; the rules propose "
                "again on a newer month's judgements.",
                pl.lit(on),
                month,
            )
        )
        .when(~pl.col("rule").is_in(ladder))
        .then(
            pl.format(
                "No step proposed {}: rule {} is not in {}.", pl.lit(on), pl.col("rule"), pl.lit(record.label)
            )
        )
        .when(pl.col("unit").is_null())
        .then(pl.lit(f"No step proposed {on}: the unit is not among the rules' subjects."))
        .when(~pl.col("judged"))
        .then(
            pl.format(
                "No step proposed {}: the latest period judged ({}) has no approved value for what the exit criteria "
                "test (a return not yet made or not yet approved), so neither closing nor a step up is proposed for want of data.",
                pl.lit(on),
                pl.coalesce(month, pl.lit("none")),
            )
        )
        .when(pl.col("level") == LEVELS[-1])
        .then(
            pl.lit(
                f"No step proposed {on}: at the top of the ladder (management change) there is no further "
                "step; it is proposed for closing when its exit criteria are met."
            )
        )
        .otherwise(pl.lit(""))
    )
    changed = (
        steps.with_columns(note=note)
        .filter(pl.col("note") != pl.col("review_note"))
        .group_by("note")
        .agg(pl.col("intervention_id"))
    )
    for text, ids in changed.iter_rows():
        Intervention.objects.filter(pk__in=ids).update(review_note=text)
