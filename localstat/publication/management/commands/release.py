from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from localstat.chain.models import Service
from localstat.core import clock
from localstat.publication.models import Release
from localstat.publication.services import (
    freeze_release,
    grant_pre_release_access,
    publish_release,
    schedule_release,
)


def _release(code: str) -> Release:
    """``service/number``, for example ``health/2``."""
    service, _, number = code.partition("/")
    if not number.isdigit():
        raise CommandError(f"Name a release as service/number, for example health/2, not {code!r}.")
    release = (
        Release.objects.select_related("service").filter(service__code=service, number=int(number)).first()
    )
    if release is None:
        raise CommandError(f"No release {code}.")
    return release


class Command(BaseCommand):
    help = (
        "Releases of published data: `publish` (now, or a scheduled release), `schedule` (announce one "
        "for a time), `freeze` (for pre-release access), `grant` (name a person), `list`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        publish = sub.add_parser(
            "publish",
            help="Publish the latest assessment run as each service's next release, or --release a scheduled one.",
        )
        publish.add_argument("--title", default="", help="The release's title (default: today's date).")
        publish.add_argument(
            "--service", action="append", dest="services", help="Only this service's code (repeatable)."
        )
        publish.add_argument("--note", default="", help="For a correction: what changed.")
        publish.add_argument("--release", default="", help="Publish this scheduled release (service/number).")

        schedule = sub.add_parser(
            "schedule", help="Announce a service's next release for a publication time."
        )
        schedule.add_argument("--service", required=True, help="The service's code.")
        schedule.add_argument("--title", required=True)
        schedule.add_argument(
            "--at", required=True, help="The publication time, e.g. 2019-05-02T09:30+01:00."
        )
        schedule.add_argument("--note", default="", help="For a correction: what changed.")

        freeze = sub.add_parser("freeze", help="Freeze a scheduled release now, for pre-release access.")
        freeze.add_argument("release", help="service/number, e.g. health/2")

        grant = sub.add_parser("grant", help="Give a named person pre-release access to a scheduled release.")
        grant.add_argument("release", help="service/number, e.g. health/2")
        grant.add_argument("--person", required=True, help="Their username.")
        grant.add_argument("--reason", required=True, help="Why they need it before publication.")

        sub.add_parser("list", help="Every release, its status and its publication time.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            getattr(self, f"_{action}")(options)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error

    def _list(self, options: dict[str, Any]) -> None:
        for r in Release.objects.select_related("service").order_by("service__code", "number"):
            when = r.published_at or r.publish_at
            frozen = " (frozen)" if r.frozen_at and r.status == "scheduled" else ""
            self.stdout.write(
                f"{r.service.code}/{r.number}\t{r.status}{frozen}\t{when:%Y-%m-%d %H:%M}\t{r.title}"
            )

    def _schedule(self, options: dict[str, Any]) -> None:
        service = Service.objects.filter(code=options["service"]).first()
        if service is None:
            raise CommandError(f"No service {options['service']}.")
        at = parse_datetime(options["at"])
        if at is None:
            raise CommandError(
                f"--at {options['at']!r} is not a date and time such as 2019-05-02T09:30+01:00."
            )
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        release = schedule_release(
            service=service,
            title=options["title"],
            publish_at=at,
            acting_user=None,
            change_note=options["note"],
        )
        self.stdout.write(
            f"{service.code}/{release.number} announced for {at:%Y-%m-%d %H:%M %Z}: {release.title}"
        )

    def _freeze(self, options: dict[str, Any]) -> None:
        release = freeze_release(release=_release(options["release"]), acting_user=None)
        self.stdout.write(
            f"{release.service.code}/{release.number} frozen: {release.values} values and "
            f"{release.judgements} judgements, public at {release.publish_at:%Y-%m-%d %H:%M}."
        )

    def _grant(self, options: dict[str, Any]) -> None:
        person = get_user_model().objects.filter(username=options["person"]).first()
        if person is None:
            raise CommandError(f"No person {options['person']}.")
        release = _release(options["release"])
        grant_pre_release_access(release=release, person=person, reason=options["reason"], acting_user=None)
        self.stdout.write(
            f"{person.get_username()} may read {release.service.code}/{release.number} before publication."
        )

    def _publish(self, options: dict[str, Any]) -> None:
        if options["release"]:
            release = publish_release(release=_release(options["release"]), acting_user=None)
            self.stdout.write(
                f"{release.service.name} release {release.number} ({release.title}): "
                f"{release.values} values and {release.judgements} judgements published."
            )
            return
        services = Service.objects.order_by("code")
        if options["services"]:
            services = services.filter(code__in=options["services"])
            missing = set(options["services"]) - set(services.values_list("code", flat=True))
            if missing:
                raise CommandError(f"No service {', '.join(sorted(missing))}.")
        now: datetime = clock.now()
        published = 0
        for service in services:
            if not service.indicators.exists():
                continue
            release = schedule_release(
                service=service,
                title=options["title"] or f"Published {now:%d %B %Y}",
                publish_at=now,
                acting_user=None,
                change_note=options["note"],
            )
            release = publish_release(release=release, acting_user=None, now=now)
            published += 1
            self.stdout.write(
                f"{service.name} release {release.number} ({release.title}): run {release.run_id}, "
                f"{release.values} values and {release.judgements} judgements published."
            )
        if not published:
            raise CommandError("No service has indicators to publish.")
