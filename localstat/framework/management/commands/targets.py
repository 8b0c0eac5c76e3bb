from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError, CommandParser

from localstat.framework import selectors, services
from localstat.framework.csvfiles import TARGET_COLUMNS, target_record, write_csv
from localstat.framework.errors import CsvImportError
from localstat.framework.management.commands.controls import acting_user, read_file


class Command(BaseCommand):
    help = (
        "Export targets as CSV, or import new (proposed) targets from one: all or nothing, every problem "
        "reported as 'row R (line L), field F: reason'. Columns: " + ", ".join(TARGET_COLUMNS) + "."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        export = verbs.add_parser("export", help="Write the targets as CSV to standard output")
        export.add_argument("--user", help="Export what this user may see; default: what the public may see")
        load = verbs.add_parser("import", help="Read a CSV file (or - for standard input)")
        load.add_argument("file")
        load.add_argument("--user", help="Act as this user (permissions are checked); default: the system")

    def handle(self, *args: Any, verb: str, **options: Any) -> None:
        user = acting_user(options.get("user"))
        if verb == "export":
            targets = selectors.targets_visible_to(user or AnonymousUser()).order_by("reference")
            for line in write_csv(TARGET_COLUMNS, (target_record(t) for t in targets)):
                self.stdout.write(line, ending="")
            return
        try:
            summary = services.import_targets(content=read_file(options["file"]), acting_user=user)
        except CsvImportError as error:
            raise CommandError("Nothing was imported:\n" + "\n".join(error.errors)) from None
        self.stderr.write(f"Targets imported: {summary}.")
