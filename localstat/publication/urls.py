from django.urls import path

from localstat.publication import views

urlpatterns = [
    # The public home: `/` once the project's URLs point there (see the publication's tests/urls.py).
    path("", views.home, name="home"),
    path("search/", views.search, name="public_search"),
    path("units/<str:code>/", views.unit, name="public_unit"),
    path("units/<str:code>/compare/", views.compare, name="public_compare"),
    path("areas/", views.area_list, name="public_areas"),
    path("areas/<str:code>/", views.area, name="public_area"),
    path("league-tables/", views.league_table_list, name="public_league_tables"),
    path("league-tables/<str:indicator>/", views.league_table, name="public_league_table"),
    path("data/", views.open_data, name="public_open_data"),
    path("data/dictionary/", views.data_dictionary, name="public_data_dictionary"),
    path(
        "data/<str:service>/latest/<str:table>.<str:fmt>",
        views.latest_download,
        name="public_latest_download",
    ),
    path("releases/", views.release_list, name="public_releases"),
    path("releases/pre-release/", views.pre_release, name="pre_release"),
    path("releases/manage/", views.manage_releases, name="manage_releases"),
    path("releases/<str:service>/<int:number>/", views.release_detail, name="public_release"),
    path(
        "releases/<str:service>/<int:number>/<str:table>.<str:fmt>",
        views.download,
        name="public_download",
    ),
]
