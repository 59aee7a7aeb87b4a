"""Dues URLs: see dues/urls.py. The committee's totals and the branches' half-year publication."""

from django.urls import path

from . import committee_views as views

urlpatterns: list = [
    path("totals/", views.totals, name="totals"),
    path("totals/export/", views.totals_xlsx, name="totals_xlsx"),
    path("branches/<int:pk>/publish/", views.publish, name="publish"),
    path("publications/", views.publications, name="publications"),
    path("publications/<int:pk>/", views.publication, name="publication"),
]
