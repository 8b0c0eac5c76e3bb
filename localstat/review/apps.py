from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "localstat.review"
    label = "review"
    verbose_name = "Performance reviews: CompStat/CitiStat cycles, briefings, meetings and actions"
