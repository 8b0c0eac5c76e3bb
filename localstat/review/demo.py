"""Demo step: NHS area Q70's monthly A&E performance review, on the real data.

The cycle holds Q70's nine providers to account, monthly on the 2nd, with the ``challenger`` login as
its challenger and each provider hosting in turn. Four meetings were held (January to April 2019);
what was said in them is invented and labelled synthetic. The fifth, on 2 May 2019, is hosted by Dorset
County Hospital (RBD): the tick generates its briefing from the real A&E judgements on 30 April, 48
hours before; its agenda opens with the actions still open, one of them escalated after being carried
over twice, and one overdue.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from django.contrib.auth import get_user_model

from localstat.chain.models import Organisation, Service
from localstat.demo.pipeline import DemoContext, DemoStep
from localstat.review import notifications, services, tick
from localstat.review.models import Meeting

#: The nine Q70 providers in hosting order: Dorset County Hospital (RBD) hosts the fifth meeting.
ROTATION = ["R1F", "RD3", "RDY", "RDZ", "RBD", "RHM", "RHU", "RN5", "RW1"]
AREA = "Q70"


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=UTC)


def build_review(context: DemoContext) -> None:
    users = get_user_model().objects
    challenger = users.get(username="challenger")
    secretariat = users.get(username=f"manager.{AREA}")
    rbd_manager = users.get(username="unitmanager.RBD")
    area = Organisation.objects.get(code=AREA)
    units = {o.code: o for o in Organisation.objects.filter(code__in=ROTATION)}
    with notifications.quiet():
        cycle = services.create_cycle(
            code="q70-ae-monthly",
            name="Wessex A&E performance review",
            body=area,
            service=Service.objects.get(code="health"),
            cadence="monthly",
            challenger=challenger,
            units=[units[c] for c in ROTATION],
            first_meeting=date(2019, 1, 2),
            synthetic=True,
            acting_user=None,
        )
        first = cycle.meetings.get(number=1)

        def held(meeting: Meeting) -> Meeting:
            services.hold_meeting(meeting=meeting, acting_user=None)
            return cycle.meetings.get(number=meeting.number + 1)

        def follow_up(meeting: Meeting, day: int = 1) -> None:
            meeting.refresh_from_db()
            services.issue_follow_up(
                meeting=meeting,
                at=_at(meeting.held_on.replace(day=meeting.held_on.day + day)),
                acting_user=None,
            )

        # Meeting 1, 2 January 2019, at R1F: a recovery plan asked of Dorset County Hospital, delivered on time.
        services.record_question(
            meeting=first,
            organisation=units["RBD"],
            question="Four-hour performance fell through December: what is the plan to recover it?",
            answer="A winter recovery plan is being drafted with the urgent care board.",
            acting_user=None,
        )
        plan = services.record_action(
            meeting=first,
            organisation=units["RBD"],
            description="Set out a winter recovery plan for the 4-hour standard",
            owner=rbd_manager,
            due_on=date(2019, 1, 25),
            data_required="Weekly 4-hour performance in the type 1 department",
            acting_user=None,
        )
        commitment = services.record_commitment(
            meeting=first,
            organisation=units["R1F"],
            description="Open the ambulatory care unit at weekends from February",
            due_on=date(2019, 2, 28),
            acting_user=None,
        )
        second = held(first)
        follow_up(first)
        services.update_action(
            action=plan,
            note="Plan agreed by the board and shared with the area.",
            done=True,
            on=date(2019, 1, 24),
            acting_user=None,
        )

        # Meeting 2, 2 February, at RD3: a handover plan that is never delivered (carried over, then escalated).
        handovers = services.record_action(
            meeting=second,
            organisation=units["RBD"],
            description="Agree a joint plan with the ambulance service to cut handover delays",
            owner=rbd_manager,
            due_on=date(2019, 2, 28),
            data_required="Ambulance handovers over 30 minutes, by week",
            acting_user=None,
        )
        triggers = services.record_action(
            meeting=second,
            organisation=units["RHU"],
            description="Review the emergency department's escalation triggers",
            owner=secretariat,
            due_on=date(2019, 3, 15),
            acting_user=None,
        )
        third = held(second)
        follow_up(second)
        services.assess_commitment(
            commitment=commitment,
            kept=True,
            note="Weekend opening began on 2 February.",
            on=date(2019, 3, 2),
            acting_user=None,
        )
        services.update_action(
            action=handovers,
            note="Draft plan shared with the ambulance service.",
            on=date(2019, 2, 20),
            acting_user=None,
        )
        services.update_action(
            action=triggers,
            note="Triggers revised after a review of February's breaches.",
            done=True,
            on=date(2019, 3, 20),
            acting_user=None,
        )

        # Meeting 3, 2 March, at RDY: a body-wide action, and recognition for RW1's improvement.
        services.record_action(
            meeting=third,
            organisation=area,
            description="Share the streaming model that lifted RW1's 4-hour performance with every trust",
            owner=secretariat,
            due_on=date(2019, 5, 31),
            data_required="Each trust's streaming arrangements and their 4-hour performance",
            acting_user=None,
        )
        services.record_recognition(
            meeting=third,
            organisation=units["RW1"],
            citation="Sustained improvement in the share of patients seen within 4 hours.",
            acting_user=None,
        )
        fourth = held(third)
        follow_up(third)

        # Meeting 4, 2 April, at RDZ: breach data asked for, due before the next meeting and not yet in.
        services.record_question(
            meeting=fourth,
            organisation=units["RBD"],
            question="The handover plan was due on 28 February: why is it still not agreed?",
            answer="The ambulance service has not yet signed it off.",
            acting_user=None,
        )
        services.record_action(
            meeting=fourth,
            organisation=units["RBD"],
            description="Report March's 4-hour breaches by cause",
            owner=rbd_manager,
            due_on=date(2019, 4, 19),
            data_required="Breaches by cause: beds, assessment, treatment, transport",
            acting_user=None,
        )
        fifth = held(fourth)
        follow_up(fourth)

        # 30 April 2019, 48 hours before the fifth meeting: the review's time rules, as the tick runs them.
        for rule in tick.RULES:
            outcome = rule.run(context.as_of)
            context.progress(f"      tick {rule.name}: {outcome}")
    briefing = fifth.briefing
    counts = briefing.items.values_list("kind", flat=True)
    exceptions = sum(1 for kind in counts if kind != "success")
    context.progress(
        f"      {cycle.code}: 4 meetings held; meeting 5 on {fifth.scheduled_for} hosted by {fifth.host.code}, "
        f"briefing with {exceptions} exceptions and {len(counts) - exceptions} successes from the A&E data"
    )
    context.shared["review_cycle"] = cycle


STEPS = [
    DemoStep(
        name="review",
        run=build_review,
        description="Performance review: Q70's monthly A&E review cycle",
        after=("assessment", "agreements", "regime"),
    )
]
