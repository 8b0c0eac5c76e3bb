from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from localstat.chain.models import Organisation
from localstat.core.clock import today
from localstat.inspection import selectors
from localstat.inspection.rules import preview_rules
from localstat.inspection.services import publish_inspection_rules


class Command(BaseCommand):
    help = (
        "Proportionate inspection: `inspection plan` shows each unit's next inspection and why, "
        "`inspection backtest` how the rules would have spread the last two years' inspections, "
        "`inspection rules publish FILE` publishes an inspectorate's scheduling rules."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name, text in [
            ("plan", "Each unit's tier, next inspection date, depth, breadth and the reasons."),
            (
                "backtest",
                "The last years' inspections as the rules would have spread them, beside those made.",
            ),
        ]:
            verb = sub.add_parser(name, help=text)
            verb.add_argument(
                "--as-of", type=date.fromisoformat, help="The plan's date (default: LocalStat's today)."
            )
            verb.add_argument(
                "--inspectorate", help="The inspectorate's code (default: every one with rules)."
            )
            verb.add_argument("--csv", action="store_true", help="Write CSV instead of a table.")
            if name == "backtest":
                verb.add_argument("--years", type=int, default=2, help="How many years back (default 2).")
        rules = sub.add_parser("rules", help="Scheduling rules: publish a new version, or show the current.")
        rules_sub = rules.add_subparsers(dest="rules_action", required=True)
        publish = rules_sub.add_parser(
            "publish", help="Publish FILE as the inspectorate's next rules version."
        )
        publish.add_argument("file", type=Path)
        publish.add_argument("--inspectorate", required=True, help="The inspectorate's code, e.g. CQC.")
        publish.add_argument("--note", default="", help="What changed from the version before.")
        preview = rules_sub.add_parser(
            "preview", help="What publishing FILE would change in the plan (nothing is published)."
        )
        preview.add_argument("file", type=Path)
        preview.add_argument("--inspectorate", required=True)
        preview.add_argument(
            "--as-of", type=date.fromisoformat, help="The plan's date (default: LocalStat's today)."
        )
        show = rules_sub.add_parser("show", help="Print the inspectorate's current published rules.")
        show.add_argument("--inspectorate", required=True)

    def _inspectorates(self, code: str | None) -> list[Organisation]:
        if code:
            found = selectors.inspectorates().filter(code=code).first()
            if found is None:
                raise CommandError(f"No inspectorate {code!r}.")
            return [found]
        found = [o for o in selectors.inspectorates().order_by("code") if selectors.current_rules(o)]
        if not found:
            raise CommandError(
                "No inspectorate has published inspection rules yet: `inspection rules publish`."
            )
        return found

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "rules":
            self._rules(options)
            return
        as_of = options["as_of"] or today()
        for inspectorate in self._inspectorates(options["inspectorate"]):
            try:
                plan = selectors.inspection_plan(inspectorate, as_of)
            except selectors.NoRulesPublished as error:
                raise CommandError(str(error)) from error
            if action == "plan":
                self._plan(plan, csv=options["csv"])
            else:
                self._backtest(plan, years=options["years"], csv=options["csv"])

    def _plan(self, plan: selectors.Plan, *, csv: bool) -> None:
        if plan.schedule.height == 0 and not csv:
            self.stdout.write(
                f"{plan.inspectorate.name}: no units were in the services it inspects on {plan.as_of}, "
                "so there is nothing to plan."
            )
            return
        frame = plan.schedule.select(
            "unit",
            "name",
            "band",
            "points",
            "tier",
            "due",
            "overdue",
            "depth",
            pl.col("breadth").list.join(" + ").alias("breadth"),
            pl.col("reasons").list.join("; ").alias("reasons"),
        )
        if csv:
            self.stdout.write(frame.write_csv(), ending="")
            return
        counts = plan.schedule.group_by("tier", "interval_months").len().sort("interval_months")
        self.stdout.write(
            f"{plan.inspectorate.name}: inspection plan as of {plan.as_of} under rules version "
            f"{plan.rules.version}, {plan.schedule.height} units ("
            + ", ".join(
                f"{r['len']} {r['tier']} every {r['interval_months']} months" for r in counts.to_dicts()
            )
            + f"; {int(plan.schedule['overdue'].sum())} overdue). "
            + (
                f"Bands from the assessment as of {plan.assessed_as_of}."
                if plan.assessed_as_of
                else "No assessment by then, so no bands."
            )
        )
        for row in frame.to_dicts():
            self.stdout.write(
                f"  {row['unit']:<8} {row['tier']:<7} due {row['due']}{' (overdue)' if row['overdue'] else ''}"
                f"  {row['depth']}: {row['breadth']}\n           {row['points']:+g} points: {row['reasons']}"
            )

    def _backtest(self, plan: selectors.Plan, *, years: int, csv: bool) -> None:
        if years < 1:
            raise CommandError("--years must be at least 1.")
        result = selectors.backtest(plan, years=years)
        if csv:
            self.stdout.write(result.by_quarter.write_csv(), ending="")
            return
        self.stdout.write(
            f"{plan.inspectorate.name}: inspections {result.start} to {result.end} under rules version "
            f"{plan.rules.version} (each unit at its tier as of {plan.as_of}), beside those made."
        )
        self.stdout.write(f"  {'quarter':<12} {'tier':<8} {'under rules':>11} {'made':>6}")
        for row in result.by_quarter.to_dicts():
            self.stdout.write(
                f"  {row['quarter']!s:<12} {row['tier']:<8} {row['under_rules']:>11} {row['actual']:>6}"
            )
        totals = result.by_quarter.group_by("tier").agg(pl.col("under_rules", "actual").sum()).sort("tier")
        for row in totals.to_dicts():
            self.stdout.write(f"  total        {row['tier']:<8} {row['under_rules']:>11} {row['actual']:>6}")

    def _rules(self, options: dict[str, Any]) -> None:
        inspectorate = self._inspectorates(options["inspectorate"])[0]
        if options["rules_action"] == "show":
            current = selectors.current_rules(inspectorate)
            if current is None:
                raise CommandError(f"{inspectorate.name} has published no inspection rules yet.")
            self.stdout.write(
                f"# {current} published {current.published_at:%Y-%m-%d}\n{current.text}", ending=""
            )
            return
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        if options["rules_action"] == "preview":
            try:
                found = preview_rules(
                    inspectorate, path.read_text(encoding="utf-8"), options["as_of"] or today()
                )
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
            self.stdout.write(
                f"Plan as of {found.as_of}: {found.moved_count} units would change tier or date "
                f"({found.sooner} sooner, {found.later} later). Nothing was published."
            )
            for row in found.tiers:
                self.stdout.write(
                    f"  {row['tier']:<10} now {row['before']:>6}   under these rules {row['after']:>6}"
                )
            return
        try:
            published = publish_inspection_rules(
                inspectorate=inspectorate,
                text=path.read_text(encoding="utf-8"),
                note=options["note"],
                acting_user=None,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(f"Published {published}.")
