"""A member's pages under /evaluation/: my results, one result, publicity, objections, evidence files."""

from django.urls import path

from . import member_views as views

urlpatterns = [
    path("", views.mine, name="mine"),
    path("<int:pk>/", views.assessment, name="assessment"),
    path("<int:pk>/objection/", views.object_to, name="object"),
    path("round/<int:pk>/publicity/", views.publicity, name="publicity"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
]
