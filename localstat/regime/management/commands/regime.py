"""``localstat regime evaluate [--as-of DATE]``: run every published rule set over its judgements."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from localstat.regime.errors import RegimeError
from localstat.regime.services import evaluate_regimes


class Command(BaseCommand):
    help = "The consequences regime: evaluate the published trigger rules."

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="evaluate")
        evaluate = verbs.add_parser(
            "evaluate",
            help="Evaluate every published rule set on the newest assessment run at or before the date: "
            "record proposals for people to decide and compute each period's scheme payments.",
        )
        evaluate.add_argument(
            "--as-of", type=date.fromisoformat, help="Evaluate as of this date (default: LocalStat's today)."
        )

    def handle(self, *args: Any, verb: str, **options: Any) -> None:
        if verb == "evaluate":
            try:
                reports = evaluate_regimes(as_of=options.get("as_of"))
            except RegimeError as error:
                raise CommandError(" ".join(error.messages)) from error
            if not reports:
                self.stdout.write("No published rule sets: nothing to evaluate.")
            for report in reports:
                self.stdout.write(report.summary)
