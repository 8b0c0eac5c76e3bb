from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "localstat.returns"
    label = "returns"
    verbose_name = "Returns: collections, the gateway, validation, approval and imports"

    def ready(self) -> None:
        from localstat.returns import permissions  # noqa: F401  (registers the returns' actions)
