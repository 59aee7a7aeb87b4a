"""The activities app's URLs: config includes this module once; each namespace is one module below."""

from django.urls import include, path

urlpatterns = [
    path("activities/", include("activities.activity_urls")),
    path("reports/", include("activities.report_urls")),
    path("meetings/", include("activities.meeting_urls")),
    path("calendar/", include("activities.calendar_urls")),
]
