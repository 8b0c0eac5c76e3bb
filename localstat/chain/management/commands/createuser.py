from getpass import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from localstat.chain.choices import Role
from localstat.chain.errors import ChainError
from localstat.chain.models import Organisation
from localstat.chain.services import add_membership, create_person


class Command(BaseCommand):
    help = "Create a person and give them a role in an organisation (administrators can sign in to Administration)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--organisation", required=True, help="Organisation code, e.g. Q70")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--name", default="", help="Full name")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="Password (asked for when omitted)")

    def handle(
        self,
        *args: Any,
        username: str,
        organisation: str,
        role: str,
        name: str,
        email: str,
        password: str | None,
        **options: Any,
    ) -> None:
        org = Organisation.objects.filter(code=organisation).first()
        if org is None:
            raise CommandError(f"No organisation with code {organisation!r}.")
        if not password:
            password = getpass("Password: ")
        if len(password) < 8:
            raise CommandError("The password must be at least 8 characters.")
        try:
            with transaction.atomic():
                user = create_person(
                    username=username,
                    password=password,
                    full_name=name,
                    email=email,
                    is_staff=role == Role.ADMINISTRATOR,
                    acting_user=None,
                )
                add_membership(user=user, organisation=org, role=role, acting_user=None)
        except ChainError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(f"Created {username}: {Role(role).label.lower()} at {org.code}.")
