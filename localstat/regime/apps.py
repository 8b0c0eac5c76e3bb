from django.apps import AppConfig


class RegimeConfig(AppConfig):
    name = "localstat.regime"
    label = "regime"
    verbose_name = (
        "Consequences: published trigger rules, freedoms, rewards, payments and the intervention ladder"
    )

    def ready(self) -> None:
        from localstat.regime import permissions  # noqa: F401  (registers the regime's actions)
