from django.apps import AppConfig


class FrameworkConfig(AppConfig):
    name = "localstat.framework"
    label = "framework"
    verbose_name = "Performance framework: indicators, PSAs, targets, standards and controls"

    def ready(self) -> None:
        from localstat.framework import permissions  # noqa: F401  (registers the framework's actions)
