from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "localstat.core"
    label = "core"
    verbose_name = "LocalStat core: clock, audit trail and page furniture"
