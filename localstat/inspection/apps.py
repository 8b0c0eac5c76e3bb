from django.apps import AppConfig


class InspectionConfig(AppConfig):
    name = "localstat.inspection"
    label = "inspection"
    verbose_name = "Inspection: proportionate scheduling, inspections and capacity assessment"
