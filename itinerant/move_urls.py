"""Itinerant URLs: see itinerant/urls.py. Move reports: the member's pages, then the secretary's."""

from django.urls import path

from . import move_views

urlpatterns = [
    path("moves/", move_views.my_moves, name="my_moves"),
    path("moves/report/", move_views.report_move, name="report_move"),
    path("moves/verify-phone/", move_views.verify_phone, name="verify_phone"),
    path("moves/<int:pk>/withdraw/", move_views.withdraw, name="withdraw_move"),
    path("moves/queue/", move_views.move_queue, name="move_queue"),
    path("moves/<int:pk>/decide/", move_views.decide, name="decide_move"),
]
