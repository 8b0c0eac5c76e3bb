from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "localstat.assessment"
    label = "assessment"
    verbose_name = "Assessment: runs of the engine over approved returns, and their judgements"

    def ready(self) -> None:
        from localstat.assessment import permissions  # noqa: F401  (registers the assessment's actions)
