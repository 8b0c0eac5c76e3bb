from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from localstat.chain.models import Service
from localstat.publication.services import publish_release, schedule_release


class Command(BaseCommand):
    help = "Releases of published data: `release publish` schedules and publishes one now."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        publish = sub.add_parser(
            "publish", help="Publish the latest assessment run as each service's next release."
        )
        publish.add_argument(
            "--title", default="", help="The release's title (default: the run's as-of date)."
        )
        publish.add_argument(
            "--service", action="append", dest="services", help="Only this service's code (repeatable)."
        )
        publish.add_argument("--note", default="", help="For a correction: what changed.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        services = Service.objects.order_by("code")
        if options["services"]:
            services = services.filter(code__in=options["services"])
            missing = set(options["services"]) - set(services.values_list("code", flat=True))
            if missing:
                raise CommandError(f"No service {', '.join(sorted(missing))}.")
        now: datetime = timezone.now()
        published = 0
        for service in services:
            if not service.indicators.exists():
                continue
            try:
                release = schedule_release(
                    service=service,
                    title=options["title"] or f"Published {now:%d %B %Y}",
                    publish_at=now,
                    acting_user=None,
                    change_note=options["note"],
                )
                release = publish_release(release=release, acting_user=None, now=now)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
            published += 1
            self.stdout.write(
                f"{service.name} release {release.number} ({release.title}): run {release.run_id}, "
                f"{release.values} values and {release.judgements} judgements published."
            )
        if not published:
            raise CommandError("No service has indicators to publish.")
