from django.urls import path

from localstat.framework.views import burden, controls, pages, targets

app_name = "framework"

urlpatterns = [
    path("", pages.home, name="home"),
    path("indicators/", pages.indicator_list, name="indicators"),
    path("indicators/<str:code>/", pages.indicator_detail, name="indicator"),
    path("psas/<str:code>/", pages.psa_detail, name="psa"),
    path("departments/<str:code>/", pages.department, name="department"),
    path("managers/<str:code>/", pages.manager, name="manager"),
    path("units/<str:code>/", pages.unit, name="unit"),
    path("units/<str:code>/burden/", burden.unit_burden, name="unit_burden"),
    path("bodies/<str:code>/burden/", burden.body_burden, name="body_burden"),
    path("burden/<str:unit_type>/", burden.type_burden, name="type_burden"),
    path("targets.csv", targets.targets_csv, name="targets_csv"),
    path("targets/import/", targets.targets_import, name="targets_import"),
    path("targets/<str:reference>/", targets.target_detail, name="target"),
    path("targets/<str:reference>/cascade/<str:manager>/", targets.cascade, name="cascade"),
    path("targets/<str:reference>/<str:step>/", targets.target_step, name="target_step"),
    path("controls/", controls.controls_register, name="controls"),
    path("controls/import/", controls.controls_import, name="controls_import"),
    path("controls/<str:code>/remove/", controls.control_remove, name="control_remove"),
]
