from django.urls import path

from localstat.returns import views

app_name = "returns"

urlpatterns = [
    path("", views.returns_home, name="home"),
    path("upload/", views.upload, name="upload"),
    path("collections/", views.collections, name="collections"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("units/<str:code>/", views.unit_returns, name="unit"),
    path("<int:pk>/", views.return_detail, name="detail"),
    path("<int:pk>/values/", views.edit_return, name="edit"),
    path("<int:pk>/history/<str:indicator>/", views.value_history, name="history"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/send-back/", views.send_back, name="send_back"),
    path("warnings/<int:pk>/", views.resolve_warning, name="resolve_warning"),
]
