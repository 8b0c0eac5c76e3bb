"""The project's URLs with the publication's home at `/`, as the integrator wires it.

Until `localstat/urls.py` points `/` at ``publication.views.home`` (it is the chain's home there
now), the publication's tests that start from `/` use this URL configuration.
"""

from django.urls import path

from localstat.publication import views
from localstat.urls import urlpatterns as project

urlpatterns = [path("", views.home, name="public_home"), *project]
