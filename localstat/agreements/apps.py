"""Local agreements: negotiated local targets, Local PSAs, accountability agreements, trajectories."""

from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "localstat.agreements"
    label = "agreements"
    verbose_name = (
        "Local agreements: negotiated local targets, Local PSAs, accountability agreements, trajectories"
    )

    def ready(self) -> None:
        from localstat.agreements import permissions  # noqa: F401  (registers the agreements' actions)
