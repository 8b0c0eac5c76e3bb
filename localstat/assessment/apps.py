from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "localstat.assessment"
    label = "assessment"
    verbose_name = "Assessment: runs of the engine over approved returns, and their judgements"

    def ready(self) -> None:
        from localstat.assessment import permissions  # noqa: F401  (registers the assessment's actions)
        from localstat.assessment.updates import on_returns_approved
        from localstat.returns.signals import returns_approved

        returns_approved.connect(on_returns_approved, dispatch_uid="assessment.on_returns_approved")
