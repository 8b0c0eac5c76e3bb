from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from localstat.chain.choices import UnitType
from localstat.chain.models import Service
from localstat.chain.selectors import units_table


class Command(BaseCommand):
    help = "List front line units: code, name, type, service and performance manager (tab-separated)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--service", help="Service code, e.g. health, education, policing, local-government"
        )
        parser.add_argument("--type", dest="unit_type", choices=UnitType.values, help="Unit type")

    def handle(self, *args: Any, service: str | None, unit_type: str | None, **options: Any) -> None:
        service_obj = None
        if service:
            service_obj = Service.objects.filter(code=service).first()
            if service_obj is None:
                known = (
                    ", ".join(Service.objects.values_list("code", flat=True))
                    or "none yet: run localstat demo"
                )
                raise CommandError(f"No service {service!r}; known services: {known}.")
        self.stdout.write("code\tname\ttype\tservice\tmanager")
        for link in units_table(service=service_obj, unit_type=unit_type).iterator(chunk_size=2000):
            unit = link.organisation
            self.stdout.write(
                f"{unit.code}\t{unit.name or '(code only)'}{' [synthetic]' if unit.synthetic else ''}\t{unit.unit_type}\t"
                f"{link.service.code}\t{link.accountable_to.code if link.accountable_to else ''}"
            )
