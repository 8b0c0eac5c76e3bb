from django.urls import path

from localstat.assessment import views

urlpatterns = [
    path("performance/", views.performance_home, name="performance_home"),
    path("assessment/runs/", views.runs, name="assessment_runs"),
    path("assessment/target-proposals/", views.target_proposals, name="target_proposals"),
    path(
        "organisations/<str:code>/performance/",
        views.organisation_performance,
        name="organisation_performance",
    ),
    path(
        "organisations/<str:code>/performance/<str:indicator>/",
        views.judgement_detail,
        name="judgement_detail",
    ),
    path("indicators/<str:indicator>/judgements/", views.indicator_judgements, name="indicator_judgements"),
]
