"""Dues URLs: see dues/urls.py. The member's own ledger, reports and declarations."""

from django.urls import path

from . import member_views as views

urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("mine/report/", views.report, name="report"),
    path("mine/declare/", views.declare, name="declare"),
    path("mine/receipts/<int:pk>/", views.my_receipt, name="my_receipt"),
]
