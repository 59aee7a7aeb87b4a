from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from config import health, pwa
from members import views as member_views

urlpatterns = [
    path("", member_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("offline/", pwa.offline, name="offline"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("activities/", include("activities.urls")),
    path("roster/import/", include("members.import_urls")),
    path("roster/", include("members.roster_urls")),
    path("inbox/", include("notifications.urls")),
    path("greetings/", include("notifications.greeting_urls")),
    path("reports/", include("activities.report_urls")),
    path("me/", include("members.urls")),
    path("evaluation/", include("evaluations.urls")),
    path("admin/", admin.site.urls),
]
# Uploaded files (check-in photos, study material, report attachments) are
# never served from MEDIA_URL, not even in development: each is sent by a view
# that checks who may see it.
