from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from config import health, pwa
from members import views as member_views
from members.forms import AdminLoginForm

# The admin's login counts and throttles failures like the phone login, on the same counters.
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", member_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("offline/", pwa.offline, name="offline"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    # Each app's urls.py is included once, at the root, and owns its path prefixes.
    path("", include("activities.urls")),
    path("", include("members.urls")),
    path("", include("notifications.urls")),
    path("", include("evaluations.urls")),
    path("dues/", include("dues.urls")),
    path("itinerant/", include("itinerant.urls")),
    path("committees/", include("committees.urls")),
    path("admin/", admin.site.urls),
]
# Uploaded files (check-in photos, study material, report attachments) are
# never served from MEDIA_URL, not even in development: each is sent by a view
# that checks who may see it.
