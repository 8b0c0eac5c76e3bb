import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from localstat.chain.models import Organisation
from localstat.framework import selectors, services
from localstat.framework.csvfiles import CONTROL_COLUMNS, control_record, write_csv
from localstat.framework.errors import CsvImportError


def acting_user(username: str | None) -> Any:
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user called {username!r}.")
    return user


class Command(BaseCommand):
    help = (
        "Export the controls register as CSV, or import one (all or nothing; every problem is reported as "
        "'row R (line L), field F: reason'). Columns: " + ", ".join(CONTROL_COLUMNS) + "."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        export = verbs.add_parser("export", help="Write the register as CSV to standard output")
        export.add_argument("--issuing-body", metavar="CODE")
        load = verbs.add_parser("import", help="Read a CSV file (or - for standard input)")
        load.add_argument("file")
        load.add_argument("--user", help="Act as this user (permissions are checked); default: the system")

    def handle(self, *args: Any, verb: str, **options: Any) -> None:
        if verb == "export":
            body = None
            if options.get("issuing_body"):
                body = Organisation.objects.filter(code=options["issuing_body"]).first()
                if body is None:
                    raise CommandError(f"No organisation has the code {options['issuing_body']!r}.")
            controls = selectors.controls_register(issuing_body=body)
            for line in write_csv(
                CONTROL_COLUMNS, (control_record(c, [u.code for u in c.units.all()]) for c in controls)
            ):
                self.stdout.write(line, ending="")
            return
        content = read_file(options["file"])
        try:
            summary = services.import_controls(content=content, acting_user=acting_user(options.get("user")))
        except CsvImportError as error:
            raise CommandError("Nothing was imported:\n" + "\n".join(error.errors)) from None
        self.stderr.write(f"Controls imported: {summary}.")


def read_file(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    path = Path(name)
    if not path.is_file():
        raise CommandError(f"No file at {name}.")
    return path.read_bytes()
