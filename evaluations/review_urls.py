"""The reviewers' workspace under /evaluation/manage/: rounds, one round, one result, objections."""

from django.urls import path

from . import review_views as views

urlpatterns = [
    path("", views.rounds, name="rounds"),
    path("open/", views.open_round, name="open_round"),
    path("<int:pk>/", views.round_detail, name="round"),
    path("<int:pk>/advance/", views.advance, name="advance"),
    path("<int:pk>/rescore/", views.rescore, name="rescore"),
    path("<int:pk>/status/", views.round_status, name="round_status"),
    path("<int:pk>/items/<int:item_pk>/rest/", views.score_rest, name="score_rest"),
    path("<int:pk>/objections/", views.objections, name="objections"),
    path("objections/<int:pk>/", views.resolve_objection, name="resolve_objection"),
    path("assessments/<int:pk>/", views.review, name="review"),
    path("assessments/<int:pk>/items/<int:item_pk>/", views.score_item, name="score_item"),
]
