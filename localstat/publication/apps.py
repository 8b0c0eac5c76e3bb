from django.apps import AppConfig


class PublicationConfig(AppConfig):
    name = "localstat.publication"
    label = "publication"
    verbose_name = "Publication: releases of approved values and judgements, and the public pages"

    def ready(self) -> None:
        from localstat.publication import permissions  # noqa: F401  (registers the publication's actions)
