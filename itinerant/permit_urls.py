"""Itinerant URLs: see itinerant/urls.py. Permits, the six-month warnings and the proposed transfers."""

from django.urls import path

from . import permit_views

urlpatterns = [
    path("permits/", permit_views.permit_list, name="permits"),
    path("permits/member/<int:pk>/", permit_views.add_permit, name="add_permit"),
    path("permits/<int:pk>/", permit_views.permit_detail, name="permit"),
    path("warnings/", permit_views.warning_list, name="warnings"),
    path("warnings/<int:pk>/resolve/", permit_views.resolve_warning, name="resolve_warning"),
    path("proposals/", permit_views.proposal_list, name="proposals"),
    path("proposals/<int:pk>/dismiss/", permit_views.dismiss_proposal, name="dismiss_proposal"),
]
