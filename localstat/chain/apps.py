from django.apps import AppConfig


class ChainConfig(AppConfig):
    name = "localstat.chain"
    label = "chain"
    verbose_name = "Delivery chain: services, organisations, people and roles"

    def ready(self) -> None:
        from localstat.chain import permissions  # noqa: F401  (registers the chain's actions)
