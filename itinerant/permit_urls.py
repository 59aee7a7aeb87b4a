"""Itinerant URLs: see itinerant/urls.py."""

urlpatterns: list = []
