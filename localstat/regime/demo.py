"""Demo step: the Department of Health publishes LocalStat's default trigger rules
(``docs/examples/regime-rules.yaml``) over the real NHS A&E judgements, evaluates them, and decides
as its analyst would: it confirms freedoms and recognition, changes one freedom's length and rejects
one proposal (each with its reason), and confirms the A&E access premium's payments period by period.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from localstat.chain.models import Organisation, Service
from localstat.demo.pipeline import DemoContext, DemoStep
from localstat.regime.choices import Decision, ProposalKind
from localstat.regime.models import Payment, Proposal
from localstat.regime.services import (
    RULES_EXAMPLE,
    add_months,
    decide_payments,
    decide_proposal,
    draft_rule_set,
    evaluate_regimes,
    publish_rule_set,
)

#: The demo's decisions are the demo's: they say so in their reasons.
CHANGED_REASON = (
    "Demo decision: confirmed for six months rather than twelve, to be reviewed after the winter "
    "when A&E pressure peaks."
)
REJECTED_REASON = (
    "Demo decision: not now. The Care Quality Commission has an inspection of this provider already "
    "scheduled; lighter-touch inspection is reconsidered after it reports."
)


def regime_demo(context: DemoContext) -> None:
    analyst = get_user_model().objects.filter(username="analyst").first()
    department = Organisation.objects.get(code="DH")
    health = Service.objects.get(code="health")
    draft = draft_rule_set(
        operator=department,
        service=health,
        source=RULES_EXAMPLE.read_text(),
        notes="LocalStat's published default rules for health (docs/examples/regime-rules.yaml).",
        acting_user=analyst,
    )
    published = publish_rule_set(rule_set=draft, on=context.as_of, acting_user=analyst)
    for report in evaluate_regimes(as_of=context.as_of):
        context.progress(f"      {report.summary}; {report.baseline} baseline freedoms")

    proposals = list(
        Proposal.objects.filter(rule_set=published, status=Decision.OPEN).order_by(
            "organisation__code", "rule_id"
        )
    )
    grants = [p for p in proposals if p.rule_id == "no-further-ae-targets"]
    inspection = [p for p in proposals if p.rule_id == "lighter-inspection"]
    decided = {"confirmed": 0, "changed": 0, "rejected": 0}
    if grants:
        changed = grants[0]
        decide_proposal(
            proposal=changed,
            decision=Decision.CHANGED,
            ends_on=add_months(changed.as_of, 6),
            reason=CHANGED_REASON,
            acting_user=analyst,
        )
        decided["changed"] += 1
    if inspection:
        decide_proposal(
            proposal=inspection[0], decision=Decision.REJECTED, reason=REJECTED_REASON, acting_user=analyst
        )
        decided["rejected"] += 1
    for proposal in [*grants[1:], *inspection[1:], *(p for p in proposals if p.kind == ProposalKind.REWARD)]:
        decide_proposal(proposal=proposal, decision=Decision.CONFIRMED, acting_user=analyst)
        decided["confirmed"] += 1
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
        description="Consequences: the default trigger rules published, evaluated and decided",
        after=("assessment",),
    )
]
