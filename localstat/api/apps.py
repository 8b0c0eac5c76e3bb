from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "localstat.api"
    label = "api"
    verbose_name = "LocalStat API"
