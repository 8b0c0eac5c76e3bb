"""``localstat import FILE``: the import service from the command line, synchronously."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from localstat.returns.choices import Source
from localstat.returns.files import FileRejected
from localstat.returns.imports import import_file
from localstat.returns.models import Collection


class Command(BaseCommand):
    help = (
        "Import returns from a CSV or XLSX file (long, wide or NHS layout, recognised by its header). "
        "All or nothing: any failing row means nothing is written, every error is listed, and the exit "
        "code is 1. Identical data again writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV or XLSX file.")
        parser.add_argument("--collection", help="The collection the rows answer (by default found per row).")
        parser.add_argument(
            "--user", help="Import as this user, with their permissions (default: the system)."
        )
        parser.add_argument("--approve", action="store_true", help="Approve the returns the file gives.")
        parser.add_argument("--dry-run", action="store_true", help="Check and count, but write nothing.")
        parser.add_argument(
            "--reason", default="", help="Why approved values are corrected (needed to change them)."
        )

    def handle(
        self,
        *args: Any,
        file: str,
        collection: str | None,
        user: str | None,
        approve: bool,
        dry_run: bool,
        reason: str,
        **options: Any,
    ) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file.")
        chosen = None
        if collection:
            chosen = Collection.objects.filter(code=collection).first()
            if chosen is None:
                raise CommandError(f"No collection {collection!r}: see the collections page for their codes.")
        acting_user = None
        if user:
            acting_user = get_user_model().objects.filter(username=user).first()
            if acting_user is None:
                raise CommandError(f"No user {user!r}.")
        started = time.perf_counter()
        last = [0.0]

        def progress(stage: str, done: int, total: int) -> None:
            now = time.perf_counter()
            if done >= total or now - last[0] > 0.5:
                last[0] = now
                self.stderr.write(f"{stage}: {done:,} of {total:,} rows")

        self.stderr.write(f"Reading {path.name}…")
        try:
            result = import_file(
                content=path.read_bytes(),
                name=path.name,
                source=Source.COMMAND,
                acting_user=acting_user,
                collection=chosen,
                approve=approve,
                dry_run=dry_run,
                reason=reason,
                progress=progress,
            )
        except FileRejected as error:
            self.stderr.write(f"Nothing was imported: {len(error.errors)} problem(s) in {path.name}:")
            # Every error, however many: the file is fixed from this list.
            self.stderr.write("\n".join(str(e) for e in error.errors))
            sys.exit(1)
        except ValidationError as error:
            self.stderr.write(f"Nothing was imported: {error.messages[0]}")
            sys.exit(1)
        elapsed = time.perf_counter() - started
        self.stderr.write(
            f"{result.rows:,} rows ({result.layout} layout) in {elapsed:.1f} s; "
            f"{result.returns:,} returns touched, {result.derived:,} derived values, {result.warnings:,} warnings"
            + (f", {result.approved:,} returns approved" if approve else "")
            + (" (dry run: nothing written)" if dry_run else "")
        )
        for message in result.warning_messages[:10]:
            self.stderr.write(f"warning: {message}")
        self.stdout.write(result.summary)
