from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "localstat.demo"
    label = "demo"
    verbose_name = "Demo: real NHS data and clearly labelled synthetic chains"
