"""Dues URLs of the secretary's pages (``dues.secretary_views``): see dues/urls.py."""

from django.urls import path

from . import secretary_views as views

urlpatterns = [
    path("branch/<int:pk>/", views.ledger, name="ledger"),
    path("member/<int:pk>/", views.member_dues, name="member"),
    path("member/<int:pk>/basis/", views.set_basis, name="set_basis"),
    path("member/<int:pk>/relief/", views.add_relief, name="add_relief"),
    path("member/<int:pk>/payment/", views.record_payment, name="record_payment"),
    path("queue/", views.queue, name="queue"),
    path("payment/<int:pk>/decide/", views.decide_payment, name="decide_payment"),
    path("payment/<int:pk>/receipt/", views.receipt, name="receipt"),
    path("basis/<int:pk>/decide/", views.decide_basis, name="decide_basis"),
    path("arrears/", views.arrears, name="arrears"),
]
