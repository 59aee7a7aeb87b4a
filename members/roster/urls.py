"""The roster workspace's URLs (namespace ``roster``), under /roster/ (see ``members.urls``)."""

from django.urls import path

from . import print_views, role_views, signup_views, views, visit_views

app_name = "roster"
urlpatterns = [
    path("", views.roster_list, name="list"),
    path("add/", views.member_add, name="add"),
    path("print/", print_views.roster_print, name="print"),
    path("distribution/", views.distribution, name="distribution"),
    path("silent/", views.silent, name="silent"),
    path("visits/", visit_views.visits_due, name="visits"),
    path("roles/", role_views.roles, name="roles"),
    path("roles/<int:pk>/remove/", role_views.role_remove, name="role_remove"),
    path("activation-sms/", views.activation_sms, name="activation_sms"),
    path("signups/", signup_views.signups, name="signups"),
    path("signups/<int:pk>/approve/", signup_views.signup_approve, name="signup_approve"),
    path("signups/<int:pk>/create/", signup_views.signup_create, name="signup_create"),
    path("signups/<int:pk>/reject/", signup_views.signup_reject, name="signup_reject"),
    path("invitations/", signup_views.invitations, name="invitations"),
    path("invitations/<int:pk>/revoke/", signup_views.invitation_revoke, name="invitation_revoke"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/reveal/", views.member_reveal, name="reveal"),
    path("<int:pk>/contact/", views.member_contact, name="contact"),
    path("<int:pk>/visit/", views.member_visit, name="visit"),
    path("<int:pk>/edit/", views.member_edit, name="edit"),
    path("<int:pk>/transfer/", views.member_transfer, name="transfer"),
    path("<int:pk>/move/", views.member_move, name="move"),
]
