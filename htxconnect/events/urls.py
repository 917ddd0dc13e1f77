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
