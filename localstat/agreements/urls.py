from django.urls import path

from localstat.agreements import views

app_name = "agreements"

urlpatterns = [
    path("", views.home, name="home"),
    path("propose/", views.propose, name="propose"),
    path("export.csv", views.export_csv, name="export"),
    path("goals/lacking/", views.goals_lacking, name="goals_lacking"),
    path("<int:pk>/", views.negotiation_detail, name="negotiation"),
    path("<int:pk>/challenge/", views.challenge, name="challenge"),
    path("<int:pk>/revise/", views.revise, name="revise"),
    path("<int:pk>/agree/", views.agree, name="agree"),
    path("<int:pk>/sign/<str:side>/", views.sign, name="sign"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/document/", views.document, name="document"),
    path("<int:pk>/local-psa/", views.local_psa_page, name="local_psa"),
    path("flexibilities/<int:pk>/decide/", views.flexibility_decide, name="flexibility_decide"),
    path("organisations/<str:code>/", views.organisation_page, name="organisation"),
    path("organisations/<str:code>/accountability/new/", views.accountability_new, name="accountability_new"),
    path("accountability/<int:pk>/goals/new/", views.goal_new, name="goal_new"),
    path("goals/<int:pk>/", views.goal_edit, name="goal_edit"),
    path("trajectories/<int:pk>/sign-off/", views.trajectory_sign_off, name="trajectory_sign_off"),
]
