from django.urls import path

from localstat.chain import views

urlpatterns = [
    path("start/", views.start, name="start"),
    path("organisations/", views.directory, name="directory"),
    path("organisations/<str:code>/", views.organisation_detail, name="organisation"),
    path("organisations/<str:code>/move/", views.move_unit_view, name="move_unit"),
]
