from django.urls import path

from . import views

app_name = "activities"
urlpatterns = [
    path("", views.activity_list, name="list"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/edit/", views.activity_edit, name="edit"),
    path("<int:pk>/attendance.xlsx", views.attendance_export, name="export"),
    path("stats/<int:pk>/", views.organization_stats, name="stats"),
]
