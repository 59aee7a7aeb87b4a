from django.urls import path

from . import leave_views, print_views, views

app_name = "activities"
urlpatterns = [
    path("", views.activity_list, name="list"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/edit/", views.activity_edit, name="edit"),
    path("<int:pk>/attendance.xlsx", views.attendance_export, name="export"),
    path("<int:pk>/sign-in-sheet/", print_views.signin_sheet, name="signin_sheet"),
    path("stats/<int:pk>/", views.organization_stats, name="stats"),
    path("leave/", leave_views.leave_queue, name="leaves"),
    path("leave/<int:pk>/decide/", views.leave_decide, name="leave_decide"),
    path("<int:pk>/manual/", views.manual_checkin, name="manual_checkin"),
    path("<int:pk>/excuse/", views.excuse, name="excuse"),
    # the member's side
    path("mine/", views.my_activity, name="mine"),
    path("mine/<int:pk>/", views.member_detail, name="member_detail"),
    path("mine/<int:pk>/checkin/", views.member_checkin, name="checkin"),
    path("mine/<int:pk>/leave/", views.member_leave, name="leave"),
    path("mine/<int:pk>/makeup/", views.member_makeup, name="makeup"),
    path("study/", views.study, name="study"),
    path("study/<int:pk>/", views.material_detail, name="material"),
    path("study/<int:pk>/studied/", views.material_studied, name="studied"),
    path("study/<int:pk>/file/", views.material_file, name="material_file"),
]
