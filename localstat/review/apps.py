"""Performance reviews: CompStat/CitiStat cycles, briefings, meetings and actions."""

from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "localstat.review"
    label = "review"
    verbose_name = "Performance reviews: CompStat/CitiStat cycles, briefings, meetings and actions"

    def ready(self) -> None:
        from localstat.review import permissions  # noqa: F401  (registers the review's actions)
