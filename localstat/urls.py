from django.contrib import admin
from django.urls import include, path

from localstat.api.urls import api

urlpatterns = [
    path("", include("localstat.chain.urls")),
    path("", include("localstat.core.urls")),
    path("framework/", include("localstat.framework.urls")),
    path("returns/", include("localstat.returns.urls")),
    path("agreements/", include("localstat.agreements.urls")),
    path("", include("localstat.assessment.urls")),
    path("inspection/", include("localstat.inspection.urls")),
    path("regime/", include("localstat.regime.urls")),
    path("reviews/", include("localstat.review.urls")),
    path("", include("localstat.publication.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
