"""The workspace (namespace ``workspace``), under /workspace/ (see ``members.urls``)."""

from django.urls import path

from . import views

app_name = "workspace"
urlpatterns = [
    path("", views.workspace, name="home"),
]
