"""/evaluation/: a member's own results and the branch's publicity, then the workspace under manage/."""

from django.urls import include, path

from . import member_urls, review_urls, scheme_urls

app_name = "evaluations"

urlpatterns = [
    path("evaluation/", include(member_urls)),
    path("evaluation/manage/", include(review_urls)),
    path("evaluation/manage/", include(scheme_urls)),
]
