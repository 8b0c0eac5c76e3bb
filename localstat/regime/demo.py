"""Demo step: the Department of Health publishes LocalStat's default trigger rules
(``docs/examples/regime-rules.yaml``) over the real NHS A&E data and the demo lives through them.

- The rules are published at the end of September 2018. The demo then replays October 2018 to March
  2019 month by month: an assessment run at each month end and ``evaluate_regimes`` on it, as the daily
  tick would have done, with the database's reference date set to that month end, so each decision is
  recorded on the day it was made in the story (the build's date, 30 April 2019, is put back after). Area Q70's manager (the demo's ``manager.Q70``) decides the intervention ladder
  for Q70's providers each month as a manager would: opens the proposed challenges, confirms the
  escalations and closings, and once keeps a provider at its level with a reason. Providers left
  uncorrected long enough reach the Department by exception.
- A stricter draft (intervening from 90%) is backtested over the last two years and left unpublished.
- Each month, and at the end of April 2019 (the demo's date), the Department's analyst decides the
  freedoms, withdrawals and rewards proposed that month, on that month's evidence: confirms them,
  changes one freedom's length and rejects one proposal, each with its reason; so a later evaluation
  on the demo's date proposes nothing the analyst has not already decided. At the end the analyst
  confirms the A&E access premium's payments period by period.

Proposals nobody decided (the ladder outside Q70) lapse when a later month's judgements no longer
support them. The decisions are the demo's, and their reasons say so.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import polars as pl
from django.contrib.auth import get_user_model

from localstat.assessment.services import run_assessment
from localstat.chain.models import ChainLink, Organisation, Service
from localstat.core.clock import set_reference_date
from localstat.core.models import ReferenceDate
from localstat.demo.pipeline import DemoContext, DemoStep
from localstat.regime.backtest import backtest_rules
from localstat.regime.choices import Decision, ProposalKind
from localstat.regime.models import ExceptionAlert, Intervention, Payment, Proposal, RuleSet
from localstat.regime.services import (
    RULES_EXAMPLE,
    add_months,
    decide_payments,
    decide_proposal,
    draft_rule_set,
    evaluate_regimes,
    publish_rule_set,
    rules_of,
)

PUBLISHED_ON = date(2018, 9, 30)
REPLAY = [
    date(2018, 10, 31),
    date(2018, 11, 30),
    date(2018, 12, 31),
    date(2019, 1, 31),
    date(2019, 2, 28),
    date(2019, 3, 31),
]
DEMO_AREA = "Q70"
CHANGED_REASON = (
    "Demo decision: confirmed for six months rather than twelve, to be reviewed after the winter "
    "when A&E pressure peaks."
)
REJECTED_REASON = (
    "Demo decision: not now. The Care Quality Commission has an inspection of this provider already "
    "scheduled; lighter-touch inspection is reconsidered after it reports."
)
KEPT_REASON = (
    "Demo decision: the improvement plan agreed at the last review is only weeks old; kept at this "
    "level until the next review."
)


def _decide_ladder(
    context: DemoContext, manager: object, area_units: set[int], kept: list[int]
) -> dict[str, int]:
    """Area Q70's manager decides the ladder's proposals about Q70's providers."""
    counts = {"opened": 0, "escalated": 0, "kept": 0, "closed": 0}
    waiting = Proposal.objects.filter(
        status=Decision.OPEN,
        organisation_id__in=area_units,
        kind__in=[
            ProposalKind.OPEN_INTERVENTION,
            ProposalKind.ESCALATE_INTERVENTION,
            ProposalKind.CLOSE_INTERVENTION,
        ],
    ).order_by("organisation__code")
    for proposal in waiting:
        if proposal.kind == ProposalKind.ESCALATE_INTERVENTION and not kept:
            decide_proposal(
                proposal=proposal, decision=Decision.REJECTED, reason=KEPT_REASON, acting_user=manager
            )
            kept.append(proposal.pk)
            counts["kept"] += 1
            continue
        decide_proposal(proposal=proposal, decision=Decision.CONFIRMED, acting_user=manager)
        counts[
            {
                ProposalKind.OPEN_INTERVENTION: "opened",
                ProposalKind.ESCALATE_INTERVENTION: "escalated",
                ProposalKind.CLOSE_INTERVENTION: "closed",
            }[proposal.kind]
        ] += 1
    return counts


def _decide_consequences(published: RuleSet, analyst: object, decided: dict[str, int]) -> None:
    """The analyst decides the month's proposed freedoms, withdrawals and rewards as they arrive, on
    the evidence of that month, as the Department's people would: the first proposed A&E freedom is
    changed and the first lighter-touch inspection rejected, each with its reason; the rest confirmed."""
    proposals = list(
        Proposal.objects.filter(
            rule_set=published,
            status=Decision.OPEN,
            kind__in=[ProposalKind.GRANT_FREEDOM, ProposalKind.WITHDRAW_FREEDOM, ProposalKind.REWARD],
        ).order_by("organisation__code", "rule_id")
    )
    for proposal in proposals:
        example = proposal.kind == ProposalKind.GRANT_FREEDOM and proposal.rule_id in (
            "no-further-ae-targets",
            "lighter-inspection",
        )
        if example and proposal.rule_id == "no-further-ae-targets" and not decided["changed"]:
            decide_proposal(
                proposal=proposal,
                decision=Decision.CHANGED,
                ends_on=add_months(proposal.as_of, 6),
                reason=CHANGED_REASON,
                acting_user=analyst,
            )
            decided["changed"] += 1
        elif example and proposal.rule_id == "lighter-inspection" and not decided["rejected"]:
            decide_proposal(
                proposal=proposal, decision=Decision.REJECTED, reason=REJECTED_REASON, acting_user=analyst
            )
            decided["rejected"] += 1
        else:
            decide_proposal(proposal=proposal, decision=Decision.CONFIRMED, acting_user=analyst)
            decided["confirmed"] += 1


@contextmanager
def living_on(day: date) -> Iterator[None]:
    """The database's reference date is ``day`` while the demo lives through it, so what people
    decide then is recorded on that day (clock.now()); the build's own date is put back after."""
    build = ReferenceDate.objects.first()
    set_reference_date(day, reason=f"localstat demo: replaying {day:%B %Y}")
    try:
        yield
    finally:
        if build is None:
            ReferenceDate.objects.all().delete()
        else:
            set_reference_date(build.as_of, reason=build.reason)


def regime_demo(context: DemoContext) -> None:
    users = get_user_model().objects
    analyst = users.filter(username="analyst").first()
    manager = users.filter(username=f"manager.{DEMO_AREA}").first()
    department = Organisation.objects.get(code="DH")
    health = Service.objects.get(code="health")
    with living_on(PUBLISHED_ON):
        draft = draft_rule_set(
            operator=department,
            service=health,
            source=RULES_EXAMPLE.read_text(),
            notes="LocalStat's published default rules for health (docs/examples/regime-rules.yaml).",
            acting_user=analyst,
        )
        published = publish_rule_set(rule_set=draft, on=PUBLISHED_ON, acting_user=analyst)
    area_units = set(
        ChainLink.objects.filter(
            service=health, accountable_to__code=DEMO_AREA, valid_to__isnull=True
        ).values_list("organisation_id", flat=True)
    )

    kept: list[int] = []
    decided = {"confirmed": 0, "changed": 0, "rejected": 0}
    for month_end in REPLAY:
        with living_on(month_end):
            run_assessment(as_of=month_end, acting_user=None, trigger="localstat demo: month-by-month replay")
            (report,) = evaluate_regimes(as_of=month_end)
            counts = _decide_ladder(context, manager, area_units, kept)
            _decide_consequences(published, analyst, decided)
        open_q70 = Intervention.objects.filter(organisation_id__in=area_units, status="open").count()
        context.progress(
            f"      {month_end:%b %Y}: {len(report.proposals)} proposals ({report.lapsed} older {'one' if report.lapsed == 1 else 'ones'} lapsed), "
            f"{report.payments} payments computed; "
            f"{DEMO_AREA} opened {counts['opened']}, escalated {counts['escalated']}, kept {counts['kept']}, "
            f"closed {counts['closed']} ({open_q70} open); {report.alerts} reach the department"
        )
    # Back to the demo's date: the current judgements, and the month's evaluation.
    run_assessment(as_of=context.as_of, acting_user=None, trigger="localstat demo: the demo's date")
    (report,) = evaluate_regimes(as_of=context.as_of)
    _decide_ladder(context, manager, area_units, kept)
    _decide_consequences(published, analyst, decided)
    alerts = ExceptionAlert.objects.count()
    context.progress(
        f"      {context.as_of:%b %Y}: {report.summary}; {alerts} units reached the department by exception"
    )

    # A draft that would intervene earlier (below 90%, not 85%) is backtested before anyone publishes it.
    stricter = draft_rule_set(
        operator=department,
        service=health,
        source=RULES_EXAMPLE.read_text().replace("AE4H: {value: {below: 85}}", "AE4H: {value: {below: 90}}"),
        notes="Draft: intervene from 90% rather than 85%. Backtested, not published.",
        acting_user=analyst,
    )
    tested = backtest_rules(
        rules=rules_of(stricter),
        operator=department,
        service=health,
        date_from=add_months(context.as_of, -24),
        date_to=context.as_of,
        acting_user=analyst,
    )
    ladder = tested.summary().filter(pl.col("rule") == "ae-ladder").row(0, named=True)
    context.progress(
        f"      backtest of draft version {stricter.version} over {len(tested.months)} months: the ladder "
        f"would have triggered {ladder['triggers']} times for {ladder['units']} providers; "
        f"{ladder['recovered']} recovered within 6 months, {ladder['not_recovered']} did not, "
        f"{ladder['too_recent']} too recent to tell"
    )

    context.progress(
        f"      decisions: {decided['confirmed']} confirmed, {decided['changed']} changed, "
        f"{decided['rejected']} rejected (each change and rejection with its reason)"
    )

    open_payments = Payment.objects.filter(rule_set=published, status=Decision.OPEN)
    paid = 0
    for period in sorted(set(open_payments.values_list("period", flat=True))):
        confirmed = decide_payments(
            payments=list(open_payments.filter(period=period)),
            decision=Decision.CONFIRMED,
            acting_user=analyst,
        )
        paid += sum(int(p.amount_paid or 0) for p in confirmed)
    earned = Payment.objects.filter(rule_set=published, earned=True).count()
    total = Payment.objects.filter(rule_set=published).count()
    context.progress(
        f"      A&E access premium: {total} provider-months computed, {earned} earned, £{paid:,} confirmed"
    )


STEPS = [
    DemoStep(
        name="regime",
        run=regime_demo,
        description="Consequences: the default trigger rules published, replayed month by month, and decided",
        after=("assessment",),
    )
]
