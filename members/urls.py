"""The members app's URLs: config includes this module once; each namespace is one module below."""

from django.urls import include, path

urlpatterns = [
    path("roster/import/", include("members.import_urls")),
    path("roster/", include("members.roster_urls")),
    path("me/", include("members.profile_urls")),
]
