from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from localstat.assessment.services import run_assessment
from localstat.engine.schemas import DataError


class Command(BaseCommand):
    help = "Run the engine over every indicator's approved returns and store the run and its judgements."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            help="Judge the data as of this date (default: LocalStat's today).",
        )
        parser.add_argument(
            "--indicator", action="append", dest="indicators", help="Only this indicator (repeatable)."
        )

    def handle(self, *args: Any, as_of: date | None, indicators: list[str] | None, **options: Any) -> None:
        try:
            run = run_assessment(
                as_of=as_of, indicators=indicators, acting_user=None, trigger="localstat assess"
            )
        except DataError as error:
            raise CommandError(str(error)) from error
        judged = run.judgements.count()
        self.stdout.write(
            f"Run {run.pk} as of {run.as_of}: {len(run.indicators)} indicators, {run.observations} observations, "
            f"{judged} judgements in {sum(run.timings.values()):.2f} s (engine {run.engine_version})."
        )
