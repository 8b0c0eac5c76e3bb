from django.urls import path

from localstat.inspection import views

app_name = "inspection"

urlpatterns = [
    path("", views.plan, name="plan"),
    path("backtest/", views.backtest, name="backtest"),
    path("rules/", views.published_rules, name="rules"),
    path("rules/<str:code>/publish/", views.publish_rules, name="publish_rules"),
    path("published/", views.published_inspections, name="published"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("capacity/<int:pk>/", views.capacity_detail, name="capacity_detail"),
    path("capacity/<int:pk>/verify/", views.verify_capacity, name="verify_capacity"),
    path("units/<str:code>/", views.unit_inspections, name="unit"),
    path("units/<str:code>/inspect/", views.record_inspection, name="record_inspection"),
    path("units/<str:code>/capacity/", views.assess_capacity, name="assess_capacity"),
    path("units/<str:code>/self-assessment/", views.self_assess, name="self_assess"),
    path("units/<str:code>/audit/", views.audit_returns, name="audit_returns"),
]
