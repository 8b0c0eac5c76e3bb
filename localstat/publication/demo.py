"""Demo step: publish the assessed demo chains, so the public pages (``/units/RBD/``) show them, and
announce Health's next release, frozen for the Q70 manager's pre-release access, so the release
calendar, ``/releases/pre-release/`` and ``/releases/manage/`` have one to show."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from localstat.chain.demo import DEMO_AREA
from localstat.chain.models import Service
from localstat.core import clock
from localstat.demo.pipeline import DemoContext, DemoStep
from localstat.publication.services import (
    freeze_release,
    grant_pre_release_access,
    publish_release,
    schedule_release,
)


def publish_demo(context: DemoContext) -> None:
    run = context.shared.get("assessment_run")
    now = clock.now()
    for service in Service.objects.filter(indicators__isnull=False).distinct().order_by("code"):
        release = schedule_release(
            service=service,
            title=f"Performance to {context.as_of:%B %Y}",
            publish_at=now,
            run=run,
            acting_user=None,
        )
        release = publish_release(release=release, acting_user=None, now=now)
        context.progress(
            f"      {service.name} release {release.number}: {release.values} values, "
            f"{release.judgements} judgements"
        )
    health = Service.objects.filter(code="health").first()
    if health is None or not health.releases.exists():
        return
    announced = schedule_release(
        service=health,
        title="Monthly update: returns approved since release 1",
        publish_at=(now + timedelta(days=28)).replace(hour=9, minute=30, second=0, microsecond=0),
        run=run,
        change_note=(
            "Holds the values approved when it was frozen for pre-release access; returns approved "
            "after that wait for the next release."
        ),
        acting_user=None,
    )
    manager = get_user_model().objects.filter(username=f"manager.{DEMO_AREA}").first()
    if manager is not None:
        grant_pre_release_access(
            release=announced,
            person=manager,
            reason="Briefs the area's board the day before publication",
            acting_user=None,
        )
        # Frozen now, as official statistics are for pre-release access: the named manager reads at
        # /releases/pre-release/ exactly what will be published; nobody else sees it before its time.
        announced = freeze_release(release=announced, acting_user=None, now=now)
    context.progress(
        f"      Health release {announced.number} announced for {timezone.localtime(announced.publish_at):%d %B %Y %H:%M}"
        + (f", frozen, with pre-release access for {manager.get_username()}" if manager else "")
    )


STEPS = [
    DemoStep(
        name="publication",
        run=publish_demo,
        description="Publication of the assessed chains",
        after=("assessment",),
    )
]
