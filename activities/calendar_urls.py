"""The private calendar feed: read by calendar apps without a login, its token is its only key."""

from django.urls import path

from .meetings import calendar_views

app_name = "calendar"
urlpatterns = [
    path("<str:token>.ics", calendar_views.feed, name="feed"),
]
