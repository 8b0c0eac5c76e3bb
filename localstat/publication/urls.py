from django.urls import path

from localstat.publication import views

urlpatterns = [
    path("search/", views.search, name="public_search"),
    path("units/<str:code>/", views.unit, name="public_unit"),
]
