"""Itinerant URLs of transfers of the Party relationship (``itinerant.transfer_views``): see itinerant/urls.py."""

from django.urls import path

from . import transfer_views as views

urlpatterns = [
    path("transfers/", views.transfer_list, name="transfers"),
    path("transfers/incoming/register/", views.register_incoming, name="register_incoming"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer"),
    path("transfers/<int:pk>/letter/", views.letter, name="letter"),
    path("transfers/<int:pk>/approve/", views.transfer_approve, name="transfer_approve"),
    path("transfers/<int:pk>/refuse/", views.transfer_refuse, name="transfer_refuse"),
    path("transfers/<int:pk>/issue/", views.transfer_issue, name="transfer_issue"),
    path("transfers/<int:pk>/receipt/", views.transfer_receipt, name="transfer_receipt"),
    path("transfers/<int:pk>/cancel/", views.transfer_cancel, name="transfer_cancel"),
    path("transfers/incoming/<int:pk>/", views.incoming, name="incoming"),
    path("transfers/incoming/<int:pk>/accept/", views.incoming_accept, name="incoming_accept"),
    path("transfers/incoming/<int:pk>/refuse/", views.incoming_refuse, name="incoming_refuse"),
    path("member/<int:pk>/transfer/", views.start_transfer, name="start_transfer"),
    path("my/transfers/", views.my_transfers, name="my_transfers"),
    path("my/transfers/request/", views.request_transfer, name="request_transfer"),
]
