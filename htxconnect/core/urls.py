from django.urls import path

from . import private_files, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("audit/", views.audit_log, name="audit_log"),
    # Private uploads, after the owning record's permission check (core.private_files).
    path("files/<path:name>", private_files.serve_private_file, name="private_file"),
]
