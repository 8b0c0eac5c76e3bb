"""``localstat review …``: review cycles, briefings, agendas, follow-up notes and actions from the command line.

    localstat review cycles
    localstat review briefing CYCLE [--meeting N] [--pdf FILE]
    localstat review agenda CYCLE [--meeting N]
    localstat review follow-up CYCLE --meeting N [--pdf FILE]
    localstat review actions [--cycle CYCLE] [--overdue]

The command acts as the system (like the demo and the tick): a briefing is generated when the meeting
has none yet, exactly as the tick would 48 hours before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from localstat.core.clock import today
from localstat.review import documents, selectors, services
from localstat.review.choices import ActionStatus, MeetingStatus
from localstat.review.models import Action, Briefing, Meeting, ReviewCycle


class Command(BaseCommand):
    help = (
        "Review cycles: list them, print or write a briefing (PDF), the agenda, a follow-up note, or actions."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        verbs.add_parser("cycles", help="List every review cycle with its next meeting.")
        briefing = verbs.add_parser("briefing", help="The briefing for a cycle's next (or a given) meeting.")
        briefing.add_argument("cycle", help="The cycle's code.")
        briefing.add_argument("--meeting", type=int, help="The meeting's number (default: the next).")
        briefing.add_argument("--pdf", help="Write the briefing as a PDF to this file.")
        agenda = verbs.add_parser("agenda", help="The agenda of a cycle's next (or a given) meeting.")
        agenda.add_argument("cycle")
        agenda.add_argument("--meeting", type=int)
        follow_up = verbs.add_parser("follow-up", help="A held meeting's follow-up note.")
        follow_up.add_argument("cycle")
        follow_up.add_argument("--meeting", type=int, required=True)
        follow_up.add_argument("--pdf", help="Write the note as a PDF to this file.")
        actions = verbs.add_parser("actions", help="Open actions, oldest due first.")
        actions.add_argument("--cycle")
        actions.add_argument("--overdue", action="store_true", help="Only those past their due date.")

    def handle(self, *args: Any, verb: str, **options: Any) -> None:
        try:
            getattr(self, f"_{verb.replace('-', '_')}")(**options)
        except ValidationError as error:
            raise CommandError(error.messages[0]) from None

    def _cycle(self, code: str) -> ReviewCycle:
        cycle = ReviewCycle.objects.select_related("body", "challenger").filter(code=code).first()
        if cycle is None:
            known = ", ".join(ReviewCycle.objects.values_list("code", flat=True)) or "none"
            raise CommandError(f"No review cycle {code!r} (cycles: {known}).")
        return cycle

    def _meeting(self, cycle: ReviewCycle, number: int | None) -> Meeting:
        if number is None:
            meeting = selectors.next_meeting(cycle, today())
            if meeting is None:
                raise CommandError(f"{cycle.code} has no meeting scheduled on or after {today()}.")
            return meeting
        meeting = cycle.meetings.select_related("host").filter(number=number).first()
        if meeting is None:
            raise CommandError(f"{cycle.code} has no meeting {number}.")
        return meeting

    def _cycles(self, **options: Any) -> None:
        as_of = today()
        for cycle in ReviewCycle.objects.select_related("body", "challenger"):
            meeting = selectors.next_meeting(cycle, as_of)
            upcoming = (
                f"next {meeting.scheduled_for} at {meeting.host.code}" if meeting else "no meeting scheduled"
            )
            self.stdout.write(
                f"{cycle.code}  {cycle.body.code}  {cycle.cadence}  challenger {cycle.challenger.get_username()}  {upcoming}"
                + ("  (synthetic records)" if cycle.synthetic else "")
            )

    def _briefing(self, *, cycle: str, meeting: int | None, pdf: str | None, **options: Any) -> None:
        chosen = self._meeting(self._cycle(cycle), meeting)
        briefing = Briefing.objects.filter(meeting=chosen).first()
        if briefing is None:
            if chosen.status != MeetingStatus.SCHEDULED:
                raise CommandError(f"{chosen} was {chosen.get_status_display().lower()} with no briefing.")
            briefing = services.generate_briefing(meeting=chosen, acting_user=None)
            self.stderr.write(f"Generated the briefing from the data as of {briefing.as_of}.")
        view = documents.briefing_view(briefing, charts=False)
        state = f"issued {briefing.issued_at:%Y-%m-%d}" if briefing.is_issued else "draft"
        self.stdout.write(f"Briefing for {chosen} ({state}), hosted by {chosen.host.display_name}")
        for title, items in (
            (f"The host unit: {chosen.host.display_name}", view.host_exceptions),
            (f"The body as a whole: {chosen.cycle.body.display_name}", view.body_exceptions),
            ("Successes to recognise", view.successes),
        ):
            self.stdout.write(f"\n{title} ({len(items)})")
            for item in items:
                self.stdout.write(f"  {'* ' if item.probe else '- '}{item.headline}")
        if pdf:
            Path(pdf).write_bytes(documents.briefing_pdf(briefing))
            self.stderr.write(f"Wrote {pdf}")

    def _agenda(self, *, cycle: str, meeting: int | None, **options: Any) -> None:
        chosen = self._meeting(self._cycle(cycle), meeting)
        agenda = selectors.agenda_for(chosen)
        self.stdout.write(f"Agenda for {chosen}, hosted by {chosen.host.display_name}")
        self.stdout.write(f"\n1. Actions still open from earlier meetings ({len(agenda.open_actions)})")
        for entry in agenda.open_actions:
            flag = (
                "ESCALATED"
                if entry.escalated
                else "increased challenge"
                if not entry.taken_forward
                else "in hand"
            )
            self.stdout.write(
                f"  [{flag}] {entry.action.organisation.code}: {entry.action.description} "
                f"(owner {entry.action.owner.get_username()}, due {entry.action.due_on}, carried over {entry.carried})"
            )
        self.stdout.write(f"\n2. The challenger's items ({len(agenda.challenges)})")
        for item in agenda.challenges:
            self.stdout.write(
                f"  - {item.headline}" + (f" To ask: {item.probe_note}" if item.probe_note else "")
            )
        self.stdout.write(f"\n3. Good practice and recognition ({len(agenda.recognition)})")
        for item in agenda.recognition:
            self.stdout.write(f"  - {item.headline}")

    def _follow_up(self, *, cycle: str, meeting: int, pdf: str | None, **options: Any) -> None:
        chosen = self._meeting(self._cycle(cycle), meeting)
        if chosen.status != MeetingStatus.HELD:
            raise CommandError(f"{chosen} has not been held: a follow-up note comes after the meeting.")
        context = documents.follow_up_context(chosen)
        self.stdout.write(f"Follow-up note for {chosen}")
        for action in context["actions"]:
            self.stdout.write(
                f"  Action: {action.organisation.code}: {action.description} (owner {action.owner.get_username()}, "
                f"due {action.due_on}; data next time: {action.data_required or 'none named'})"
            )
        for commitment in context["commitments"]:
            self.stdout.write(f"  Commitment: {commitment.organisation.code}: {commitment.description}")
        if pdf:
            Path(pdf).write_bytes(documents.follow_up_pdf(chosen))
            self.stderr.write(f"Wrote {pdf}")

    def _actions(self, *, cycle: str | None, overdue: bool, **options: Any) -> None:
        as_of = today()
        actions = Action.objects.filter(status=ActionStatus.OPEN).select_related(
            "organisation", "owner", "meeting__cycle"
        )
        if cycle:
            actions = actions.filter(meeting__cycle=self._cycle(cycle))
        if overdue:
            actions = actions.filter(due_on__lt=as_of)
        for action in actions.order_by("due_on", "pk"):
            flags = ("  OVERDUE" if action.due_on < as_of else "") + (
                "  ESCALATED" if action.escalated_on else ""
            )
            self.stdout.write(
                f"{action.due_on}  {action.meeting.cycle.code}#{action.meeting.number}  {action.organisation.code}  "
                f"{action.owner.get_username()}  {action.description}{flags}"
            )
