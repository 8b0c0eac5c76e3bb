"""``localstat regime evaluate [--as-of DATE]`` and ``localstat regime backtest RULES.yaml``."""

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from localstat.chain.choices import ChainRole
from localstat.chain.models import Organisation, Service
from localstat.chain.selectors import links_current_on
from localstat.framework.models import Indicator
from localstat.regime.errors import RegimeError
from localstat.regime.services import evaluate_regimes, read_rules


class Command(BaseCommand):
    help = "The consequences regime: evaluate the published trigger rules, or backtest rules on history."

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="{evaluate,backtest}")
        evaluate = verbs.add_parser(
            "evaluate",
            help="Evaluate every published rule set on the newest assessment run at or before the date: "
            "record proposals for people to decide, compute each period's scheme payments, and alert "
            "departments by exception.",
        )
        evaluate.add_argument(
            "--as-of", type=date.fromisoformat, help="Evaluate as of this date (default: LocalStat's today)."
        )
        backtest = verbs.add_parser(
            "backtest",
            help="Replay a rule set (YAML, docs/regime-rules.md) month by month over stored history with "
            "only the data available at each month: which units it would have triggered, when, and whether "
            "they recovered. Writes nothing.",
        )
        backtest.add_argument("rules", type=Path, help="The rules file (YAML).")
        backtest.add_argument(
            "--from", dest="date_from", type=date.fromisoformat, help="First month (default: all history)."
        )
        backtest.add_argument(
            "--to", dest="date_to", type=date.fromisoformat, help="Last month (default: today)."
        )
        backtest.add_argument(
            "--out", type=Path, help="Write every trigger and its outcome to this CSV file."
        )
        backtest.add_argument(
            "--operator",
            help="Code of the body operating the rules (default: the department of the indicators' service).",
        )

    def handle(self, *args: Any, verb: str, **options: Any) -> None:
        try:
            if verb == "evaluate":
                self._evaluate(options.get("as_of"))
            else:
                self._backtest(**options)
        except RegimeError as error:
            raise CommandError(" ".join(error.messages)) from error

    def _evaluate(self, as_of: date | None) -> None:
        reports = evaluate_regimes(as_of=as_of)
        if not reports:
            self.stdout.write("No published rule sets: nothing to evaluate.")
        for report in reports:
            self.stdout.write(report.summary)

    def _backtest(
        self,
        *,
        rules: Path,
        date_from: date | None,
        date_to: date | None,
        out: Path | None,
        operator: str | None,
        **_: Any,
    ) -> None:
        from localstat.regime.backtest import backtest_rules

        try:
            source = rules.read_text()
        except OSError as error:
            raise CommandError(f"Cannot read {rules}: {error.strerror}.") from error
        if out is not None and not out.resolve().parent.is_dir():
            raise CommandError(f"--out: there is no folder {out.resolve().parent} to write {out.name} in.")
        parsed = read_rules(source)
        services = set(
            Indicator.objects.filter(code__in=parsed.indicator_codes).values_list("service_id", flat=True)
        )
        if len(services) != 1:
            raise CommandError("The rules must name indicators of exactly one service.")
        service = Service.objects.get(pk=services.pop())
        if operator:
            body = Organisation.objects.filter(code=operator).first()
            if body is None:
                raise CommandError(f"--operator: no organisation has the code {operator!r}.")
        else:
            link = links_current_on(None).filter(service=service, role=ChainRole.DEPARTMENT).first()
            if link is None:
                raise CommandError(f"{service} has no department: name the --operator.")
            body = link.organisation
        result = backtest_rules(
            rules=parsed,
            operator=body,
            service=service,
            date_from=date_from,
            date_to=date_to,
            acting_user=None,
        )
        self.stdout.write(
            f"{parsed.title}: replayed {len(result.months)} months, {result.months[0]:%B %Y} to "
            f"{result.months[-1]:%B %Y}, for {body.code} in {service}, with only the data available each month."
        )
        header = f"{'rule':<28} {'triggers':>8} {'units':>6} {'recovered':>9} {'not':>5} {'too recent':>10}"
        self.stdout.write(header)
        for row in result.summary().iter_rows(named=True):
            self.stdout.write(
                f"{row['rule']:<28} {row['triggers']:>8} {row['units']:>6} {row['recovered']:>9} "
                f"{row['not_recovered']:>5} {row['too_recent']:>10}"
            )
        for row in result.payment_totals().iter_rows(named=True):
            self.stdout.write(
                f"{row['rule']:<28} would have paid £{row['total']:,.0f} for {row['earned']} of {row['unit_periods']} unit-months"
            )
        self.stdout.write(
            "Recovered: back within the standard (or target), or a special-cause improvement, within 6 months."
        )
        if out is not None:
            try:
                result.outcomes.write_csv(out)
            except OSError as error:
                raise CommandError(f"--out: cannot write {out}: {error.strerror or error}.") from error
            self.stdout.write(f"{result.outcomes.height} triggers written to {out}.")
