"""``localstat tick [--as-of DATE]``: evaluate every time-based rule once (idempotent)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from localstat.core.clock import today
from localstat.returns.tick import run_tick


class Command(BaseCommand):
    help = "Evaluate every time-based rule as of a date (default: the clock's today), starting with overdue returns."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", help="An ISO date such as 2019-04-30 (default: LocalStat's today).")

    def handle(self, *args: Any, as_of: str | None, **options: Any) -> None:
        try:
            when = date.fromisoformat(as_of) if as_of else today()
        except ValueError:
            raise CommandError(f"--as-of must be an ISO date such as 2019-04-30, not {as_of!r}.") from None
        for name, outcome in run_tick(when):
            self.stdout.write(f"{when} {name}: {outcome}")
