from django.urls import path

from localstat.regime import proposal_views, views

app_name = "regime"

urlpatterns = [
    path("", views.home, name="home"),
    path("rules/<int:pk>/", views.rule_set_detail, name="rule_set"),
    path("rules/<int:pk>/publish/", views.publish, name="publish"),
    path("rules/<int:pk>/backtest/", views.backtest, name="backtest"),
    path("rules/<str:operator>/<str:service>/edit/", views.edit_rules, name="edit"),
    path("proposals/", proposal_views.proposals, name="proposals"),
    path("freedoms/", views.freedoms, name="freedoms"),
    path("payments/", views.payments, name="payments"),
    path("organisations/<str:code>/", views.organisation, name="organisation"),
    path("interventions/", views.interventions, name="interventions"),
    path("interventions/<int:pk>/", views.intervention_detail, name="intervention"),
    path("exceptions/", views.exceptions, name="exceptions"),
]
