from django.urls import path

from . import views

app_name = "committees"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("branch/<int:pk>/", views.branch, name="branch"),
    path("branch/<int:pk>/posts/new/", views.add_post, name="add_post"),
    path("branch/<int:pk>/elections/new/", views.record_election, name="record_election"),
    path("posts/<int:pk>/edit/", views.edit_post, name="edit_post"),
    path("posts/<int:pk>/end/", views.end_post, name="end_post"),
    path("posts/<int:pk>/grant-role/", views.grant_role, name="grant_role"),
]
