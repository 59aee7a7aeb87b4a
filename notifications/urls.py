"""The notifications app's URLs: config includes this module once; each namespace is one module below."""

from django.urls import include, path

urlpatterns = [
    path("inbox/", include("notifications.inbox_urls")),
    path("greetings/", include("notifications.greeting_urls")),
    path("sms/receipts/", include("notifications.sms_receipt_urls")),
]
