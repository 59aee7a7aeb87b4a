from django.urls import path

from . import views, wecom_views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.open_notification, name="open"),
    path("channels/", views.channels, name="channels"),
    path("branch/<int:pk>/", views.branch_channels, name="branch_channels"),
    path("branch/<int:pk>/templates/", views.templates, name="templates"),
    path("branch/<int:pk>/wecom/", wecom_views.wecom_ids, name="wecom_ids"),
    path("branch/<int:pk>/templates/<slug:kind>/<str:language>/", views.edit_template, name="edit_template"),
]
