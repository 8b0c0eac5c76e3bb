from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "localstat.agreements"
    label = "agreements"
    verbose_name = (
        "Local agreements: negotiated local targets, Local PSAs, accountability agreements, trajectories"
    )
