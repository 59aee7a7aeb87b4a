"""Itinerant members' pages under /itinerant/: moves, transfers, permits and warnings."""

from . import move_urls, permit_urls, transfer_urls

app_name = "itinerant"
urlpatterns = [*move_urls.urlpatterns, *transfer_urls.urlpatterns, *permit_urls.urlpatterns]
