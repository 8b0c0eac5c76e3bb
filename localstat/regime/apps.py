from django.apps import AppConfig


class RegimeConfig(AppConfig):
    name = "localstat.regime"
    label = "regime"
    verbose_name = (
        "Consequences: published trigger rules, freedoms, rewards, payments and the intervention ladder"
    )
