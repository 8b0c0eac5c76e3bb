"""Demo step: publish the assessed demo chains, so the public pages (``/units/RBD/``) show them."""

from __future__ import annotations

from django.utils import timezone

from localstat.chain.models import Service
from localstat.demo.pipeline import DemoContext, DemoStep
from localstat.publication.services import publish_release, schedule_release


def publish_demo(context: DemoContext) -> None:
    run = context.shared.get("assessment_run")
    now = timezone.now()
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


STEPS = [
    DemoStep(
        name="publication",
        run=publish_demo,
        description="Publication of the assessed chains",
        after=("assessment",),
    )
]
