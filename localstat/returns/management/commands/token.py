"""``localstat token create --unit CODE``: an API token for one unit's systems."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from localstat.chain.models import Organisation
from localstat.returns.errors import ReturnsError
from localstat.returns.models import UnitToken
from localstat.returns.services import create_unit_token, revoke_unit_token


class Command(BaseCommand):
    help = "Make, list or revoke the bearer tokens with which a unit's systems push returns to the API."

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        create = verbs.add_parser("create", help="Make a token; it is printed once.")
        create.add_argument("--unit", required=True, help="The unit's code.")
        create.add_argument("--name", default="", help="What the token is for.")
        listing = verbs.add_parser("list", help="List tokens (their first characters only).")
        listing.add_argument("--unit", help="Only this unit's.")
        revoke = verbs.add_parser("revoke", help="Revoke a token by its first characters.")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, verb: str, **options: Any) -> None:
        if verb == "create":
            unit = Organisation.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"No organisation {options['unit']!r}.")
            try:
                _token, key = create_unit_token(unit=unit, name=options["name"], acting_user=None)
            except ReturnsError as error:
                raise CommandError(error.messages[0]) from None
            self.stderr.write(
                f"Token for {unit.code}; send it as 'Authorization: Bearer <token>'. It is shown once:"
            )
            self.stdout.write(key)
        elif verb == "list":
            tokens = UnitToken.objects.select_related("unit")
            if options.get("unit"):
                tokens = tokens.filter(unit__code=options["unit"])
            for token in tokens:
                state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "live"
                self.stdout.write(f"{token.prefix}…  {token.unit.code}  {state}  {token.name}")
        else:
            matches = list(UnitToken.objects.filter(prefix__startswith=options["prefix"]))
            if len(matches) != 1:
                raise CommandError(
                    f"{len(matches)} tokens start with {options['prefix']!r}: give more characters."
                )
            revoke_unit_token(token=matches[0], acting_user=None)
            self.stdout.write(f"Revoked {matches[0]}")
