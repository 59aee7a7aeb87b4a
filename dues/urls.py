"""Dues pages under /dues/: the secretary's ledger, the member's own, the committee's totals."""

from . import committee_urls, member_urls, secretary_urls

app_name = "dues"
urlpatterns = [*secretary_urls.urlpatterns, *member_urls.urlpatterns, *committee_urls.urlpatterns]
