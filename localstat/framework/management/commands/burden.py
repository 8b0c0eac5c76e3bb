from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from localstat.chain.choices import UnitType
from localstat.chain.models import Organisation
from localstat.core.clock import today
from localstat.framework import selectors
from localstat.framework.reports import FORMATS, render


class Command(BaseCommand):
    help = (
        "The burden of external controls (seed Box 2.1, 2.24–2.27) on a unit, every unit of a type, or the "
        "units an issuing body reaches: counts by issuing body, kind and focus, PSA-related or not, overlaps, "
        "and the ratio to the headline PSA targets. For a unit it also shows the burden over time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        subject = parser.add_mutually_exclusive_group(required=True)
        subject.add_argument("--unit", metavar="CODE", help="A front line unit's code, e.g. NVC-S001")
        subject.add_argument("--unit-type", choices=UnitType.values, help="Every unit of this type")
        subject.add_argument(
            "--issuing-body", metavar="CODE", help="The controls this body issues, e.g. OFSTED"
        )
        parser.add_argument("--as-of", metavar="DATE", help="ISO date (default: LocalStat's today)")
        parser.add_argument("--format", choices=FORMATS, default="text", dest="fmt")

    def handle(
        self,
        *args: Any,
        unit: str | None,
        unit_type: str | None,
        issuing_body: str | None,
        as_of: str | None,
        fmt: str,
        **options: Any,
    ) -> None:
        on = today()
        if as_of:
            try:
                on = date.fromisoformat(as_of)
            except ValueError:
                raise CommandError(
                    f"--as-of must be an ISO date such as 2019-04-30, not {as_of!r}."
                ) from None
        points = None
        if unit_type:
            report, _ = selectors.unit_type_burden(unit_type, on)
        else:
            code = unit or issuing_body
            organisation = Organisation.objects.filter(code=code).first()
            if organisation is None:
                raise CommandError(
                    f"No organisation has the code {code!r}; `localstat units` lists the units."
                )
            if unit:
                if not organisation.is_unit:
                    raise CommandError(
                        f"{code} is a {organisation.get_kind_display().lower()}, not a front line unit; "
                        "use --issuing-body for the controls it issues."
                    )
                report = selectors.unit_burden(organisation, on)
                points = selectors.unit_burden_over_time(organisation, on)
            else:
                report = selectors.issuing_body_burden(organisation, on)
        self.stdout.write(render(report, points, fmt), ending="")
