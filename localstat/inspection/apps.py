from django.apps import AppConfig


class InspectionConfig(AppConfig):
    name = "localstat.inspection"
    label = "inspection"
    verbose_name = "Inspection: proportionate scheduling, inspections and capacity assessment"

    def ready(self) -> None:
        from localstat.inspection import permissions  # noqa: F401  (registers the inspection's actions)
