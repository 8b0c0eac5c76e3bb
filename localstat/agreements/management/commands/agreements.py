"""``localstat agreements``: list negotiations, export every agreement, the goals report, trajectories,
checks of a proposed level, and a Local PSA's reward. Run by whoever runs the server: it acts as the system."""

from __future__ import annotations

import csv
import sys
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from localstat.agreements import exports, selectors, services
from localstat.agreements.errors import AgreementError
from localstat.agreements.models import LocalPSA, Negotiation
from localstat.chain.models import Organisation
from localstat.core.clock import today
from localstat.framework.models import Indicator


def _date(text: str | None) -> date:
    if not text:
        return today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Give dates as YYYY-MM-DD, not {text!r}.") from None


def _organisation(code: str) -> Organisation:
    found = Organisation.objects.filter(code=code).first()
    if found is None:
        raise CommandError(f"No organisation has the code {code!r}.")
    return found


class Command(BaseCommand):
    help = (
        "Local agreements: `list` negotiations, `export` every agreement as CSV, `gaps` (goals without an "
        "owner, plan or timescale), `trajectories` of an organisation, `check` a proposed level, `reward` "
        "(assess a Local PSA's reward)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="Negotiations, newest first.")
        listing.add_argument("--status", default="", help="open, awaiting_signatures, agreed or withdrawn.")
        export = sub.add_parser("export", help="Every agreement, a row per target, as CSV.")
        export.add_argument("--output", default="-", help="A file to write (default: standard output).")
        gaps = sub.add_parser("gaps", help="Goals lacking a named owner, an action plan or a timescale.")
        gaps.add_argument("--organisation", default="", help="Only this organisation's code.")
        trajectories = sub.add_parser(
            "trajectories", help="An organisation's agreed targets against their trajectories."
        )
        trajectories.add_argument("--organisation", required=True)
        trajectories.add_argument("--as-of", default="", help="YYYY-MM-DD (default: today).")
        check = sub.add_parser(
            "check", help="The engine's checks of a proposed level for a unit; records nothing."
        )
        check.add_argument("--unit", required=True)
        check.add_argument("--indicator", required=True)
        check.add_argument("--level", required=True, type=float)
        check.add_argument(
            "--as-of", default="", help="Check against values up to this date (default: today)."
        )
        reward = sub.add_parser("reward", help="Assess a signed Local PSA's reward from approved values.")
        reward.add_argument(
            "--negotiation", required=True, type=int, help="The negotiation's number (LA-12 is 12)."
        )
        reward.add_argument("--as-of", default="", help="YYYY-MM-DD (default: today).")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _list(self, options: dict[str, Any]) -> None:
        negotiations = Negotiation.objects.select_related("proposer", "manager").order_by("-opened_on", "-id")
        if options["status"]:
            negotiations = negotiations.filter(status=options["status"])
        for n in negotiations:
            self.stdout.write(
                f"{n.reference:8} {n.status:20} {n.opened_on} {n.proposer.code:>10} → {n.manager.code:<6} {n.title}"
            )

    def _export(self, options: dict[str, Any]) -> None:
        if options["output"] == "-":
            count = self._write(sys.stdout)
            return
        with open(options["output"], "w", newline="", encoding="utf-8") as out:
            count = self._write(out)
        self.stderr.write(f"{count} row(s) written to {options['output']}")

    def _write(self, out: Any) -> int:
        writer = csv.writer(out)
        writer.writerow(exports.COLUMNS)
        count = 0
        for row in exports.agreement_rows(Negotiation.objects.all()):
            writer.writerow(row)
            count += 1
        return count

    def _gaps(self, options: dict[str, Any]) -> None:
        organisations = Organisation.objects.all()
        if options["organisation"]:
            organisations = organisations.filter(pk=_organisation(options["organisation"]).pk)
        goals = list(selectors.goals_lacking(organisations))
        for goal in goals:
            self.stdout.write(
                f"{goal.organisation.code:>10}  {goal.outcome}  — lacks {', '.join(goal.missing)}"
            )
        self.stderr.write(f"{len(goals)} goal(s) without an owner, a plan or a timescale.")

    def _trajectories(self, options: dict[str, Any]) -> None:
        organisation = _organisation(options["organisation"])
        for s in selectors.trajectory_status([organisation.pk], _date(options["as_of"]))[organisation.pk]:
            value = "–" if s.value is None else f"{s.value:.2f}"
            milestone = "–" if s.milestone is None else f"{s.milestone:.2f}"
            self.stdout.write(
                f"{s.reference:30} {s.period or '–'}  value {value:>8}  milestone {milestone:>8}  {s.status}"
                + ("" if s.signed_off is None else f"  signed off: {s.signed_off_by or 'not yet'}")
            )

    def _check(self, options: dict[str, Any]) -> None:
        unit = _organisation(options["unit"])
        indicator = (
            Indicator.objects.select_related("current_version").filter(code=options["indicator"]).first()
        )
        if indicator is None:
            raise CommandError(f"No indicator has the code {options['indicator']!r}.")
        found = selectors.check_levels(
            unit, [selectors.ProposedLevel(1, indicator, options["level"])], as_of=_date(options["as_of"])
        )[1]
        self.stdout.write(f"{found['verdict']}: {found['reason']}")
        for key in ("points", "mean", "amr", "process_limit", "best", "reach_limit", "national_standard"):
            self.stdout.write(f"  {key}: {found[key]}")

    def _reward(self, options: dict[str, Any]) -> None:
        local_psa = LocalPSA.objects.filter(negotiation_id=options["negotiation"]).first()
        if local_psa is None:
            raise CommandError(f"LA-{options['negotiation']} is not a Local PSA.")
        try:
            assessment = services.assess_reward(
                local_psa=local_psa, as_of=_date(options["as_of"]), acting_user=None
            )
        except AgreementError as error:
            raise CommandError("; ".join(error.messages)) from None
        for row in assessment.rows:
            self.stdout.write(f"{row['target']:30} £{row['earned']:>14,.2f}  {row['reason']}")
        self.stdout.write(
            f"Total £{assessment.total:,.2f} of £{local_psa.reward_grant:,.2f}. {assessment.formula}"
        )
