from django.urls import path

from localstat.review import views

app_name = "review"

urlpatterns = [
    path("", views.review_home, name="home"),
    path("challenger/", views.challenger_home, name="challenger"),
    path("secretariat/", views.secretariat_home, name="secretariat"),
    path("actions/", views.my_actions, name="my_actions"),
    path("actions/<int:pk>/", views.action_detail, name="action"),
    path("actions/<int:pk>/drop/", views.action_drop, name="action_drop"),
    path("commitments/<int:pk>/assess/", views.commitment_assess, name="commitment_assess"),
    path("bodies/<str:body>/cycles/new/", views.cycle_new, name="cycle_new"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle"),
    path("cycles/<int:pk>/display/", views.cycle_display, name="display"),
    path("cycles/<int:pk>/display/stamp/", views.cycle_display_stamp, name="display_stamp"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/record/<str:what>/", views.meeting_record, name="meeting_record"),
    path("meetings/<int:pk>/held/", views.meeting_held, name="meeting_held"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("meetings/<int:pk>/briefing/", views.briefing_page, name="briefing"),
    path("meetings/<int:pk>/briefing.pdf", views.briefing_pdf, name="briefing_pdf"),
    path("meetings/<int:pk>/briefing/marks/", views.briefing_marks, name="briefing_marks"),
    path("meetings/<int:pk>/follow-up/", views.follow_up, name="follow_up"),
    path("meetings/<int:pk>/follow-up.pdf", views.follow_up_pdf, name="follow_up_pdf"),
    path("units/<str:code>/history/", views.unit_history, name="unit_history"),
]
