from django.urls import path

from . import report_views as views

app_name = "reports"
urlpatterns = [
    path("", views.my_reports, name="mine"),
    path("review/", views.review_queue, name="queue"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/attachment/", views.report_attachment, name="attachment"),
    path("<int:pk>/reply/", views.report_reply, name="reply"),
]
