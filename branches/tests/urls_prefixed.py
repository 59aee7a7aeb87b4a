"""A URLconf with the home page elsewhere, for the tests of URLs reversed once per URLconf."""

from django.urls import path

from members import views

urlpatterns = [path("prefixed/", views.home, name="home")]
