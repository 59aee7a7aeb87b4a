"""Dues URLs: see dues/urls.py."""

urlpatterns: list = []
