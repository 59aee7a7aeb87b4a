"""Schemes, the committee's branch chart and the results spreadsheet, under /evaluation/manage/."""

from django.urls import path

from . import scheme_views as views

urlpatterns = [
    path("schemes/", views.schemes, name="schemes"),
    path("schemes/copy/", views.copy_scheme, name="copy_scheme"),
    path("schemes/<int:pk>/", views.scheme_detail, name="scheme"),
    path("schemes/<int:pk>/edit/", views.edit_scheme, name="scheme_edit"),
    path("schemes/<int:pk>/sections/new/", views.add_section, name="scheme_add_section"),
    path("schemes/sections/<int:pk>/", views.edit_section, name="scheme_section"),
    path("schemes/sections/<int:pk>/delete/", views.delete_section, name="scheme_delete_section"),
    path("schemes/sections/<int:pk>/items/new/", views.add_item, name="scheme_add_item"),
    path("schemes/items/<int:pk>/", views.edit_item, name="scheme_item"),
    path("schemes/items/<int:pk>/delete/", views.delete_item, name="scheme_delete_item"),
    path("branches/", views.branch_chart, name="branch_chart"),
    path("<int:pk>/export.xlsx", views.export, name="export"),
]
