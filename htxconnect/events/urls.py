from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("calendar/", views.event_calendar, name="calendar"),
    path("calendar.ics", views.feed, name="feed"),
    path("stats/", views.attendance_stats, name="stats"),
    path("new/", views.event_create, name="event_create"),
    path("checkin-sw.js", views.service_worker, name="service_worker"),
    path("t/<str:token>/", views.ticket, name="ticket"),
    path("<int:pk>/", views.event_detail, name="event_detail"),
    path("<int:pk>/event.ics", views.event_ics, name="event_ics"),
    path("<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("<int:pk>/status/", views.event_status, name="event_status"),
    path("<int:pk>/materials/", views.material_add, name="material_add"),
    path("<int:pk>/meetings/", views.meeting_add, name="meeting_add"),
    path("<int:pk>/sessions/", views.session_add, name="session_add"),
    path("<int:pk>/register/", views.register, name="register"),
    path("<int:pk>/members/", views.register_members, name="register_members"),
    path("<int:pk>/import/", views.registration_import, name="registration_import"),
    path("<int:pk>/checkin/", views.checkin, name="checkin"),
    path("<int:pk>/checkin/roster/", views.checkin_roster, name="checkin_roster"),
    path("<int:pk>/checkin/sync/", views.checkin_sync, name="checkin_sync"),
    path("registrations/<int:pk>/cancel/", views.registration_cancel, name="registration_cancel"),
    path("registrations/<int:pk>/reissue/", views.registration_reissue, name="registration_reissue"),
    path("registrations/<int:pk>/erase/", views.registration_erase, name="registration_erase"),
]

# Certificates, feedback and contests (views_followup.py).
from . import views_followup as followup  # noqa: E402

urlpatterns += [
    path("<int:pk>/certificates/", followup.certificate_list, name="certificate_list"),
    path("<int:pk>/certificates/policy/", followup.certificate_policy, name="certificate_policy"),
    path("<int:pk>/certificates/issue/", followup.certificate_issue, name="certificate_issue"),
    path("certificates/<int:pk>/revoke/", followup.certificate_revoke, name="certificate_revoke"),
    path("verify/<str:code>/", followup.certificate_verify, name="certificate_verify"),
    path("verify/<str:code>/certificate.pdf", followup.certificate_pdf, name="certificate_pdf"),
    path("f/<str:token>/", followup.feedback_form, name="feedback_form"),
    path("<int:pk>/feedback/", followup.feedback_summary, name="feedback_summary"),
    path("<int:pk>/feedback.xlsx", followup.feedback_export, name="feedback_export"),
    path("<int:pk>/feedback/send/", followup.feedback_send, name="feedback_send"),
    path("<int:pk>/contest/", followup.contest_manage, name="contest_manage"),
    path("<int:pk>/contest/setup/", followup.contest_setup, name="contest_setup"),
    path("<int:pk>/contest/submit/", followup.contest_submit, name="contest_submit"),
    path("<int:pk>/results/", followup.contest_results, name="contest_results"),
    path("submissions/<int:pk>/", followup.submission_detail, name="submission_detail"),
    path("submissions/<int:pk>/score/", followup.submission_score, name="submission_score"),
    path("submission-files/<int:pk>/", followup.submission_file, name="submission_file"),
    path("judging/", followup.judging, name="judging"),
]
