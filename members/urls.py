"""The members app's URLs: config includes this module once; each namespace is one module below."""

from django.urls import include, path

urlpatterns = [
    path("roster/import/", include("members.imports.urls")),
    path("roster/", include("members.roster.urls")),
    path("me/", include("members.profile_urls")),
    path("workspace/", include("members.workspace.urls")),
]
