"""Import and export URLs (namespace ``roster_import``), under /roster/import/ (see ``members.urls``)."""

from django.urls import path

from . import views

app_name = "roster_import"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("template.xlsx", views.template, name="template"),
    path("export.xlsx", views.export, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/status/", views.status, name="status"),
]
