"""The SMS providers' delivery-receipt pushes; each URL needs the operator's ``?token=``."""

from django.urls import path

from . import sms_receipts

app_name = "sms_receipts"
urlpatterns = [
    path("aliyun/", sms_receipts.aliyun, name="aliyun"),
    path("tencent/", sms_receipts.tencent, name="tencent"),
]
