from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from localstat.demo.pipeline import SCALES, build_demo, login_lines


class Command(BaseCommand):
    help = (
        "Build the demo: the real NHS A&E delivery chain and clearly labelled synthetic education, policing "
        "and local-government chains, through the same services a user would use. Builds and exits; it does "
        "not serve. Already built: does nothing unless --reset."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=2004, help="Seed for the synthetic parts (default 2004)."
        )
        parser.add_argument(
            "--scale",
            choices=SCALES,
            default="small",
            help="small (default) or regional (≈3,700 units, for benchmarks).",
        )
        parser.add_argument("--reset", action="store_true", help="Empty the database first and rebuild.")
        parser.add_argument(
            "--logins", action="store_true", help="Print the demo login lines (after building, if needed)."
        )

    def handle(self, *args: Any, seed: int, scale: str, reset: bool, logins: bool, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        try:
            build = build_demo(seed=seed, scale=scale, reset=reset, progress=lambda m: self.stderr.write(m))
        except ValueError as error:
            raise CommandError(str(error)) from error
        if build is None:
            self.stderr.write("The demo is already built; use --reset to rebuild it.")
        else:
            self.stderr.write(
                f"Demo built in {build.seconds:.1f} s (seed {build.seed}, {build.scale} scale, as of {build.as_of})."
            )
        if logins:
            for line in login_lines():
                self.stdout.write(line)
